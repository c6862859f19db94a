"""Estate-scale benchmark: playbooks/site.yml on generated estates, first rollout and no-change run.

    ./scripts/bench.sh                                   # the whole set (below); takes about half an hour
    ./scripts/bench.sh --vms 1000 --profiles fast        # one estate size, one profile
    ./scripts/bench.sh --subscriptions 0                 # leave out the two-subscription comparison
    ./scripts/bench.sh --playbook modules --vms 1000     # vm_protection once per vault instead of site.yml
    ./scripts/bench.sh --vms 5000 --profiles fast --subscriptions 0 --keep-state /tmp/bench-state
                                                         # again: only the no-change run, on the kept world

For each estate size (``--vms``, default 1,000 and 5,000) and emulator profile (``--profiles``, default
``fast`` and ``azure``, docs/emulator.md "Cost profile") it starts an emulator with an estate of 4 regions,
each with one vault's resource group and one application group of VMs (half the regions Linux, half
Windows), and runs ``site.yml`` twice over a generated inventory (one host per VM): the first rollout,
then the no-change run. Then, unless ``--subscriptions 0``, the same estate in two subscriptions, each
site.yml run as its own job with its own principal (as AWX runs one job per subscription and credential,
docs/awx.md), side by side, against one subscription alone.

Reports per run: wall time, the machine's load average, ARM requests by method, writes, 429s received,
the throttle floor (the least time Azure's buckets allow for the requests: GET /_emulator/costs), the
wait floor (the throttle floor plus the operations a waiting rollout cannot overlap: a new vault, discovery,
the last protection; ``wait_floor``), the largest per-vault request count and the subscription-wide ones, requests about one VM, the VMs left
unprotected (from the emulator's state), the CPU seconds of the ansible processes (load-independent), peak memory of the ansible process tree (sum and largest
process, sampled) and of the emulator. A benchmark, not a test: it records figures, and only says
when a run failed.
"""

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from conftest import DEFAULT_ESTATE, EMULATOR_PATH, RunningEmulator, playbook_env, start_emulator  # noqa: E402  pylint: disable=wrong-import-position
from request_log import classify, per_vault  # noqa: E402  pylint: disable=wrong-import-position

REGIONS = ["westeurope", "northeurope", "eastus", "westus2"]
SUBSCRIPTIONS = ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"]


def bench_estate(vms_per_vault, subscriptions=tuple(SUBSCRIPTIONS[:1])):
    """The integration estate's tenant and principals; per subscription, one vault group and one VM batch per region."""
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        base = yaml.safe_load(handle)
    estate = {key: base[key] for key in ("tenant", "principals", "subscriptions")}
    estate["resourceGroups"], estate["virtualMachines"] = [], []
    for subscription in subscriptions:
        for index, region in enumerate(REGIONS, start=1):
            estate["resourceGroups"] += [
                {"subscription": subscription, "name": f"rg-bench-backup-{index}", "location": region},
                {"subscription": subscription, "name": f"rg-bench-app-{index}", "location": region},
            ]
            estate["virtualMachines"].append({"generate": {
                "count": vms_per_vault, "namePrefix": f"vm-{region}-", "resourceGroup": f"rg-bench-app-{index}",
                "subscription": subscription, "location": region, "osType": "Linux" if index % 2 else "Windows"}})
    return estate


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


def modules_playbook(vms_per_vault):
    """rsv_vault for the 4 vaults, then vm_protection once per vault for all its VMs (no site.yml)."""
    vaults = [{"name": f"rsv-bench-{index}", "resource_group": f"rg-bench-backup-{index}", "location": region,
               "vms": [{"name": f"vm-{region}-{number:04d}", "resource_group": f"rg-bench-app-{index}"} for number in range(1, vms_per_vault + 1)]}
              for index, region in enumerate(REGIONS, start=1)]
    loop = {"loop": "{{ bench_vaults }}", "loop_control": {"label": "{{ item.name }}"}}
    return [{
        "name": "Estate rollout benchmark", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable, "bench_vaults": vaults},
        "tasks": [
            dict(loop, name="Vaults", **{"azure_backup.recovery_services.rsv_vault": {
                "name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}", "location": "{{ item.location }}"}}),
            dict(loop, name="Protect every VM of a vault in one call", **{"azure_backup.recovery_services.vm_protection": {
                "vault_name": "{{ item.name }}", "resource_group": "{{ item.resource_group }}", "policy": "DefaultPolicy", "vms": "{{ item.vms }}"}}),
        ],
    }]


def principal_env(emulator, subscription):
    """The playbook environment for one subscription, signed in as the estate principal that may use it."""
    env = playbook_env(emulator)
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        principal = next(entry for entry in yaml.safe_load(handle)["principals"] if subscription in entry["subscriptions"])
    env.update(AZURE_SUBSCRIPTION_ID=subscription, AZURE_CLIENT_ID=principal["client_id"], AZURE_SECRET=principal["secret"])
    return env


class TreeMemory(threading.Thread):
    """Samples the resident memory of a process and its descendants (Ansible forks workers and async wrappers)."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.roots, self.peak_total_mb, self.peak_largest_mb = set(pids), 0.0, 0.0
        self._stopping = threading.Event()

    @staticmethod
    def _table():
        parents, rss = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry)], rss[int(entry)] = int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            except (OSError, IndexError, ValueError):
                continue
        return parents, rss

    def run(self):
        while not self._stopping.wait(0.5):
            parents, rss = self._table()
            tree, grown = set(self.roots), True
            while grown:
                found = {pid for pid, parent in parents.items() if parent in tree} - tree
                tree |= found
                grown = bool(found)
            sizes = [rss[pid] for pid in tree if pid in rss]
            if sizes:
                self.peak_total_mb = max(self.peak_total_mb, sum(sizes))
                self.peak_largest_mb = max(self.peak_largest_mb, *sizes)

    def stop(self):
        self._stopping.set()
        self.join()


def emulator_peak_rss_mb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def unprotected(emulator, subscription, vms_per_vault):
    """VMs of the bench's groups in ``subscription`` without a protected item in the emulator's state."""
    resources = emulator.control("GET", "state")["resources"]
    prefix = f"/subscriptions/{subscription}/resourcegroups/rg-bench-backup-"
    protected = sum(1 for key in resources if key.startswith(prefix) and "/protecteditems/vm;iaasvmcontainerv2;" in key)
    return vms_per_vault * len(REGIONS) - protected


def adopt_orphans():
    """Make this process the child subreaper of everything it starts.

    Ansible's ``async`` tasks run their module in a daemon (a double fork), which leaves the playbook's
    process tree; as our child it can be reaped here and its CPU time counted with the playbook's.
    """
    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def reap_orphans():
    """Wait for the adopted daemons that ended (Popen waits for its own), so their CPU time is counted."""
    while True:
        try:
            pid, dummy = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def with_task_seconds(env, path):
    """``env`` with the benchmark's task_seconds callback on, writing to ``path``."""
    return dict(env, ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).parent / "callback_plugins"), ANSIBLE_CALLBACKS_ENABLED="task_seconds",
                BENCH_TASK_SECONDS=str(path))


def where_time_goes(path, started):
    """Seconds before the first task (interpreter, Ansible, inventory), and the slowest tasks, from the callback's file."""
    with open(path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    return {"startup_seconds": round(recorded["playbook_started"] - started, 1),
            "slowest_tasks": sorted(recorded["tasks"], key=lambda task: -task[1])[:8],
            "tasks_total_seconds": round(sum(seconds for dummy, seconds in recorded["tasks"]), 1)}


# The operations a waiting rollout cannot overlap, in the order site.yml meets them: a new vault, then the
# vault's discovery (refreshContainers), then the protections, of which the last starts once the write bucket
# has let every PUT through (the throttle floor). Each kind counts once: a vault's operations run side by side.
CHAINED_OPERATIONS = (
    ("vault_create", lambda entry: entry["method"] == "PUT" and entry["route"].lower().endswith("/vaults/{vaultname}")),
    ("refresh_containers", lambda entry: entry["method"] == "POST" and entry["route"].lower().endswith("/refreshcontainers")),
    ("protect", lambda entry: entry["method"] == "PUT" and "/protecteditems/{" in entry["route"].lower()),
)


def wait_floor(log, costs, settings):
    """The least time a rollout that waits for its operations can take on these costs (seconds).

    The throttle floor counts ARM's buckets only. A run that waits for Azure's operations also waits for a
    new vault (10 s on Azure's costs), the vault's discovery (12 s) and the last protection it started (92 s),
    one after the other, and none of those overlaps the bucket's wait for the PUTs before the last one. So the
    floor of a first rollout is the throttle floor plus those durations; it is what "within 1.5x of the floor"
    can honestly be measured against once the operations take longer than the throttling.
    """
    durations = settings.get("durations") or {}
    accepted = [entry for entry in log["requests"] if entry.get("kind", "arm") == "arm" and entry.get("route") and (entry["status"] or 0) < 400]
    chained = sum(float(durations.get(kind, settings.get("lro_delay", 0))) for kind, started in CHAINED_OPERATIONS
                  if any(started(entry) for entry in accepted))
    return round(costs["throttle_floor_seconds"] + chained, 1)


def run_jobs(emulator, jobs, label, task_seconds=None):
    """Run ``jobs`` ([(command, env)]) side by side; the run's figures from the emulator's log and costs."""
    emulator.control("POST", "requests/reset")
    if task_seconds:
        jobs = [(command, with_task_seconds(env, task_seconds)) for command, env in jobs[:1]] + jobs[1:]
    load_before = os.getloadavg()[0]
    reap_orphans()
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    started_epoch = time.time()
    # Each job writes to its own file: with pipes read one after the other, a job whose output filled its
    # pipe (64 KB) would stop until the jobs before it ended, and side-by-side jobs would run one after the other.
    output_files = [tempfile.TemporaryFile("w+", encoding="utf-8") for dummy in jobs]  # pylint: disable=consider-using-with
    processes = [subprocess.Popen([str(Path(sys.executable).parent / "ansible-playbook"), *command], env=env,
                                  stdout=output, stderr=subprocess.STDOUT) for (command, env), output in zip(jobs, output_files)]
    memory = TreeMemory(process.pid for process in processes)
    memory.start()
    for process in processes:
        process.wait()
    wall = time.perf_counter() - started
    outputs = []
    for output in output_files:
        output.seek(0)
        outputs.append(output.read())
        output.close()
    memory.stop()
    reap_orphans()
    cpu_seconds = children_cpu_seconds() - cpu_before
    failed = [output[-4000:] for process, output in zip(processes, outputs) if process.returncode]
    for output in failed:
        print(f"{label} failed:\n{output}", file=sys.stderr)
    log, costs = emulator.control("GET", "requests"), emulator.control("GET", "costs")
    counts = classify(log)
    vaults = {scope: count for scope, count in per_vault(counts).items() if scope != "subscription"}
    figures = {
        "wall_seconds": round(wall, 1),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rc": [process.returncode for process in processes],
        # CPU seconds (user + system) of the ansible-playbook processes, their workers and async module daemons: load-independent.
        "ansible_cpu_seconds": round(cpu_seconds, 1),
        "requests_total": costs["requests"],
        "requests_by_method": costs["by_method"],
        "writes": log["writes"],
        # The writes Azure accepted: a write refused with 429 (or any error) changed nothing.
        "writes_applied": sum(1 for entry in log["requests"] if entry.get("kind", "arm") == "arm" and entry["write"] and (entry["status"] or 0) < 400),
        "status_429": costs["status_429"],
        "throttle_floor_seconds": costs["throttle_floor_seconds"],
        "wait_floor_seconds": wait_floor(log, costs, emulator.control("GET", "settings")),
        "max_requests_per_vault": max(vaults.values(), default=0),
        "subscription_wide_requests": per_vault(counts).get("subscription", 0),
        "per_vm_requests": sum(per_vault(counts, "per-vm").values()),
        "peak_rss_mb_ansible_tree": round(memory.peak_total_mb, 1),
        "peak_rss_mb_largest_ansible_process": round(memory.peak_largest_mb, 1),
    }
    if task_seconds and not processes[0].returncode:
        figures["where_the_time_goes"] = where_time_goes(task_seconds, started_epoch)
    return figures


def estate_files(workdir, vms_per_vault, subscriptions, playbook):
    estate_path = workdir / "estate.yml"
    estate_path.write_text(yaml.safe_dump(bench_estate(vms_per_vault, subscriptions)), encoding="utf-8")
    if playbook == "site":
        inventory_path = workdir / "inventory.yml"
        inventory_path.write_text(yaml.safe_dump(site_inventory(vms_per_vault), sort_keys=False), encoding="utf-8")
        return estate_path, [str(ROOT / "playbooks" / "site.yml"), "-i", str(inventory_path)]
    playbook_path = workdir / "rollout.yml"
    playbook_path.write_text(yaml.safe_dump(modules_playbook(vms_per_vault), sort_keys=False), encoding="utf-8")
    return estate_path, [str(playbook_path)]


def start_emulator_on_state(estate, extra_args, seconds=900):
    """An emulator on a kept world (``--state-file``): as conftest's start_emulator, waiting up to ``seconds``.

    A 5,000-VM world (40 MB of JSON) takes longer to load than the integration tests' 30 s on a loaded machine.
    """
    state_dir = tempfile.mkdtemp(prefix="armemu-")
    ready_file = os.path.join(state_dir, "ready.json")
    with open(os.path.join(state_dir, "emulator.log"), "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "armemu", "--estate", str(estate), "--port", "0", "--state-dir", state_dir,
                                    "--ready-file", ready_file, *extra_args],
                                   env=dict(os.environ, PYTHONPATH=str(EMULATOR_PATH)), stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + seconds
    while not os.path.exists(ready_file) or not os.path.getsize(ready_file):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"emulator did not start; see {state_dir}/emulator.log")
        time.sleep(0.5)
    time.sleep(0.05)
    with open(ready_file, encoding="utf-8") as handle:
        return RunningEmulator(json.load(handle), process)


def bench_case(vms, profile, subscriptions, args):
    """First rollout and no-change run of ``vms`` VMs per subscription, the subscriptions' jobs side by side."""
    vms_per_vault = vms // len(REGIONS)
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    estate_path, command = estate_files(workdir, vms_per_vault, subscriptions, args.playbook)
    extra_args = ["--profile", profile, "--lro-delay", args.lro_delay]
    runs = tuple(args.runs)
    if args.keep_state:
        # The estate after a first rollout, kept per case: a later call measures only the no-change run.
        state_file = args.keep_state / f"{vms}-{profile}-{len(subscriptions)}-{args.playbook}.json"
        args.keep_state.mkdir(parents=True, exist_ok=True)
        runs = tuple(run for run in runs if run != "first_rollout") if state_file.exists() else runs
        extra_args += ["--state-file", str(state_file)]
    emulator = (start_emulator_on_state if args.keep_state else start_emulator)(estate=estate_path, extra_args=extra_args)
    try:
        jobs = [(command, principal_env(emulator, subscription)) for subscription in subscriptions]
        report = {"vms_per_subscription": vms_per_vault * len(REGIONS), "vaults_per_subscription": len(REGIONS),
                  "subscriptions": len(subscriptions), "profile": profile, "playbook": args.playbook}
        for run in runs:
            label = f"{vms} VMs x {len(subscriptions)} subscription(s), {profile}, {run}"
            print(f"-- {label}", file=sys.stderr, flush=True)
            report[run] = run_jobs(emulator, jobs, label, workdir / f"{run}-tasks.json" if args.task_seconds else None)
            report[run]["vms_unprotected"] = sum(unprotected(emulator, subscription, vms_per_vault) for subscription in subscriptions)
            print(json.dumps(report[run]), file=sys.stderr, flush=True)
        report["emulator_peak_rss_mb"] = emulator_peak_rss_mb(emulator.process.pid)
    finally:
        emulator.process.terminate()
        emulator.process.wait()
    return report


def table(reports):
    """The figures as docs/benchmarks.md's markdown table."""
    lines = ["| Estate | Profile | Run | Wall (ansible CPU) | Load | ARM requests | By method | Writes | 429s | Throttle floor | Wait floor | Max per vault | "
             "Per-VM requests | Unprotected | Peak RSS ansible (sum / largest) | Emulator RSS |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # Writes: those Azure accepted (not 429)
    for report in reports:
        estate = f"{report['vms_per_subscription']:,} VMs" + (f" x {report['subscriptions']} subs" if report["subscriptions"] > 1 else "")
        for run in (run for run in ("first_rollout", "no_change") if run in report):
            figures = report[run]
            methods = " · ".join(f"{method} {count:,}" for method, count in sorted(figures["requests_by_method"].items()))
            lines.append(
                f"| {estate} | {report['profile']} | {run.replace('_', ' ')}{'' if not any(figures['rc']) else ' (FAILED)'} | "
                f"{figures['wall_seconds']} s ({figures['ansible_cpu_seconds']} s CPU) | "
                f"{figures['load_average_1min'][0]}-{figures['load_average_1min'][1]} | {figures['requests_total']:,} | "
                f"{methods} | {figures['writes_applied']:,} | {figures['status_429']} | {figures['throttle_floor_seconds']} s | "
                f"{figures.get('wait_floor_seconds', '-')} s | "
                f"{figures['max_requests_per_vault']} "
                f"(+{figures['subscription_wide_requests']} subscription-wide) | {figures['per_vm_requests']} | {figures['vms_unprotected']} | "
                f"{figures['peak_rss_mb_ansible_tree']} / {figures['peak_rss_mb_largest_ansible_process']} MB | {report['emulator_peak_rss_mb']} MB |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--vms", type=int, nargs="+", default=[1000, 5000], help="estate sizes (VMs, spread over 4 vaults)")
    parser.add_argument("--profiles", nargs="+", choices=("fast", "azure"), default=["fast", "azure"])
    parser.add_argument("--subscriptions", type=int, default=1000, metavar="VMS",
                        help="VMs per subscription for the two-subscription comparison on the azure profile (0: leave it out)")
    parser.add_argument("--lro-delay", default="1.0", help="seconds an emulated long-running operation takes on the fast profile")
    parser.add_argument("--playbook", choices=("site", "modules"), default="site",
                        help="site: playbooks/site.yml over a generated inventory; modules: vm_protection once per vault")
    parser.add_argument("--task-seconds", action="store_true", help="also report where each run's time goes (per-task seconds)")
    parser.add_argument("--output", type=Path, help="also write the reports as JSON to this file")
    parser.add_argument("--runs", nargs="+", choices=("first_rollout", "no_change"), default=["first_rollout", "no_change"],
                        help="which runs to measure (the no-change run needs the first, or a kept world)")
    parser.add_argument("--keep-state", type=Path, metavar="DIR",
                        help="keep each case's emulator world in DIR; when it is there already, run only the no-change run on it")
    args = parser.parse_args()
    adopt_orphans()
    reports = []
    for vms in args.vms:
        for profile in args.profiles:
            reports.append(bench_case(vms, profile, SUBSCRIPTIONS[:1], args))
    if args.subscriptions:
        single = [report for report in reports if report["profile"] == "azure" and report["vms_per_subscription"] == args.subscriptions]
        if not single:
            reports.append(bench_case(args.subscriptions, "azure", SUBSCRIPTIONS[:1], args))
        reports.append(bench_case(args.subscriptions, "azure", SUBSCRIPTIONS, args))
    if args.output:
        args.output.write_text(json.dumps(reports, indent=2), encoding="utf-8")
    print(json.dumps(reports, indent=2))
    print(table(reports))


if __name__ == "__main__":
    main()
