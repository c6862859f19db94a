"""The "after" playbook of docs/migration.md, cut out of the page and run as it stands against the emulator.

It must converge on the first run (the vault, its soft delete, the policy, three VMs protected - one given by
azure.azcollection's ``resource_id`` - and Backup reports), and a second run must change nothing and send no write.
"""

import re

from conftest import ROOT, run_playbook

PAGE = ROOT / "docs" / "migration.md"


def after_playbook():
    found = re.findall(r"```yaml\n# file: after.yml\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(found) == 1, "docs/migration.md has one '# file: after.yml' block"
    return found[0]


def recap(output):
    tail = output[output.rindex("PLAY RECAP"):]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", tail)}


def test_the_after_playbook_converges_and_a_second_run_writes_nothing(emulator, tmp_path):
    emulator.reset()
    playbook = tmp_path / "after.yml"
    playbook.write_text(after_playbook(), encoding="utf-8")

    first = run_playbook(emulator, playbook)
    assert first.returncode == 0, first.stdout[-8000:] + first.stderr[-4000:]
    assert recap(first.stdout)["changed"] == 5, first.stdout[-4000:]
    items = [resource_id for resource_id in emulator.control("GET", "state")["resources"]
             if "/vaults/rsv-move-weu/" in resource_id and "/protecteditems/" in resource_id]
    assert sorted(item.rsplit(";", 1)[-1] for item in items) == ["vm-it-bulk-0001", "vm-it-bulk-0002", "vm-it-bulk-0003"]

    emulator.control("POST", "requests/reset")
    second = run_playbook(emulator, playbook)
    assert second.returncode == 0, second.stdout[-8000:] + second.stderr[-4000:]
    assert recap(second.stdout)["changed"] == 0, second.stdout[-4000:]
    assert emulator.control("GET", "requests")["writes"] == 0
