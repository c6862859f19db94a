"""A module run by a Python older than the collection's minimum fails clearly, before any Azure request.

The task names the interpreter it found and the minimum (module_utils/_python.py) instead of
"missing required library azure-identity". Runs real ansible-playbook with
``ansible_python_interpreter`` set to an older Python found on this machine (pyenv keeps 3.8-3.10
beside the tested ones); skipped, saying so, where there is none.
"""

import glob
import json
import os
import shutil
import subprocess
import textwrap

import pytest

from conftest import run_playbook

PLAYBOOK = textwrap.dedent("""\
    - name: An Azure module on a Python older than the collection's minimum
      hosts: localhost
      connection: local
      gather_facts: false
      vars:
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
      tasks:
        - name: Read a vault with the old interpreter
          azure_backup.recovery_services.rsv_vault_info:
            name: rsv-it-restore
            resource_group: rg-backup-weu
            ca_bundle: "{{ emulator_ca }}"
          vars:
            ansible_python_interpreter: "{{ old_python }}"
          register: vault
          ignore_errors: true
        - name: Keep the result for the test
          ansible.builtin.copy:
            content: "{{ vault | to_json }}"
            dest: "{{ result_file }}"
            mode: "0600"
    """)


def _version(python):
    try:
        answer = subprocess.run([python, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                                capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    parts = answer.stdout.split()
    return tuple(int(part) for part in parts) if answer.returncode == 0 and len(parts) == 2 else None


def old_python():
    """A Python 3.8-3.10 (ansible-core 2.18-2.20 all run modules on 3.9 and 3.10), or None."""
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for minor in (10, 9):
        candidates = [shutil.which(f"python3.{minor}")] + sorted(glob.glob(f"{pyenv_root}/versions/3.{minor}.*/bin/python3.{minor}"))
        for candidate in filter(None, candidates):
            if _version(candidate) == (3, minor):
                return candidate
    return None


def test_an_old_python_gets_a_clear_failure_and_no_request(emulator, tmp_path):
    python = old_python()
    if python is None:
        pytest.skip("no Python 3.9 or 3.10 on this machine to run a module with")
    emulator.reset()
    playbook = tmp_path / "old_python.yml"
    playbook.write_text(PLAYBOOK)
    result_file = tmp_path / "result.json"
    result = run_playbook(emulator, playbook, "-e", f"old_python={python}", "-e", f"result_file={result_file}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    vault = json.loads(result_file.read_text())
    assert vault["failed"] is True
    assert vault["python_minimum"] == "3.11"
    assert vault["python_version"].startswith(f"3.{_version(python)[1]}.")
    assert f"need Python 3.11 or later; {python} is Python 3." in vault["msg"]
    assert "missing" not in vault["msg"].lower()
    assert emulator.control("GET", "requests")["requests"] == []
