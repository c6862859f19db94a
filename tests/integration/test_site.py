"""The whole rollout (playbooks/site.yml) and the audit (playbooks/audit.yml) against the demo estate.

Runs what ./scripts/demo.sh runs: the emulator inventory against tests/emulator/estates/demo.yml.
Then proves the rollout idempotent (second run: no task changed, zero writes in the emulator's log)
and the audit read-only (zero writes) with the expected coverage in its JSON report, and counts
the requests per vault from the request log: the no-change run reads listings only (a fixed number
per vault plus list pages) and sends no per-VM request; the first run writes once per change.
"""

import json
import re

import pytest

from conftest import ROOT, playbook_env, run_playbook, start_emulator
from request_log import classify, per_vault

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


def run(emulator, playbook, *args, env=None, succeed=True):
    result = run_playbook(emulator, ROOT / "playbooks" / playbook, "-i", str(INVENTORY), *args, env=env)
    assert (result.returncode == 0) is succeed, result.stdout[-8000:] + result.stderr[-4000:]
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
    assert re.findall(r"^vm_(?:backup_precheck|protection) run for (rsv-demo-\w+) \((\d+) VMs\): ", output, re.MULTILINE) == [
        ("rsv-demo-neu", "2"), ("rsv-demo-weu", "7"), ("rsv-demo-neu", "2"), ("rsv-demo-weu", "4")]
    assert "skipping: no hosts matched" in output  # the empty mars_hosts group
    counts = classify(log)
    print("first run, ARM requests by (vault, kind, method):", dict(sorted(counts.items())))
    # One write per change: 6 protected VMs, one discovery per vault; about as many requests again as writes.
    puts = [entry["path"].lower() for entry in log["requests"] if entry["method"] == "PUT"]
    assert len([path for path in puts if "/protecteditems/vm;" in path]) == 6
    # SQL Server in vm-sql-01 (role sql_backup): its registration, its two databases and the REPORTING instance's auto-protection.
    assert len([path for path in puts if "/protectioncontainers/vmappcontainer;" in path]) == 3
    assert len([path for path in puts if "/backupprotectionintent/" in path]) == 1
    assert "rsv-demo-weu: 2 databases named, 2 changed, 1 auto-protections, 0 failed" in output
    # The file shares the storage accounts' tags name: 4 shares, their 3 accounts registered once each.
    assert len([path for path in puts if "/protecteditems/azurefileshare;" in path]) == 4
    assert len([path for path in puts if "/protectioncontainers/storagecontainer;" in path and "/protecteditems/" not in path]) == 3
    assert '"rsv-demo-neu: 1 file share(s) protected, 0 failed"' in output and '"rsv-demo-weu: 3 file share(s) protected, 0 failed"' in output
    discoveries = [entry for entry in log["requests"] if entry["method"] == "POST" and entry["path"].endswith("/refreshContainers")]
    assert len(discoveries) == 2  # one per vault
    # No per-VM read on the first run either: pre-checks and waits go through listings.
    assert [key for key in counts if key[1] == "per-vm" and key[2] != "PUT"] == []


def test_second_run_changes_nothing_and_writes_nothing(demo, first_run):
    demo.control("POST", "requests/reset")
    output = run(demo, "site.yml")
    assert {host: counts["changed"] for host, counts in recap(output).items() if counts["changed"]} == {}
    log = demo.control("GET", "requests")
    assert log["writes"] == 0, [(entry["method"], entry["path"]) for entry in log["requests"] if entry["write"]]
    assert summary_lines(output)[3].split() == ["TOTAL", "6", "0", "3", "0", "0"]
    counts = classify(log)
    print("no-change run, ARM requests by (vault, kind, method):", dict(sorted(counts.items())))
    assert per_vault(counts, "per-vm") == {}, [(entry["method"], entry["path"]) for entry in log["requests"]]
    vaults = per_vault(counts)
    # The VM work reads, per vault: the vault, its policies, its protected and protectable items (and, for rsv-demo-weu
    # with a VM protected elsewhere, the other vault's items); the vault role's own reads come on top, and the file shares'
    # policy, registered accounts and protected shares (3 listings). One page each here.
    assert vaults["rsv-demo-neu"] <= 16 and vaults["rsv-demo-weu"] <= 24, vaults
    assert vaults.get("rsv-finance-weu", 0) <= 1, vaults
    # Subscription-wide: the VM status listing, the VM models of a region, the vault list, per pre-check run; for the file
    # shares, the storage account listing, and one more with the shares of the account tagged azure-backup-shares=* (3).
    assert vaults["subscription"] <= 4 * 2 + 3, vaults


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
    assert sorted((row["vault"], row["storage_account"], row["share"], row["policy"]) for row in report["file_shares"]) == [
        ("rsv-demo-neu", "stdemofilesneu", "archive", "files-daily"), ("rsv-demo-weu", "stdemofilesweu", "finance", "files-daily"),
        ("rsv-demo-weu", "stdemofilesweu", "hr", "files-daily"), ("rsv-demo-weu", "stdemoprojectsweu", "projects", "files-daily")]
    html = (tmp_path / "audit.html").read_text()
    assert "<h1>Azure Backup audit</h1>" in html and "vm-legacy-01" in html
    # SQL Server in vm-sql-01: the two named databases and the auto-protected REPORTING instance's are protected, the rest listed as not.
    sql = {(row["parent"], row["database"]): row["protected"] for row in report["sql_databases"]}
    assert {key for key, protected in sql.items() if protected} == {
        ("MSSQLSERVER", "sales"), ("MSSQLSERVER", "hr"), ("REPORTING", "master"), ("REPORTING", "model"), ("REPORTING", "msdb"),
        ("REPORTING", "db0001"), ("REPORTING", "db0002")}
    assert {key for key, protected in sql.items() if not protected} == {("MSSQLSERVER", "master"), ("MSSQLSERVER", "model"), ("MSSQLSERVER", "msdb")}


def test_a_vm_that_could_not_be_checked_is_failed_not_skipped_and_the_run_fails(demo, first_run):
    """The VM status listing answers 503 for the whole run (after the client's retries): no VM may be
    reported skipped for that, the VMs left to protect are failed with the error, and site.yml fails."""
    demo.control("POST", "faults", {"faults": [{"method": "GET", "path_regex": r"/providers/Microsoft\.Compute/virtualMachines$", "status": 503}]})
    demo.control("POST", "requests/reset")
    try:
        output = run(demo, "site.yml", env=dict(playbook_env(demo), AZURE_BACKUP_RETRY_TIMEOUT="3"), succeed=False)
    finally:
        demo.control("DELETE", "faults")
    table = output[output.index("TASK [azure_backup.recovery_services.vm_agent : Print the pre-check table]"):]
    assert re.search(r'"Error +vm-legacy-01 ', table), table[:3000]
    lines = summary_lines(output)
    # Every VM of the vault is unchecked, so none is skipped and none is written: all are failed, with the error.
    assert lines[1].split() == ["rsv-demo-neu", "0", "0", "0", "2", "0"], lines
    assert lines[2].split() == ["rsv-demo-weu", "0", "0", "0", "7", "0"], lines
    for name in SKIPPED:
        assert any(line.startswith(f"failed   rsv-demo-weu/{name}: could not check the VM") or
                   line.startswith(f"failed   rsv-demo-weu/{name}: pre-check failed") for line in lines), (name, lines)
    assert "VM(s) could not be protected" in output
    log = demo.control("GET", "requests")
    assert log["writes"] == 0, [(entry["method"], entry["path"]) for entry in log["requests"] if entry["write"]]
