"""A playbook written for azure.azcollection's authentication runs unchanged against this collection (issue 16).

Real ansible-playbook against the emulator and its fake Azure AD: ``module_defaults`` carrying every
authentication option of ``group/azure.azcollection.azure``, a profile in ``~/.azure/credentials`` (HOME
points at a temporary directory), ``cert_validation_mode: ignore``, and contradictory options refused before
any request. The environment holds no AZURE_* credential, so what signs in is what the playbook says.
"""

import textwrap

import pytest
import yaml

from conftest import DEFAULT_ESTATE, playbook_env, run_playbook

CREDENTIAL_VARIABLES = ("AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_SUBSCRIPTION_ID", "AZURE_CLOUD_ENVIRONMENT",
                        "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_PROFILE", "AZURE_AD_USER", "AZURE_PASSWORD",
                        "ANSIBLE_AZURE_AUTH_SOURCE", "AZURE_BACKUP_TOKEN_CACHE")

PLAY_HEADER = """\
- name: PLAY_NAME
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""


@pytest.fixture(name="principal")
def fixture_principal():
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        estate = yaml.safe_load(handle)
    principal = estate["principals"][0]
    subscriptions = principal.get("subscriptions") or [subscription["id"] for subscription in estate["subscriptions"]]
    return {"client_id": principal["client_id"], "secret": principal["secret"], "tenant": estate["tenant"], "subscription_id": subscriptions[0]}


@pytest.fixture(name="bare_env")
def fixture_bare_env(emulator, tmp_path):
    """The playbook environment without any Azure credential or CA variable, HOME in a temporary directory."""
    env = {name: value for name, value in playbook_env(emulator).items() if name not in CREDENTIAL_VARIABLES and name != "REQUESTS_CA_BUNDLE"}
    env["HOME"] = str(tmp_path)
    return env


def write_playbook(tmp_path, text):
    path = tmp_path / "playbook.yml"
    path.write_text(textwrap.dedent(text))
    return path


def test_azcollection_module_defaults_run_unchanged(emulator, bare_env, principal, tmp_path):
    playbook = write_playbook(tmp_path, PLAY_HEADER.replace("PLAY_NAME", "module_defaults as written for azure.azcollection") + f"""\
  module_defaults:
    group/azure_backup.recovery_services.all:
      auth_source: auto
      profile:
      subscription_id: {principal["subscription_id"]}
      client_id: {principal["client_id"]}
      secret: {principal["secret"]}
      tenant: {principal["tenant"]}
      ad_user:
      password:
      cloud_environment: "{{{{ emulator_endpoint }}}}"
      adfs_authority_url: "{{{{ emulator_endpoint }}}}"
      cert_validation_mode: validate
      api_profile: latest
      log_mode:
      log_path:
      x509_certificate_path:
      thumbprint:
      disable_instance_discovery: true
      ca_bundle: "{{{{ emulator_ca }}}}"
  tasks:
    - name: A vault
      azure_backup.recovery_services.rsv_vault:
        name: rsv-azcollection-auth
        resource_group: rg-backup-weu
        location: westeurope
    - name: The vault, read back
      azure_backup.recovery_services.rsv_vault_info:
        name: rsv-azcollection-auth
        resource_group: rg-backup-weu
      register: vault
    - name: Its security settings
      azure_backup.recovery_services.vault_security_info:
        name: rsv-azcollection-auth
        resource_group: rg-backup-weu
    - name: Its policies
      azure_backup.recovery_services.backup_policy_info:
        vault_name: rsv-azcollection-auth
        resource_group: rg-backup-weu
    - name: The vault was found
      ansible.builtin.assert:
        that: vault.vaults | length == 1
""")
    result = run_playbook(emulator, playbook, "-vvv", env=bare_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unsupported parameters" not in result.stdout
    assert "failed=0" in result.stdout
    assert principal["secret"] not in result.stdout + result.stderr


PROFILES = """\
[default]
subscription_id = {subscription_id}
client_id = {client_id}
secret = {secret}
tenant = {tenant}
cloud_environment = {endpoint}

[emulator]
subscription_id = {subscription_id}
client_id = {client_id}
secret = {secret}
tenant = {tenant}
cloud_environment = {endpoint}

[wrong-secret]
subscription_id = {subscription_id}
client_id = {client_id}
secret = not-the-secret
tenant = {tenant}
cloud_environment = {endpoint}
"""


def test_a_profile_in_the_azure_credentials_file_signs_in(emulator, bare_env, principal, tmp_path):
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "credentials").write_text(PROFILES.format(endpoint=emulator.endpoint, **principal))
    playbook = write_playbook(tmp_path, PLAY_HEADER.replace("PLAY_NAME", "Profiles of ~/.azure/credentials") + """\
  module_defaults:
    group/azure_backup.recovery_services.all:
      ca_bundle: "{{ emulator_ca }}"
  tasks:
    - name: The profile option
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
        profile: emulator
    - name: AZURE_PROFILE
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
      environment:
        AZURE_PROFILE: emulator
    - name: auth_source credential_file reads the default profile
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
        auth_source: credential_file
    - name: auto finds the default profile when nothing else is given
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
    - name: The profile's secret is the one sent
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
        profile: wrong-secret
      register: wrong
      ignore_errors: true
    - name: Azure AD refused it
      ansible.builtin.assert:
        that:
          - wrong is failed
          - "'AADSTS7000215' in wrong.msg"
    - name: A profile the file does not have
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
        profile: staging
      register: missing
      ignore_errors: true
    - name: The error names the profile and the file
      ansible.builtin.assert:
        that:
          - missing is failed
          - "\\"profile 'staging'\\" in missing.msg"
          - "'.azure/credentials has no [staging] section' in missing.msg"
""")
    result = run_playbook(emulator, playbook, env=bare_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok=8" in result.stdout and "failed=0" in result.stdout, result.stdout


def test_cert_validation_mode_ignore_signs_in_without_the_ca(emulator, bare_env, principal, tmp_path):
    settings = "\n".join(f"        {name}: {value}" for name, value in principal.items())
    playbook = write_playbook(tmp_path, PLAY_HEADER.replace("PLAY_NAME", "cert_validation_mode") + f"""\
  tasks:
    - name: Without the emulator's CA, certificates are checked
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
        cloud_environment: "{{{{ emulator_endpoint }}}}"
{settings}
      register: checked
      ignore_errors: true
    - name: With cert_validation_mode ignore, they are not
      azure_backup.recovery_services.rsv_vault_info:
        resource_group: rg-backup-weu
        cloud_environment: "{{{{ emulator_endpoint }}}}"
        cert_validation_mode: ignore
{settings}
      register: ignored
    - name: Only the checked one failed, on the certificate
      ansible.builtin.assert:
        that:
          - checked is failed
          - "'not signed by a CA this task trusts' in checked.msg"
          - ignored is succeeded
          - ignored.warnings | select('search', 'cert_validation_mode=ignore') | list | length == 1
""")
    result = run_playbook(emulator, playbook, env=bare_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout, result.stdout


CONTRADICTIONS = [
    ({"secret": "contradicting-secret", "x509_certificate_path": "/tmp/sp.pem"}, "secret and x509_certificate_path are different ways to sign in"),
    ({"ad_user": "user@contoso.com"}, "ad_user and password go together"),
    ({"profile": "emulator", "secret": "contradicting-secret"}, "profile and secret are different ways to sign in"),
    ({"cert_validation_mode": "ignore", "ca_bundle": "/tmp/ca.pem"}, "cert_validation_mode=ignore turns certificate checks off"),
]


def test_contradictory_options_are_refused_before_any_request(emulator, bare_env, principal, tmp_path):
    common = {"resource_group": "rg-backup-weu", "cloud_environment": emulator.endpoint, "client_id": principal["client_id"],
              "tenant": principal["tenant"], "subscription_id": principal["subscription_id"]}
    tasks = []
    for number, (options, message) in enumerate(CONTRADICTIONS):
        tasks.append({"name": f"Contradiction {number}", "azure_backup.recovery_services.rsv_vault_info": dict(common, **options),
                      "register": f"refused_{number}", "ignore_errors": True})
        tasks.append({"name": f"Refused {number} by name", "ansible.builtin.assert": {
            "that": [f"refused_{number} is failed", f"{message!r} in refused_{number}.msg"]}})
    playbook = write_playbook(tmp_path, PLAY_HEADER.replace("PLAY_NAME", "Contradictions") + "  tasks:\n"
                              + textwrap.indent(yaml.safe_dump(tasks, sort_keys=False), "    "))
    emulator.control("POST", "requests/reset")
    result = run_playbook(emulator, playbook, env=bare_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout and "ignored=4" in result.stdout, result.stdout
    assert emulator.control("GET", "requests")["requests"] == []
