"""The whole rollout (playbooks/site.yml) and the audit (playbooks/audit.yml) against the demo estate.

Runs what ./scripts/demo.sh runs: the emulator inventory against tests/emulator/estates/demo.yml.
Then proves the rollout idempotent (second run: no task changed, zero writes in the emulator's log)
and the audit read-only (zero writes) with the expected coverage in its JSON report.
"""

import json
import re

import pytest

from conftest import ROOT, run_playbook, start_emulator

DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"
INVENTORY = ROOT / "playbooks" / "inventories" / "emulator"
SKIPPED = {"vm-legacy-01": "VM agent is Not Ready", "vm-finance-01": "already protected by vault rsv-finance-weu",
           "vm-report-neu": "VM is in northeurope but the vault is in westeurope"}


@pytest.fixture(scope="module")
def demo():
    running = start_emulator(DEMO_ESTATE, extra_args=("--lro-delay", "0.2"))
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def run(emulator, playbook, *args):
    result = run_playbook(emulator, ROOT / "playbooks" / playbook, "-i", str(INVENTORY), *args)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    return result.stdout


def recap(output):
    """{host: {ok: n, changed: n, ...}} from the PLAY RECAP."""
    tail = output[output.rindex("PLAY RECAP"):]
    return {host: {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counts)}
            for host, counts in re.findall(r"^(\S+)\s+:\s+(.*)$", tail, re.MULTILINE)}


def summary_lines(output):
    """The lines the summary task printed, unquoted."""
    block = output[output.index("TASK [Print the backup coverage per vault]"):output.index("PLAY RECAP")]
    return [json.loads(line.strip().rstrip(",")) for line in block.splitlines() if line.strip().startswith('"') and '"msg"' not in line]


@pytest.fixture(scope="module")
def first_run(demo):
    demo.control("POST", "requests/reset")
    output = run(demo, "site.yml")
    return output, demo.control("GET", "requests")


def test_site_rolls_the_estate_out(first_run):
    output, log = first_run
    lines = summary_lines(output)
    assert lines[0].split() == ["VAULT", "PROTECTED", "UNPROTECTED", "SKIPPED", "FAILED", "CHANGED"]
    assert lines[1].split() == ["rsv-demo-neu", "2", "0", "0", "0", "2"]
    assert lines[2].split() == ["rsv-demo-weu", "4", "0", "3", "0", "4"]
    assert lines[3].split() == ["TOTAL", "6", "0", "3", "0", "6"]
    for name, reason in SKIPPED.items():
        assert any(line.startswith(f"skipped  rsv-demo-weu/{name}: ") and reason in line for line in lines), (name, lines)
    # one pre-check and one protection run per vault, whatever the number of hosts
    assert re.findall(r"=> \(item=(rsv-demo-\w+) \((\d+) VMs\)\)", output) == [
        ("rsv-demo-neu", "2"), ("rsv-demo-weu", "7"), ("rsv-demo-neu", "2"), ("rsv-demo-weu", "4")]
    assert "skipping: no hosts matched" in output  # the empty mars_hosts group
    assert log["writes"] > 0


def test_second_run_changes_nothing_and_writes_nothing(demo, first_run):
    demo.control("POST", "requests/reset")
    output = run(demo, "site.yml")
    assert {host: counts["changed"] for host, counts in recap(output).items() if counts["changed"]} == {}
    log = demo.control("GET", "requests")
    assert log["writes"] == 0, [(entry["method"], entry["path"]) for entry in log["requests"] if entry["write"]]
    assert summary_lines(output)[3].split() == ["TOTAL", "6", "0", "3", "0", "0"]


def test_audit_is_read_only_and_reports_the_coverage(demo, first_run, tmp_path):
    demo.control("POST", "requests/reset")
    dest = tmp_path / "audit"
    run(demo, "audit.yml", "-e", f"azure_backup_audit_dest={dest}")
    log = demo.control("GET", "requests")
    assert log["writes"] == 0, [(entry["method"], entry["path"]) for entry in log["requests"] if entry["write"]]

    report = json.loads((tmp_path / "audit.json").read_text())
    vaults = {vault["vault"]: vault for vault in report["vaults"]}
    assert {name: vault["totals"] for name, vault in vaults.items()} == {
        "rsv-demo-neu": {"protected": 2, "unprotected": 0, "skipped": 0, "failed": 0},
        "rsv-demo-weu": {"protected": 4, "unprotected": 0, "skipped": 3, "failed": 0}}
    weu = vaults["rsv-demo-weu"]
    assert {vm["name"]: vm["policy"] for vm in weu["protected"]} == {
        "vm-web-01": "vm-nightly", "vm-web-02": "vm-nightly", "vm-sql-01": "vm-hourly", "vm-batch-01": "vm-nightly"}
    assert "stopped" in next(vm["warning"] for vm in weu["protected"] if vm["name"] == "vm-batch-01")
    assert {vm["name"] for vm in weu["skipped"]} == set(SKIPPED)
    assert sorted(row["status"] for row in report["prechecks"]) == ["Critical"] * 3 + ["Passed"] * 5 + ["Warning"]
    html = (tmp_path / "audit.html").read_text()
    assert "<h1>Azure Backup audit</h1>" in html and "vm-legacy-01" in html
