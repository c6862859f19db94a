"""Secrets never reach Ansible's output, at -v to -vvvv with --diff, when the run succeeds or fails.

Runs real playbooks against the emulator: the vault_security module (security PIN, cross-tenant
token), the vault role (the token inside a vault entry its loops iterate over), and the whole rollout
and audit (playbooks/site.yml, playbooks/audit.yml, with a token in every vault entry). Reads back
the PINs the emulator handed out (``GET /_emulator/state``) and looks for them, the token and the
service principal's secret in everything each run printed. The MARS role (passphrase, vault
credentials) and the file recovery password have their own tests: test_mars_role.py and
test_file_recovery_secrets.py.
"""

import os
import re
import stat
import textwrap

import pytest
import yaml

from conftest import ROOT, playbook_env, run_playbook, start_emulator

VERBOSITIES = ["-v", "-vv", "-vvv", "-vvvv"]

AUX_TOKEN = "aux-token-7f3c9e1b5d2a-from-the-guard-tenant"
REMOTE_GUARD = ("/subscriptions/3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a/resourceGroups/rg-security/providers/"
                "Microsoft.DataProtection/resourceGuards/guard-remote-weu")

# The start of a play on the controller against the emulator (PLAY_NAME replaced); its own vars follow.
PLAY_HEADER = """\
    - name: PLAY_NAME
      hosts: localhost
      connection: local
      gather_facts: false
      module_defaults:
        group/azure_backup.recovery_services.all:
          ca_bundle: "{{{{ emulator_ca }}}}"
      vars:
        ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
"""

PLAYBOOK = textwrap.dedent(PLAY_HEADER.replace("PLAY_NAME", "Secrets stay secret") + """\
        guard_token: {token}
      tasks:
        - name: A vault
          azure_backup.recovery_services.rsv_vault:
            name: rsv-secrets
            resource_group: rg-backup-weu
            location: westeurope
        - name: Protected by a guard in another tenant
          azure_backup.recovery_services.vault_security:
            name: rsv-secrets
            resource_group: rg-backup-weu
            resource_guard:
              id: {guard}
            resource_guard_token: "{{{{ guard_token }}}}"
        - name: A PIN returned to a no_log task
          azure_backup.recovery_services.vault_security:
            name: rsv-secrets
            resource_group: rg-backup-weu
            generate_security_pin: true
            resource_guard_authorization: true
            resource_guard_token: "{{{{ guard_token }}}}"
          no_log: true
          register: pin
        - name: A PIN written to a private file (the task itself is not no_log)
          azure_backup.recovery_services.vault_security:
            name: rsv-secrets
            resource_group: rg-backup-weu
            generate_security_pin: true
            security_pin_file: {pin_file}
            resource_guard_authorization: true
            resource_guard_token: "{{{{ guard_token }}}}"
          register: pin_in_file
        - name: Both PINs came back
          ansible.builtin.assert:
            that:
              - pin.security_pin.pin | length == 6
              - pin_in_file.security_pin.file == '{pin_file}'
              - "'pin' not in pin_in_file.security_pin"
    """)


def issued_pins(emulator):
    resources = emulator.control("GET", "state")["resources"]
    return [entry["securityPIN"] for key, body in resources.items() if key.endswith("/backupsecuritypin/issued") for entry in body["pins"]]


def shows(secret, text):
    """True when ``secret`` appears as a value of its own (not inside a longer hex id or number)."""
    return re.search(rf"(?<![0-9A-Za-z-]){re.escape(secret)}(?![0-9A-Za-z-])", text) is not None


def assert_secret_free(result, emulator, *secrets):
    """None of ``secrets``, nor the service principal's secret, in what the run printed."""
    output = result.stdout + result.stderr
    for secret in (*secrets, playbook_env(emulator)["AZURE_SECRET"]):
        assert secret and secret not in output, f"a secret appears in the output: {secret[:4]}..."
    return output


@pytest.mark.parametrize("verbosity", VERBOSITIES)
def test_pin_and_token_never_in_verbose_output(emulator, tmp_path, verbosity):
    emulator.reset()
    pin_file = tmp_path / "security.pin"
    playbook = tmp_path / "secrets.yml"
    playbook.write_text(PLAYBOOK.format(token=AUX_TOKEN, guard=REMOTE_GUARD, pin_file=pin_file), encoding="utf-8")
    result = run_playbook(emulator, playbook, verbosity, "--diff")
    output = assert_secret_free(result, emulator, AUX_TOKEN)
    assert result.returncode == 0, output[-6000:]
    pins = issued_pins(emulator)
    assert len(pins) == 2
    for pin in pins:
        assert not shows(pin, output), f"a security PIN appears in the {verbosity} output: {pin}"
    assert AUX_TOKEN not in output
    assert "censored" in output  # the no_log task was hidden, not skipped
    assert pins[1] in pin_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(pin_file).st_mode) == 0o600


VAULT_ROLE_PLAYBOOK = textwrap.dedent(PLAY_HEADER.replace("PLAY_NAME", "The vault role, with a guard token in a vault entry") + """\
        azure_backup_vaults:
          - name: rsv-role-secrets
            resource_group: rg-backup-weu
            location: westeurope
            tags: {{owner: platform}}
            security:
              soft_delete_retention_days: 30
              resource_guard: {{id: {guard}}}
              resource_guard_token: {token}
            diagnostics: []
            policies:
              - name: vm-nightly
                time_zone: "{{{{ policy_time_zone }}}}"
      roles:
        - role: azure_backup.recovery_services.vault
    """)


@pytest.mark.parametrize("verbosity", VERBOSITIES)
def test_vault_role_loops_never_print_the_guard_token(emulator, tmp_path, verbosity):
    emulator.reset()
    playbook = tmp_path / "vault_role.yml"
    playbook.write_text(VAULT_ROLE_PLAYBOOK.format(token=AUX_TOKEN, guard=REMOTE_GUARD), encoding="utf-8")
    failing = run_playbook(emulator, playbook, verbosity, "--diff", "-e", "policy_time_zone=Mars/Olympus_Mons")
    output = assert_secret_free(failing, emulator, AUX_TOKEN)
    assert failing.returncode == 2, output[-6000:]
    assert "time_zone 'Mars/Olympus_Mons' is not a Windows time zone id" in output  # failed after the token was used:
    assert re.search(r"changed: \[localhost\] => \(item=rg-backup-weu/rsv-role-secrets\)", output), output[-6000:]
    succeeding = run_playbook(emulator, playbook, verbosity, "--diff", "-e", '{"policy_time_zone": "W. Europe Standard Time"}')
    output = assert_secret_free(succeeding, emulator, AUX_TOKEN)
    assert succeeding.returncode == 0, output[-6000:]


DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"


@pytest.fixture(scope="module")
def demo():
    running = start_emulator(DEMO_ESTATE, extra_args=("--lro-delay", "0.2"))
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


@pytest.mark.parametrize("verbosity", ["-v", "-vvvv"])
def test_rollout_and_audit_never_print_a_secret(demo, tmp_path, verbosity):
    """site.yml and audit.yml with a guard token in every vault entry (unused by Azure, still passed around)."""
    demo.reset(DEMO_ESTATE)
    inventory = ROOT / "playbooks" / "inventories" / "emulator"
    with open(inventory / "group_vars" / "all.yml", encoding="utf-8") as handle:
        vaults = yaml.safe_load(handle)["azure_backup_vaults"]
    for vault in vaults:
        vault.setdefault("security", {})["resource_guard_token"] = AUX_TOKEN
    extra = tmp_path / "vaults.yml"
    extra.write_text(yaml.safe_dump({"azure_backup_vaults": vaults, "azure_backup_audit_dest": str(tmp_path / "audit")}), encoding="utf-8")
    for playbook in ("site.yml", "audit.yml"):
        result = run_playbook(demo, ROOT / "playbooks" / playbook, "-i", str(inventory), verbosity, "--diff", "-e", f"@{extra}")
        output = assert_secret_free(result, demo, AUX_TOKEN)
        assert result.returncode == 0, f"{playbook}: " + output[-6000:]
