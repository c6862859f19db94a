"""The file recovery password never reaches Ansible's output, at -v to -vvvv with --diff, succeeding or failing.

Runs playbooks/file_recovery.yml (password to a private file) and a playbook that registers the
password from a no_log task and uses it, reads every password the emulator handed out
(``GET /_emulator/ilr``) and looks for each in everything the runs printed.
"""

import os
import stat
import textwrap

import pytest

from conftest import ROOT, run_playbook

VM_ARGS = ["-e", "file_recovery_vault=rsv-it-files", "-e", "file_recovery_vault_resource_group=rg-backup-weu",
           "-e", "file_recovery_vm_resource_group=rg-app-weu"]

REGISTERED = textwrap.dedent("""\
    - name: The password in a registered result, used deliberately
      hosts: localhost
      connection: local
      gather_facts: false
      module_defaults:
        group/azure_backup.recovery_services.all:
          ca_bundle: "{{ emulator_ca }}"
      vars:
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
      tasks:
        - name: Windows VM, password returned to a no_log task
          azure_backup.recovery_services.file_recovery_script:
            vault_name: rsv-it-files
            resource_group: rg-backup-weu
            vm: {name: vm-it-ilr-win, resource_group: rg-app-weu}
            dest: "{{ dest }}"
          no_log: true
          register: recovery
        - name: The password is there for whoever registered it
          ansible.builtin.assert:
            that:
              - recovery.password | length == 15
              - recovery.downloaded
        - name: Safe fields print as usual
          ansible.builtin.debug:
            msg: "{{ recovery.instructions + [recovery.path, recovery.expires_at] }}"
        - name: A failure after the password was obtained
          ansible.builtin.fail:
            msg: the play fails with the password in a registered result
          when: fail_after | default(false) | bool
    """)


def served_passwords(emulator):
    return [session["password"] for session in emulator.control("GET", "ilr")["sessions"]]


@pytest.mark.parametrize("verbosity", ["-v", "-vv", "-vvv", "-vvvv"])
def test_file_recovery_password_never_in_output(emulator, tmp_path, verbosity):
    emulator.reset()
    dest = tmp_path / "recovery"
    playbook = tmp_path / "registered.yml"
    playbook.write_text(REGISTERED, encoding="utf-8")
    runs = [
        run_playbook(emulator, ROOT / "playbooks" / "file_recovery.yml", verbosity, *VM_ARGS, "-e", "file_recovery_vm=vm-it-ilr-linux",
                     "-e", f"file_recovery_dest={dest}", "--diff"),
        run_playbook(emulator, ROOT / "playbooks" / "file_recovery.yml", verbosity, *VM_ARGS, "-e", "file_recovery_vm=vm-it-ilr-linux",
                     "-e", f"file_recovery_dest={dest}", "--diff"),
        run_playbook(emulator, playbook, verbosity, "--diff", "-e", f"dest={dest}"),
    ]
    failing = run_playbook(emulator, playbook, verbosity, "--diff", "-e", f"dest={dest}", "-e", "fail_after=true")
    output = "".join(run.stdout + run.stderr for run in runs + [failing])
    assert all(run.returncode == 0 for run in runs), output[-6000:]
    assert failing.returncode == 2 and "the play fails with the password in a registered result" in failing.stdout, output[-6000:]
    passwords = served_passwords(emulator)
    assert len(passwords) == 2  # Linux once (the second run reused its session), Windows once
    for password in passwords:
        assert password not in output, f"a file recovery password appears in the {verbosity} output"
    assert "censored" in output  # the no_log task was hidden, not skipped
    password_file = dest / "vm-it-ilr-linux.password"
    assert password_file.read_text(encoding="utf-8").strip() in passwords
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    assert "Session reused" in runs[1].stdout
