"""Measure what one task costs: client-layer import time and rsv_vault's per-task wall time.

    .venv/bin/python tests/benchmarks/task_time.py [--runs 7]

Starts its own emulator. Reports medians; prints JSON. A benchmark, not a test: it asserts nothing.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
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


def import_seconds(statement, runs):
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".cache" / "collections"))
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


def task_seconds(emulator, module_args, runs):
    env = playbook_env(emulator)
    command = [str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local",
               "-e", f"ansible_python_interpreter={sys.executable}",
               "-m", "azure_backup.recovery_services.rsv_vault", "-a", module_args]
    samples = []
    for dummy in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples), 3), [round(sample, 3) for sample in samples]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    report = {"import_seconds_median": {name: import_seconds(statement, runs) for name, statement in IMPORTS.items()}}
    emulator = start_emulator(extra_args=("--lro-delay", "0.3"))
    try:
        args = "name=rsv-timing resource_group=rg-backup-weu location=westeurope"
        task_seconds(emulator, args, 1)  # create once; the measured runs are idempotent reads
        median, samples = task_seconds(emulator, args, runs)
        report["rsv_vault_idempotent_task_seconds"] = {"median": median, "samples": samples}
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "ansible"), "localhost", "-c", "local", "-m", "ansible.builtin.ping",
                        "-e", f"ansible_python_interpreter={sys.executable}"], check=True, capture_output=True, env=playbook_env(emulator))
        report["ansible_builtin_ping_seconds"] = round(time.perf_counter() - started, 3)
    finally:
        emulator.process.terminate()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
