"""Azure Files at estate scale: 1,000 file shares in 100 storage accounts across 4 vaults, protected by the file_share_backup role.

    .venv/bin/python tests/benchmarks/file_share_rollout.py [--accounts 100] [--shares 10] [--lro-delay 1.0]

Builds an emulator estate (one vault region each, a quarter of the storage accounts per region, each with ``--shares``
file shares and the tags ``azure-backup-vault`` and ``azure-backup-shares``), runs a playbook that creates the vaults and
a daily file share policy, then applies roles/file_share_backup in its tag mode (one storage account listing, one
file_share_protection run per vault, all vaults at once), then runs it again unchanged. Reports, per run: wall time,
ARM requests by method, writes, requests about one share or one storage account, the requests-to-writes ratio, and
what the same requests would cost on Azure's throttle. A benchmark, not a test: it asserts only that both runs
succeeded, that every share is protected and that the second run wrote nothing.
"""

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from conftest import DEFAULT_ESTATE, run_playbook, start_emulator  # noqa: E402  pylint: disable=wrong-import-position

REGIONS = ["westeurope", "northeurope", "eastus", "westus2"]
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
PER_SHARE = re.compile(r"/protectedItems/|/fileServices/default/shares/[^/]+$", re.IGNORECASE)
PER_ACCOUNT = re.compile(r"/storageAccounts/[^/]+(/fileServices/default/shares|/providers/Microsoft\.Authorization/locks)?$|"
                         r"/protectionContainers/StorageContainer;[^/]+(/inquire|/operationResults/[^/]+|/operationsStatus/[^/]+)?$",
                         re.IGNORECASE)


def share_names(shares):
    return [f"share-{number:02d}" for number in range(1, shares + 1)]


def estate(accounts, shares):
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        base = yaml.safe_load(handle)
    world = {key: base[key] for key in ("tenant", "principals", "subscriptions")}
    world["resourceGroups"], world["storageAccounts"] = [], []
    for index, region in enumerate(REGIONS, start=1):
        world["resourceGroups"] += [{"subscription": SUBSCRIPTION, "name": f"rg-fsbench-backup-{index}", "location": region},
                                    {"subscription": SUBSCRIPTION, "name": f"rg-fsbench-{index}", "location": region}]
        for number in range(1, accounts // len(REGIONS) + 1):
            world["storageAccounts"].append({
                "subscription": SUBSCRIPTION, "resourceGroup": f"rg-fsbench-{index}", "name": f"stfsbench{index}x{number:03d}", "location": region,
                "fileShares": shares, "tags": {"azure-backup-vault": f"rsv-fsbench-{index}", "azure-backup-shares": ",".join(share_names(shares))}})
    return world


def play():
    vaults = [{"name": f"rsv-fsbench-{index}", "resource_group": f"rg-fsbench-backup-{index}", "location": region}
              for index, region in enumerate(REGIONS, start=1)]
    return [{"name": "Azure file shares of the estate", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "module_defaults": {"group/azure_backup.recovery_services.all": {"ca_bundle": "{{ emulator_ca }}"}},
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}", "azure_backup_vaults": vaults,
                      "azure_backup_file_share_tags": True, "azure_backup_default_file_share_policy": "files-daily"},
             "tasks": [{"name": "The vaults", "azure_backup.recovery_services.rsv_vault": {
                 "name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}", "location": "{{ item.location }}"},
                 "loop": vaults, "loop_control": {"label": "{{ item.name }}"}},
                 {"name": "A daily file share policy per vault", "azure_backup.recovery_services.backup_policy": {
                     "name": "files-daily", "vault_name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}",
                     "workload": "file_share", "schedule": {"frequency": "Daily", "time": "22:00"}, "retention": {"daily": 30}},
                  "loop": vaults, "loop_control": {"label": "{{ item.name }}"}},
                 {"name": "Protect the shares the storage accounts' tags name",
                  "ansible.builtin.include_role": {"name": "azure_backup.recovery_services.file_share_backup"}}]}]


def measure(emulator, playbook):
    emulator.control("POST", "requests/reset")
    started = time.perf_counter()
    result = run_playbook(emulator, playbook)
    wall = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"run failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    log, costs = emulator.control("GET", "requests"), emulator.control("GET", "costs")
    arm = [entry for entry in log["requests"] if entry.get("kind", "arm") == "arm"]
    paths = [entry["path"] for entry in arm]
    total = sum(log["counts"].values())
    return {"wall_seconds": round(wall, 1), "requests_total": total, "requests_by_method": log["counts"], "writes": log["writes"],
            "requests_per_write": round(total / log["writes"], 2) if log["writes"] else None,
            "per_share_requests": sum(1 for path in paths if PER_SHARE.search(path)),
            "per_account_requests": sum(1 for path in paths if PER_ACCOUNT.search(path)),
            "azure_throttle_floor_seconds": costs.get("throttle_floor_seconds")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--shares", type=int, default=10, help="per storage account")
    parser.add_argument("--lro-delay", default="1.0", help="seconds each emulated long-running operation takes")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fs-bench-"))
    (workdir / "estate.yml").write_text(yaml.safe_dump(estate(args.accounts, args.shares), sort_keys=False), encoding="utf-8")
    (workdir / "files.yml").write_text(yaml.safe_dump(play(), sort_keys=False), encoding="utf-8")
    emulator = start_emulator(estate=workdir / "estate.yml", extra_args=("--lro-delay", args.lro_delay))
    try:
        first = measure(emulator, workdir / "files.yml")
        again = measure(emulator, workdir / "files.yml")
        protected = sum(1 for key in emulator.control("GET", "state")["resources"]
                        if "/protecteditems/azurefileshare;" in key.lower() and "/recoverypoints/" not in key.lower())
    finally:
        emulator.process.terminate()
    expected = args.accounts // len(REGIONS) * len(REGIONS) * args.shares
    if again["writes"] or protected != expected:
        sys.exit(f"unexpected: {protected} of {expected} shares protected, {again['writes']} writes on the re-run")
    print(json.dumps({"storage_accounts": args.accounts // len(REGIONS) * len(REGIONS), "file_shares": protected, "vaults": len(REGIONS),
                      "emulator_lro_delay_seconds": float(args.lro_delay), "first_run": first, "no_change_run": again}, indent=2))


if __name__ == "__main__":
    main()
