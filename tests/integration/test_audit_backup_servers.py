"""The audit (playbooks/audit.yml) lists each vault's backup servers and MARS agents beside the VMs.

The demo estate with its two vaults existing from the start and servers registered to them (the
estate's ``backupServers`` section: a MABS that reports, a DPM server silent for three days, a MARS
agent): the audit prints them, flags the silent one, writes them to its JSON and HTML reports, stays
read-only and lists them in four reads per vault.
"""

import json
import re

import pytest
import yaml

from conftest import ROOT, run_playbook, start_emulator

DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"
INVENTORY = ROOT / "playbooks" / "inventories" / "emulator"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
# Container listings of backup servers; the audit also lists other workloads' containers (SQL, file shares).
SERVER_FILTER = re.compile(r"backupManagementType eq '(MAB|DPM|AzureBackupServer)'")
SERVERS = [
    {"name": "mabs-01.contoso.local", "kind": "AzureBackupServer", "vault": "rsv-demo-weu", "resourceGroup": "rg-backup-weu",
     "version": "14.0.30.0", "protectedServers": [{"name": "fs-01.contoso.local", "protectedItemCount": 3}]},
    {"name": "dpm-01.contoso.local", "kind": "DPM", "vault": "rsv-demo-weu", "resourceGroup": "rg-backup-weu", "lastContactHoursAgo": 72},
    {"name": "win-fs-01.contoso.local", "kind": "MARS", "vault": "rsv-demo-neu", "resourceGroup": "rg-backup-weu", "lastContactHoursAgo": 2},
]


@pytest.fixture(scope="module")
def estate_with_servers(tmp_path_factory):
    estate = yaml.safe_load(DEMO_ESTATE.read_text(encoding="utf-8"))
    estate["vaults"] = [{"subscription": SUBSCRIPTION, "resourceGroup": "rg-backup-weu", "name": "rsv-demo-weu", "location": "westeurope"},
                        {"subscription": SUBSCRIPTION, "resourceGroup": "rg-backup-weu", "name": "rsv-demo-neu", "location": "northeurope"}]
    estate["backupServers"] = SERVERS
    path = tmp_path_factory.mktemp("estate") / "estate.yml"
    path.write_text(yaml.safe_dump(estate), encoding="utf-8")
    running = start_emulator(path, extra_args=("--lro-delay", "0.2"))
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def test_audit_lists_backup_servers_and_flags_the_silent_one(estate_with_servers, tmp_path):
    emulator = estate_with_servers
    emulator.control("POST", "requests/reset")
    dest = tmp_path / "audit"
    result = run_playbook(emulator, ROOT / "playbooks" / "audit.yml", "-i", str(INVENTORY), "-e", f"azure_backup_audit_dest={dest}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    log = emulator.control("GET", "requests")
    assert log["writes"] == 0
    server_reads = [entry for entry in log["requests"] if "/backupEngines" in entry["path"] or
                    ("/backupProtectionContainers" in entry["path"] and SERVER_FILTER.search(str(entry.get("query"))))]
    assert len(server_reads) == 2 * 4  # per vault: the engines, then MABS, DPM and MARS containers

    report = json.loads((tmp_path / "audit.json").read_text())
    rows = {row["name"]: row for row in report["backup_servers"]}
    assert set(rows) == {"mabs-01.contoso.local", "dpm-01.contoso.local", "win-fs-01.contoso.local"}
    assert (rows["mabs-01.contoso.local"]["kind"], rows["mabs-01.contoso.local"]["version"], rows["mabs-01.contoso.local"]["stale"]) == \
        ("MABS", "14.0.30.0", False)
    assert rows["dpm-01.contoso.local"]["stale"] and rows["dpm-01.contoso.local"]["hours_since_contact"] > 71
    assert (rows["win-fs-01.contoso.local"]["kind"], rows["win-fs-01.contoso.local"]["vault"]) == ("MARS", "rsv-demo-neu")
    assert not rows["win-fs-01.contoso.local"]["stale"]

    block = result.stdout[result.stdout.index("TASK [Print the backup servers and MARS agents"):]
    lines = [line.strip().strip('",') for line in block.splitlines() if "contoso.local" in line]
    assert lines[0].split()[:5] == ["STALE", "dpm-01.contoso.local", "DPM", "10.22.123.0", "rsv-demo-weu"]
    assert [line.split()[0] for line in lines] == ["STALE", "OK", "OK"]
    html = (tmp_path / "audit.html").read_text()
    assert "<h2>Backup servers and MARS agents</h2>" in html and "dpm-01.contoso.local" in html and ">stale<" in html
