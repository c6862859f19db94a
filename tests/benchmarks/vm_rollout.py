"""Estate-scale benchmark: 1,000 VMs across 4 vaults, first rollout and idempotent re-run.

    ./scripts/bench.sh [--vms-per-vault 250] [--lro-delay 1.0] [--playbook site|modules]

Builds an emulator estate (4 regions, one vault and 250 VMs each). With ``--playbook site`` (the
default) it runs playbooks/site.yml itself over a generated inventory (one host per VM, the vaults
in ``azure_backup_vaults``); with ``modules`` a playbook that creates the vaults and calls
vm_protection once per vault for all its VMs. Each runs twice (first rollout, no-change run).
Reports for each run: wall time, ARM requests by method (from the emulator's request log),
writes, and peak memory (largest process of the ansible-playbook tree, and the emulator).
A benchmark, not a test: it records figures and asserts only that the runs succeeded.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from conftest import DEFAULT_ESTATE, playbook_env, start_emulator  # noqa: E402  pylint: disable=wrong-import-position
from request_log import classify, per_vault  # noqa: E402  pylint: disable=wrong-import-position

REGIONS = ["westeurope", "northeurope", "eastus", "westus2"]
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


def bench_estate(vms_per_vault):
    """The integration estate's tenant and principals, plus one RG, vault region and VM batch per region."""
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        base = yaml.safe_load(handle)
    estate = {key: base[key] for key in ("tenant", "principals", "subscriptions")}
    estate["resourceGroups"] = []
    estate["virtualMachines"] = []
    for index, region in enumerate(REGIONS, start=1):
        estate["resourceGroups"] += [
            {"subscription": SUBSCRIPTION, "name": f"rg-bench-backup-{index}", "location": region},
            {"subscription": SUBSCRIPTION, "name": f"rg-bench-app-{index}", "location": region},
        ]
        estate["virtualMachines"].append({"generate": {
            "count": vms_per_vault, "namePrefix": f"vm-{region}-", "resourceGroup": f"rg-bench-app-{index}",
            "location": region, "osType": "Linux" if index % 2 else "Windows"}})
    return estate


def rollout_playbook(vms_per_vault):
    vaults = []
    for index, region in enumerate(REGIONS, start=1):
        vaults.append({
            "name": f"rsv-bench-{index}", "resource_group": f"rg-bench-backup-{index}", "location": region,
            "vms": [{"name": f"vm-{region}-{number:04d}", "resource_group": f"rg-bench-app-{index}"}
                    for number in range(1, vms_per_vault + 1)],
        })
    return [{
        "name": "Estate rollout benchmark",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable, "bench_vaults": vaults},
        "module_defaults": {"group/azure_backup.recovery_services.all": {}},
        "tasks": [
            {"name": "Vaults", "azure_backup.recovery_services.rsv_vault": {
                "name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}", "location": "{{ item.location }}"},
             "loop": "{{ bench_vaults }}", "loop_control": {"label": "{{ item.name }}"}},
            {"name": "Protect every VM of a vault in one call", "azure_backup.recovery_services.vm_protection": {
                "vault_name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}",
                "policy": "DefaultPolicy", "vms": "{{ item.vms }}"},
             "loop": "{{ bench_vaults }}", "loop_control": {"label": "{{ item.name }}"}, "register": "bench_protection"},
            {"name": "Summary", "ansible.builtin.debug": {
                "msg": "{{ bench_protection.results | map(attribute='summary', default={}) | list }}"}},
        ],
    }]


def site_inventory(vms_per_vault):
    """An inventory for playbooks/site.yml: localhost, one azure_vms host per VM, the vaults with one daily policy."""
    vaults, hosts = [], {}
    for index, region in enumerate(REGIONS, start=1):
        vault = f"rsv-bench-{index}"
        vaults.append({"name": vault, "resource_group": f"rg-bench-backup-{index}", "location": region,
                       "policies": [{"name": "vm-daily", "schedule": {"frequency": "Daily", "time": "22:00"}, "retention": {"daily": 7}}]})
        for number in range(1, vms_per_vault + 1):
            hosts[f"vm-{region}-{number:04d}"] = {"azure_vm_name": f"vm-{region}-{number:04d}", "azure_vm_resource_group": f"rg-bench-app-{index}",
                                                 "azure_backup_vault": vault}
    return {"all": {
        "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "vars": {"azure_backup_vaults": vaults, "azure_backup_default_policy": "vm-daily", "azure_backup_precheck_gate": "skip"},
        "children": {"azure_vms": {"hosts": hosts}, "mars_hosts": {"hosts": {}}}}}


def emulator_peak_rss_mb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def run_once(emulator, command, label):
    emulator.control("POST", "requests/reset")
    started = time.perf_counter()
    result = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), *command],
                            env=playbook_env(emulator), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode:
        sys.exit(f"{label} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    log = emulator.control("GET", "requests")
    counts = classify(log)
    return {
        "wall_seconds": round(wall, 1),
        "requests_by_method": log["counts"],
        "requests_total": sum(log["counts"].values()),
        "writes": log["writes"],
        "requests_per_vault": per_vault(counts),
        "per_vm_requests_per_vault": per_vault(counts, "per-vm"),
        "peak_rss_mb_largest_ansible_process": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms-per-vault", type=int, default=250)
    parser.add_argument("--lro-delay", default="1.0", help="seconds each emulated long-running operation takes")
    parser.add_argument("--playbook", choices=("site", "modules"), default="site",
                        help="site: playbooks/site.yml over a generated inventory; modules: vm_protection once per vault")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    estate_path = workdir / "estate.yml"
    estate_path.write_text(yaml.safe_dump(bench_estate(args.vms_per_vault)), encoding="utf-8")
    if args.playbook == "site":
        inventory_path = workdir / "inventory.yml"
        inventory_path.write_text(yaml.safe_dump(site_inventory(args.vms_per_vault), sort_keys=False), encoding="utf-8")
        command = [str(ROOT / "playbooks" / "site.yml"), "-i", str(inventory_path)]
    else:
        playbook_path = workdir / "rollout.yml"
        playbook_path.write_text(yaml.safe_dump(rollout_playbook(args.vms_per_vault), sort_keys=False), encoding="utf-8")
        command = [str(playbook_path)]
    emulator = start_emulator(estate=estate_path, extra_args=("--lro-delay", args.lro_delay))
    try:
        report = {
            "vms": args.vms_per_vault * len(REGIONS),
            "vaults": len(REGIONS),
            "playbook": args.playbook,
            "emulator_lro_delay_seconds": float(args.lro_delay),
            "first_rollout": run_once(emulator, command, "first rollout"),
            "re_run": run_once(emulator, command, "re-run"),
            "emulator_peak_rss_mb": emulator_peak_rss_mb(emulator.process.pid),
        }
    finally:
        emulator.process.terminate()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
