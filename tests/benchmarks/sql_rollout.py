"""SQL Server in Azure VMs at estate scale: 2,000 databases on 200 SQL VMs across 4 vaults, protected by the sql_backup role.

    .venv/bin/python tests/benchmarks/sql_rollout.py [--vms 200] [--databases 10] [--lro-delay 1.0]

Builds an emulator estate (one vault region each, 50 Windows VMs per region, each with one default instance holding
master, model, msdb and generated user databases), runs a playbook that applies roles/sql_backup to every VM (one
sql_protection run per vault, all vaults at once), then runs it again unchanged. Reports, per run: wall time, ARM
requests by method, writes, and what the same requests would cost on Azure's throttle (the emulator's cost report).
A benchmark, not a test: it asserts only that both runs succeeded, that every database is protected and that the
second run wrote nothing.
"""

import argparse
import json
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
SYSTEM_DATABASES = ["master", "model", "msdb"]


def sql_estate(vms, databases):
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        base = yaml.safe_load(handle)
    estate = {key: base[key] for key in ("tenant", "principals", "subscriptions")}
    estate["resourceGroups"], estate["virtualMachines"], estate["sqlServers"] = [], [], []
    per_region = vms // len(REGIONS)
    for index, region in enumerate(REGIONS, start=1):
        estate["resourceGroups"] += [{"subscription": SUBSCRIPTION, "name": f"rg-sqlbench-backup-{index}", "location": region},
                                     {"subscription": SUBSCRIPTION, "name": f"rg-sqlbench-{index}", "location": region}]
        estate["virtualMachines"].append({"generate": {"count": per_region, "namePrefix": f"vm-sql-{index}-", "resourceGroup": f"rg-sqlbench-{index}",
                                                       "location": region, "osType": "Windows"}})
        estate["sqlServers"].append({"generate": {"count": per_region, "vmPrefix": f"vm-sql-{index}-", "resourceGroup": f"rg-sqlbench-{index}",
                                                  "instances": [{"name": "MSSQLSERVER", "databaseCount": databases - len(SYSTEM_DATABASES)}]}})
    return estate


def play(vms, databases):
    per_region = vms // len(REGIONS)
    names = SYSTEM_DATABASES + [f"db{number:04d}" for number in range(1, databases - len(SYSTEM_DATABASES) + 1)]
    vaults = [{"name": f"rsv-sqlbench-{index}", "resource_group": f"rg-sqlbench-backup-{index}", "location": region}
              for index, region in enumerate(REGIONS, start=1)]
    servers = [{"name": f"vm-sql-{index}-{number:04d}", "resource_group": f"rg-sqlbench-{index}", "vault": f"rsv-sqlbench-{index}",
                "vault_resource_group": f"rg-sqlbench-backup-{index}", "databases": [{"name": name} for name in names]}
               for index in range(1, len(REGIONS) + 1) for number in range(1, per_region + 1)]
    return [{"name": "SQL Server databases of the estate", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "module_defaults": {"group/azure_backup.recovery_services.all": {"ca_bundle": "{{ emulator_ca }}"}},
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}", "azure_backup_sql_servers": servers},
             "tasks": [{"name": "The vaults", "azure_backup.recovery_services.rsv_vault": {
                 "name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}", "location": "{{ item.location }}"},
                 "loop": vaults, "loop_control": {"label": "{{ item.name }}"}},
                 {"name": "Protect the databases", "ansible.builtin.include_role": {"name": "azure_backup.recovery_services.sql_backup"}}]}]


def measure(emulator, playbook):
    emulator.control("POST", "requests/reset")
    started = time.perf_counter()
    result = run_playbook(emulator, playbook)
    wall = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"run failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    log, costs = emulator.control("GET", "requests"), emulator.control("GET", "costs")
    return {"wall_seconds": round(wall, 1), "requests_total": sum(log["counts"].values()), "requests_by_method": log["counts"],
            "writes": log["writes"], "azure_throttle_floor_seconds": costs.get("throttle_floor_seconds")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--databases", type=int, default=10, help="per VM, master, model and msdb included")
    parser.add_argument("--lro-delay", default="1.0", help="seconds each emulated long-running operation takes")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sql-bench-"))
    (workdir / "estate.yml").write_text(yaml.safe_dump(sql_estate(args.vms, args.databases), sort_keys=False), encoding="utf-8")
    (workdir / "sql.yml").write_text(yaml.safe_dump(play(args.vms, args.databases), sort_keys=False), encoding="utf-8")
    emulator = start_emulator(estate=workdir / "estate.yml", extra_args=("--lro-delay", args.lro_delay))
    try:
        first = measure(emulator, workdir / "sql.yml")
        again = measure(emulator, workdir / "sql.yml")
        protected = sum(1 for key in emulator.control("GET", "state")["resources"]
                        if ";compute;" in key.lower() and "/protecteditems/sqldatabase;" in key.lower() and "/recoverypoints/" not in key.lower())
    finally:
        emulator.process.terminate()
    if again["writes"] or protected != args.vms // len(REGIONS) * len(REGIONS) * args.databases:
        sys.exit(f"unexpected: {protected} databases protected, {again['writes']} writes on the re-run")
    print(json.dumps({"sql_vms": args.vms, "databases": protected, "vaults": len(REGIONS), "emulator_lro_delay_seconds": float(args.lro_delay),
                      "first_run": first, "no_change_run": again}, indent=2))


if __name__ == "__main__":
    main()
