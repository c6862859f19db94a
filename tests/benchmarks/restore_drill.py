"""Restore drill benchmark: 50 protected VMs across 4 vaults (4 regions), every VM drilled by playbooks/restore_drill.yml.

    .venv/bin/python tests/benchmarks/restore_drill.py [--vms 50] [--max-parallel 10] [--lro-delay 1.0]
    .venv/bin/python tests/benchmarks/restore_drill.py --write DIR --vms 8    # only write DIR/estate.yml and DIR/drill.yml (scripts/drill.sh)

Builds an emulator estate (one vault per region, the VMs spread over them, each protected with a snapshot-tier point
taken an hour ago and a vault-tier point a day ago), runs the drill once over every VM (restore as a new VM in the
drill's isolated group and network, verify with a Run Command, clean up), and reports: wall time, ARM requests by
method, writes, deletes, what the same requests would cost on Azure's throttle (the emulator's cost report), and the
drill's own totals (VMs passed, worst RPO and RTO). A benchmark, not a test: it asserts only that the drill passed
and left nothing behind.
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
POINTS = [{"daysAgo": 0.04, "tier": "snapshot"}, {"daysAgo": 1, "tier": "vault"}]  # an hour ago, a day ago


def vms_per_region(total):
    """``total`` VMs spread over the regions as evenly as possible (50 -> 13, 13, 12, 12)."""
    return [total // len(REGIONS) + (1 if index < total % len(REGIONS) else 0) for index in range(len(REGIONS))]


def drill_estate(total):
    """The integration estate's tenant and principals; per region a vault group, an app group and protected VMs."""
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        base = yaml.safe_load(handle)
    estate = {key: base[key] for key in ("tenant", "principals", "subscriptions")}
    estate["resourceGroups"], estate["virtualMachines"] = [], []
    for index, (region, count) in enumerate(zip(REGIONS, vms_per_region(total)), start=1):
        estate["resourceGroups"] += [{"subscription": SUBSCRIPTION, "name": f"rg-drill-backup-{index}", "location": region},
                                     {"subscription": SUBSCRIPTION, "name": f"rg-drill-app-{index}", "location": region}]
        if count:
            estate["virtualMachines"].append({"generate": {
                "count": count, "namePrefix": f"vm-{region}-", "resourceGroup": f"rg-drill-app-{index}", "location": region,
                "osType": "Linux" if index % 2 else "Windows",
                "protectedBy": {"vault": f"rsv-drill-{index}", "resourceGroup": f"rg-drill-backup-{index}", "recoveryPoints": POINTS}}})
    return estate


def drill_variables(total, max_parallel, report_dir):
    vaults = [{"vault_name": f"rsv-drill-{index}", "resource_group": f"rg-drill-backup-{index}"}
              for index, count in enumerate(vms_per_region(total), start=1) if count]
    return {"restore_drill_vaults": vaults, "restore_drill_max_parallel": max_parallel, "restore_drill_report_dir": str(report_dir),
            "restore_drill_rpo_hours": 24, "restore_drill_rto_minutes": 60,
            "restore_drill_verify_command": {"script": ["echo restore-drill-ok"], "expect": "restore-drill-ok"}}


def write_demo(directory, total, max_parallel):
    """DIR/estate.yml and DIR/drill.yml for scripts/drill.sh."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "estate.yml").write_text(yaml.safe_dump(drill_estate(total), sort_keys=False), encoding="utf-8")
    (directory / "drill.yml").write_text(yaml.safe_dump(drill_variables(total, max_parallel, directory / "reports"), sort_keys=False),
                                         encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=50)
    parser.add_argument("--max-parallel", type=int, default=10, help="restores at once per vault")
    parser.add_argument("--lro-delay", default="1.0", help="seconds each emulated long-running operation takes (restore jobs: 3x)")
    parser.add_argument("--write", metavar="DIR", help="only write the estate and the drill variables into DIR")
    args = parser.parse_args()
    if args.write:
        write_demo(args.write, args.vms, args.max_parallel)
        return
    workdir = Path(tempfile.mkdtemp(prefix="drill-bench-"))
    write_demo(workdir, args.vms, args.max_parallel)
    emulator = start_emulator(estate=workdir / "estate.yml", extra_args=("--lro-delay", args.lro_delay))
    try:
        emulator.control("POST", "requests/reset")
        started = time.perf_counter()
        result = run_playbook(emulator, ROOT / "playbooks" / "restore_drill.yml", "-e", f"@{workdir / 'drill.yml'}", "-e", "restore_drill_id=bench")
        wall = time.perf_counter() - started
        if result.returncode:
            sys.exit(f"drill failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
        log, costs = emulator.control("GET", "requests"), emulator.control("GET", "costs")
        left = [key for key in emulator.control("GET", "state")["resources"] if "/resourcegroups/rg-restore-drill-" in key.lower()]
        drilled = json.loads((workdir / "reports" / "restore-drill-bench.json").read_text(encoding="utf-8"))
    finally:
        emulator.process.terminate()
    if left or drilled["totals"]["failed"]:
        sys.exit(f"drill left {len(left)} resources or failed VMs: {drilled['totals']}")
    vaults = drilled["vaults"]
    print(json.dumps({
        "vms": args.vms, "vaults": len(vaults), "max_parallel_per_vault": args.max_parallel,
        "emulator_lro_delay_seconds": float(args.lro_delay),
        "wall_seconds": round(wall, 1),
        "vault_wall_seconds": {vault["vault"]: vault["wall_seconds"] for vault in vaults},
        "requests_total": sum(log["counts"].values()), "requests_by_method": log["counts"], "writes": log["writes"],
        "deletes": sum(1 for entry in log["requests"] if entry["kind"] == "arm" and entry["method"] == "DELETE"),
        "azure_throttle_floor_seconds": costs.get("throttle_floor_seconds"),
        "drill_totals": drilled["totals"],
        "worst_rpo_hours": max(vault["totals"]["max_rpo_hours"] for vault in vaults),
        "worst_rto_minutes": max(vault["totals"]["max_rto_minutes"] for vault in vaults),
        "left_behind": len(left),
    }, indent=2))


if __name__ == "__main__":
    main()
