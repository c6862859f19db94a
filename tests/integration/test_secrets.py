"""Secrets never reach Ansible's output, even at -vvv: the vault security PIN and the cross-tenant token.

Runs a real playbook with ``ansible-playbook -vvv`` against the emulator, reads back the PINs the
emulator handed out (``GET /_emulator/state``) and looks for them, and for the auxiliary token, in
everything the run printed.
"""

import os
import re
import stat
import textwrap

from conftest import run_playbook

AUX_TOKEN = "aux-token-7f3c9e1b5d2a-from-the-guard-tenant"
REMOTE_GUARD = ("/subscriptions/3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a/resourceGroups/rg-security/providers/"
                "Microsoft.DataProtection/resourceGuards/guard-remote-weu")

PLAYBOOK = textwrap.dedent("""\
    - name: Secrets stay secret
      hosts: localhost
      connection: local
      gather_facts: false
      module_defaults:
        group/azure_backup.recovery_services.all:
          ca_bundle: "{{{{ emulator_ca }}}}"
      vars:
        ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
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


def test_pin_and_token_never_in_verbose_output(emulator, tmp_path):
    emulator.reset()
    pin_file = tmp_path / "security.pin"
    playbook = tmp_path / "secrets.yml"
    playbook.write_text(PLAYBOOK.format(token=AUX_TOKEN, guard=REMOTE_GUARD, pin_file=pin_file), encoding="utf-8")
    result = run_playbook(emulator, playbook, "-vvv")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    pins = issued_pins(emulator)
    assert len(pins) == 2
    for pin in pins:
        assert not shows(pin, output), f"a security PIN appears in the -vvv output: {pin}"
    assert AUX_TOKEN not in output
    assert "censored" in output  # the no_log task was hidden, not skipped
    assert pins[1] in pin_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(pin_file).st_mode) == 0o600
