"""The playbooks of docs/async.md, cut out of the page and run as they stand against the emulator.

Operations are made to last long enough (``durations``) that Ansible's ``async``/``poll``, ``async_status``
and the ``until``/``retries`` loop over ``backup_job_info`` really wait: each playbook must converge (rc 0, its
own assertions pass), a second run of the protection and restore playbooks must change and write nothing, and
Azure's job listing must show every job the playbooks started as finished.
"""

import re

import pytest

from conftest import ROOT, run_playbook

PAGE = ROOT / "docs" / "async.md"
# Long enough that a poll finds the operation still running, short enough for the suite.
DURATIONS = {"protect": 4, "backup_job": 20, "restore_job": 6}
CHECK_JOBS = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: The jobs of the vaults the playbooks used
      azure_backup.recovery_services.backup_job_info:
        vault_name: "{{ item.0 }}"
        resource_group: "{{ item.1 }}"
      loop: [[rsv-async-weu-1, rg-backup-weu], [rsv-async-weu-2, rg-backup-weu], [rsv-it-restore, rg-it-restore]]
      register: listed
    - name: Print them
      ansible.builtin.debug:
        msg: "JOB {{ item.properties.operation }} {{ item.properties.entity_friendly_name }} {{ item.properties.status }}"
      loop: "{{ listed.results | map(attribute='jobs') | flatten }}"
      loop_control:
        label: "{{ item.name }}"
"""


def page_playbooks():
    """{file name: playbook text} of the blocks of docs/async.md that start with '# file: NAME'."""
    return dict(re.findall(r"```yaml\n# file: (\S+)\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S))


def recap_changed(output):
    return sum(int(count) for count in re.findall(r"changed=(\d+)", output[output.rindex("PLAY RECAP"):]))


@pytest.fixture(scope="module")
def long_operations(emulator):
    emulator.reset()
    emulator.control("POST", "settings", {"durations": DURATIONS})
    yield emulator
    emulator.control("POST", "settings", {"profile": "fast"})


def run(emulator, directory, name, text):
    path = directory / name
    path.write_text(text, encoding="utf-8")
    result = run_playbook(emulator, path, "-e", "poll_seconds=1")
    assert result.returncode == 0, name + "\n" + result.stdout[-8000:] + result.stderr[-4000:]
    return result.stdout


def test_the_page_has_its_three_playbooks():
    assert sorted(page_playbooks()) == ["backup_now_then_poll_the_jobs.yml", "protect_vaults_in_parallel.yml", "restore_with_async.yml"]


def test_long_waits_converge_and_every_job_finishes(long_operations, tmp_path):
    emulator, playbooks = long_operations, page_playbooks()

    protect = run(emulator, tmp_path, "protect_vaults_in_parallel.yml", playbooks["protect_vaults_in_parallel.yml"])
    assert "ASYNC POLL" not in protect and "FAILED - RETRYING: [localhost]: Wait for every vault's task" in protect, \
        "poll: 0 returned at once and async_status had to wait"
    restore = run(emulator, tmp_path, "restore_with_async.yml", playbooks["restore_with_async.yml"])
    assert "ASYNC POLL on localhost" in restore, "poll above zero checked the running restore"
    backup = run(emulator, tmp_path, "backup_now_then_poll_the_jobs.yml", playbooks["backup_now_then_poll_the_jobs.yml"])
    assert "FAILED - RETRYING: [localhost]: Wait for each backup job" in backup, "the until loop saw a running job"

    emulator.control("POST", "requests/reset")
    again = run(emulator, tmp_path, "protect_vaults_in_parallel.yml", playbooks["protect_vaults_in_parallel.yml"])
    again += run(emulator, tmp_path, "restore_with_async.yml", playbooks["restore_with_async.yml"])
    assert recap_changed(again) == 0 and emulator.control("GET", "requests")["writes"] == 0, again[-4000:]

    jobs = re.findall(r'"msg": "JOB (\S+) (\S+) (\S+)"', run(emulator, tmp_path, "check_jobs.yml", CHECK_JOBS))
    assert sorted((operation, vm) for operation, vm, status in jobs if operation != "Restore") == sorted(
        [("ConfigureBackup", f"vm-it-bulk-000{index}") for index in range(1, 6)] + [("Backup", "vm-it-bulk-0001"), ("Backup", "vm-it-bulk-0002")])
    assert [job[0] for job in jobs].count("Restore") == 1
    assert {job[2] for job in jobs} == {"Completed"}, jobs
