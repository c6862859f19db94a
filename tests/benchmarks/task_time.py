"""Measure what one task costs: client-layer import time and rsv_vault's per-task wall time beside ping.

    .venv/bin/python tests/benchmarks/task_time.py [--runs 9] [--token-cache unencrypted] [--task-worker] [--collections PATH]

An unchanged ``rsv_vault`` task and ``ansible.builtin.ping`` run alternately (``ansible localhost -m``),
so both see the same machine load; the figure to read is ``ratio_rsv_vault_to_ping`` (medians), or on
a busy machine ``cpu_ratio_rsv_vault_to_ping`` (CPU seconds of the whole ``ansible`` run, which load barely moves)
and ``module_process_cpu_seconds_median`` (the module processes alone, ``python -m``, alternately).
``--collections`` measures another checkout (a directory holding ``ansible_collections/``), e.g. an
older commit exported with ``git archive``, for a before/after comparison.  ``--token-cache`` sets
``AZURE_BACKUP_TOKEN_CACHE`` for the rsv_vault runs (the cache file it creates is removed afterwards).
``--task-worker`` runs them with ``AZURE_BACKUP_TASK_WORKER=true`` (a worker of their own, in a temporary
``TMPDIR``); then the CPU figures leave out the worker's children, which are not the task's children: read the wall ratio.
The cloud-metadata cache lives in a temporary directory, warmed by the first (unmeasured) run.

Starts its own emulator. Reports medians; prints JSON. A benchmark, not a test: it asserts nothing.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from conftest import playbook_env, start_emulator  # noqa: E402  pylint: disable=wrong-import-position

IMPORTS = {
    "client layer (module_utils only)": "import ansible_collections.azure_backup.recovery_services.plugins.module_utils._module",
    "client layer + azure.identity": "import ansible_collections.azure_backup.recovery_services.plugins.module_utils._module; import azure.identity",
    "client layer + identity + recoveryservices": ("import ansible_collections.azure_backup.recovery_services.plugins.module_utils._module; "
                                                   "import azure.identity; import azure.mgmt.recoveryservices"),
    "client layer + identity + backup": ("import ansible_collections.azure_backup.recovery_services.plugins.module_utils._module; "
                                         "import azure.identity; import azure.mgmt.recoveryservicesbackup"),
    "client layer + identity + backup + compute": ("import ansible_collections.azure_backup.recovery_services.plugins.module_utils._module; "
                                                   "import azure.identity; import azure.mgmt.recoveryservicesbackup; import azure.mgmt.compute"),
}


def import_seconds(statement, runs, collections):
    env = dict(os.environ, PYTHONPATH=str(collections))
    samples = []
    for dummy in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], env=env, check=True)
        samples.append(time.perf_counter() - started)
    baseline = []
    for dummy in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append(time.perf_counter() - started)
    return round(statistics.median(samples) - statistics.median(baseline), 3)


def ansible_command(module, module_args=None):
    command = [str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local",
               "-e", f"ansible_python_interpreter={sys.executable}", "-m", module]
    return command + (["-a", module_args] if module_args else [])


def timed(command, env, cpu_samples=None):
    """Wall seconds of ``command``; its CPU seconds (user + system, with every process it waited for) go to ``cpu_samples``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu_samples is not None:
        cpu_samples.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def side_by_side(emulator, module_args, runs, collections, token_cache, task_worker=False):
    """Alternate an unchanged rsv_vault task with ansible.builtin.ping; return both sample lists."""
    env = dict(playbook_env(emulator), ANSIBLE_COLLECTIONS_PATH=str(collections),
               AZURE_BACKUP_CACHE_DIR=tempfile.mkdtemp(prefix="task-time-cache-"))
    if token_cache:
        env["AZURE_BACKUP_TOKEN_CACHE"] = token_cache
    if task_worker:
        env["AZURE_BACKUP_TASK_WORKER"] = "true"
        env["TMPDIR"] = tempfile.mkdtemp(prefix="task-time-worker-")  # a worker of its own, ended with the benchmark
    rsv_vault = ansible_command("azure_backup.recovery_services.rsv_vault", module_args)
    ping = ansible_command("ansible.builtin.ping")
    timed(rsv_vault, env)  # creates the vault and warms the caches (and starts the task worker); the measured runs change nothing
    timed(ping, env)
    if task_worker:
        time.sleep(3)  # the worker's imports, which run once
    vault_samples, ping_samples, vault_cpu, ping_cpu = [], [], [], []
    for dummy in range(runs):
        vault_samples.append(timed(rsv_vault, env, vault_cpu))
        ping_samples.append(timed(ping, env, ping_cpu))
    return vault_samples, ping_samples, (vault_cpu, ping_cpu)


def module_processes(emulator, module_args, runs, collections, token_cache):
    """The module processes alone (``python -m``, no controller), alternately: what the module itself adds to a task."""
    env = dict(playbook_env(emulator), PYTHONPATH=str(collections), AZURE_BACKUP_CACHE_DIR=tempfile.mkdtemp(prefix="task-time-cache-"))
    if token_cache:
        env["AZURE_BACKUP_TOKEN_CACHE"] = token_cache
    arguments = dict(pair.split("=", 1) for pair in module_args.split())
    files = {}
    for name, args in (("rsv_vault", arguments), ("ping", {})):
        handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # pylint: disable=consider-using-with
        with handle:
            json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
        files[name] = handle.name
    commands = {"rsv_vault": [sys.executable, "-m", "ansible_collections.azure_backup.recovery_services.plugins.modules.rsv_vault", files["rsv_vault"]],
                "ping": [sys.executable, "-m", "ansible.modules.ping", files["ping"]]}
    timed(commands["rsv_vault"], env)
    samples, cpu = {"rsv_vault": [], "ping": []}, {"rsv_vault": [], "ping": []}
    for dummy in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command, env, cpu[name]))
    for path in files.values():
        os.unlink(path)
    return ({name: round(statistics.median(values), 3) for name, values in samples.items()},
            {name: round(statistics.median(values), 3) for name, values in cpu.items()})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--collections", default=str(ROOT / ".cache" / "collections"))
    parser.add_argument("--token-cache", choices=["none", "encrypted", "unencrypted"])
    parser.add_argument("--task-worker", action="store_true", help="AZURE_BACKUP_TASK_WORKER=true for the rsv_vault tasks")
    args = parser.parse_args()
    token_file = Path.home() / ".IdentityService" / "azure_backup.recovery_services.nocae"
    token_file_existed = token_file.exists()
    report = {"collections": args.collections, "token_cache": args.token_cache or "none", "task_worker": args.task_worker,
              "import_seconds_median": {name: import_seconds(statement, args.runs, args.collections) for name, statement in IMPORTS.items()}}
    emulator = start_emulator(extra_args=("--lro-delay", "0.3"))
    try:
        module_args = "name=rsv-timing resource_group=rg-backup-weu location=westeurope"
        vault_samples, ping_samples, (vault_cpu, ping_cpu) = side_by_side(emulator, module_args, args.runs, args.collections, args.token_cache,
                                                                          args.task_worker)
        report["module_process_seconds_median"], module_cpu = module_processes(emulator, module_args, args.runs, args.collections, args.token_cache)
    finally:
        emulator.process.terminate()
        if args.token_cache and not token_file_existed and token_file.exists():
            token_file.unlink()
    report["rsv_vault_idempotent_task_seconds"] = {"median": round(statistics.median(vault_samples), 3),
                                                   "samples": [round(sample, 3) for sample in vault_samples]}
    report["ansible_builtin_ping_seconds"] = {"median": round(statistics.median(ping_samples), 3),
                                              "samples": [round(sample, 3) for sample in ping_samples]}
    report["ratio_rsv_vault_to_ping"] = round(statistics.median(vault_samples) / statistics.median(ping_samples), 3)
    report["ratio_median_of_pairs"] = round(statistics.median(vault / ping for vault, ping in zip(vault_samples, ping_samples)), 3)
    # CPU time barely moves with the machine's load; on a busy machine it is the steadier comparison.
    report["cpu_seconds_median"] = {"rsv_vault": round(statistics.median(vault_cpu), 3), "ping": round(statistics.median(ping_cpu), 3)}
    report["cpu_ratio_rsv_vault_to_ping"] = round(statistics.median(vault_cpu) / statistics.median(ping_cpu), 3)
    # The module process alone (no controller): what the collection's own code and imports cost.
    report["module_process_cpu_seconds_median"] = module_cpu
    report["module_process_cpu_ratio"] = round(module_cpu["rsv_vault"] / module_cpu["ping"], 3)
    report["load_average"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
