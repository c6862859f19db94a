"""The restore drill (playbooks/restore_drill.yml, role restore_drill) end to end against the emulator.

Drills two vaults of the integration estate (rsv-it-restore: a sample of two of its three VMs, with a command run
inside each restored VM; rsv-it-files: every VM), then proves from the reports and the emulator's request log and
state that: every drilled VM passed with its point, tier, RPO and RTO; everything the drill made (resource groups,
networks, staging accounts, and the VMs, disks and NICs the restores made) was deleted; the source VMs and their
protection received no write. A drill told to keep its resources leaves them tagged, and the next drill removes them.
"""

import json

import pytest

from conftest import ROOT, run_playbook

PLAYBOOK = ROOT / "playbooks" / "restore_drill.yml"
VAULTS = [
    {"vault_name": "rsv-it-restore", "resource_group": "rg-it-restore", "sample_count": 2, "sample_seed": "it",
     "verify_command": {"script": ["echo drill-ok-$HOSTNAME"], "expect": "drill-ok"}},
    {"vault_name": "rsv-it-files", "resource_group": "rg-backup-weu"},
]
DRILL_GROUPS = ("rg-restore-drill-rsv-it-restore", "rg-restore-drill-rsv-it-files")


def drill(emulator, tmp_path, drill_id, **extra):
    variables = {"restore_drill_vaults": VAULTS, "restore_drill_id": drill_id, "restore_drill_report_dir": str(tmp_path),
                 "restore_drill_rpo_hours": 48, "restore_drill_rto_minutes": 30, "restore_drill_max_parallel": 2, **extra}
    result = run_playbook(emulator, PLAYBOOK, "-e", json.dumps(variables))
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    with open(tmp_path / f"restore-drill-{drill_id}.json", encoding="utf-8") as handle:
        return json.load(handle), (tmp_path / f"restore-drill-{drill_id}.html").read_text(encoding="utf-8")


def arm_writes(log):
    return [entry for entry in log["requests"] if entry["kind"] == "arm" and entry["write"]]


def drill_resources(emulator):
    state = emulator.control("GET", "state")
    resources = state.get("resources") or state.get("store") or state
    return sorted(key for key in resources if any(f"/resourcegroups/{group}" in key.lower() for group in DRILL_GROUPS))


@pytest.fixture(scope="module")
def first_drill(emulator, tmp_path_factory):
    emulator.reset()
    report, html = drill(emulator, tmp_path_factory.mktemp("drill"), "it-1")
    return report, html, emulator.control("GET", "requests")


def test_every_drilled_vm_passed_with_point_tier_rpo_and_rto(first_drill):
    report, html, dummy = first_drill
    assert report["totals"] == {"vaults": 2, "vms": 4, "passed": 4, "failed": 0} and report["failures"] == []
    by_vault = {vault["vault"]: vault for vault in report["vaults"]}
    assert len(by_vault["rsv-it-restore"]["vms"]) == 2 and len(by_vault["rsv-it-files"]["vms"]) == 2
    for vault in report["vaults"]:
        assert vault["totals"]["passed"] == len(vault["vms"]) and vault["region"] == "westeurope"
        for vm in vault["vms"]:
            assert vm["passed"] and vm["reasons"] == []
            assert vm["point_id"].isdigit() and vm["tier"] == "snapshot" and 0 <= vm["rpo_hours"] < 1
            assert 0 < vm["rto_minutes"] < 30 and vm["restored_vm_id"].lower().startswith(
                f"/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-restore-drill-{vault['vault']}/".lower())
            assert vm["checks"]["job_succeeded"] and vm["checks"]["vm_running"] and vm["checks"]["agent_ready"]
    for vm in by_vault["rsv-it-restore"]["vms"]:
        assert vm["checks"]["command_ok"] and vm["command_stdout"].startswith("drill-ok-")
    assert "<h1>Restore drill it-1</h1>" in html and html.count(">PASS<") == 4 and "FAIL<" not in html
    assert all(vm["vm"].split("/")[-1] in html for vault in report["vaults"] for vm in vault["vms"])


def test_everything_the_drill_made_was_deleted_and_sources_were_not_touched(first_drill, emulator):
    report, dummy, log = first_drill
    writes = arm_writes(log)
    created = {entry["path"].lower() for entry in writes if entry["method"] == "PUT"}
    for vault in report["vaults"]:
        created |= {vm["restored_vm_id"].lower() for vm in vault["vms"]}
    deleted = {entry["path"].lower() for entry in writes if entry["method"] == "DELETE"}
    assert created and created <= deleted, created - deleted
    assert sum(1 for path in deleted if "/microsoft.compute/disks/" in path) == 4
    assert sum(1 for path in deleted if "/microsoft.network/networkinterfaces/" in path) == 4
    assert drill_resources(emulator) == []
    outside = [entry for entry in writes if not any(f"/resourcegroups/{group}" in entry["path"].lower() for group in DRILL_GROUPS)]
    assert outside and all(entry["method"] == "POST" and entry["path"].endswith("/restore") for entry in outside), outside
    assert {vault["cleanup"]["kept"] for vault in report["vaults"]} == {False}


def test_a_kept_drill_is_removed_by_the_next_one_and_state_absent_finds_nothing_left(emulator, tmp_path):
    emulator.reset()
    kept, dummy = drill(emulator, tmp_path, "it-kept", restore_drill_keep=True)
    assert kept["totals"]["passed"] == 4
    left = drill_resources(emulator)
    assert any("/microsoft.compute/virtualmachines/" in key for key in left) and any(key.endswith("/vnet-drill") for key in left)
    following, dummy = drill(emulator, tmp_path, "it-next", restore_drill_vaults=VAULTS[:1])
    removed = following["vaults"][0]["leftovers_removed"]
    assert any(path.lower().endswith("/resourcegroups/rg-restore-drill-rsv-it-restore") for path in removed)
    assert following["totals"]["passed"] == 2
    absent, dummy = drill(emulator, tmp_path, "it-absent", restore_drill_state="absent")
    by_vault = {vault["vault"]: vault["leftovers_removed"] for vault in absent["vaults"]}
    assert by_vault["rsv-it-restore"] == []
    assert any(path.lower().endswith("/resourcegroups/rg-restore-drill-rsv-it-files") for path in by_vault["rsv-it-files"])
    assert drill_resources(emulator) == []


def test_check_mode_plans_the_sample_and_writes_nothing(emulator, tmp_path):
    emulator.reset()
    variables = {"restore_drill_vaults": VAULTS, "restore_drill_id": "it-check", "restore_drill_report_dir": str(tmp_path)}
    result = run_playbook(emulator, PLAYBOOK, "--check", "-e", json.dumps(variables))
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    assert "Drill it-check: 4 VMs in 2 vaults, 0 passed, 0 failed" in result.stdout
    log = emulator.control("GET", "requests")
    assert log["writes"] == 0 and log["counts"]["GET"] > 0 and drill_resources(emulator) == []
