"""The opt-in task worker (AZURE_BACKUP_TASK_WORKER=true), end to end with real ansible-playbook runs.

How the tests know a task ran in the worker: the later runs put a directory first on PYTHONPATH whose
``azure`` package raises on import. A task process that imported an Azure SDK itself would fail;
one the worker ran uses the worker's imports, made before that directory existed. Each test gets
its own short TMPDIR (a socket path has at most 107 bytes), so its own worker, which the test ends.
"""

import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from ansible.module_utils.ansible_release import __version__ as ansible_version
from conftest import ROOT, playbook_env, run_playbook, start_emulator

sys.path.insert(0, str(ROOT / ".cache" / "collections"))
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import worker_key  # noqa: E402

VAULT = "rsv-worker"
GROUP = "rg-backup-weu"


def task_environment(emulator, tmp_path, shadow=False, idle=60):
    env = playbook_env(emulator)
    temporary = tmp_path / "tmp"
    env.update(AZURE_BACKUP_TASK_WORKER="true", AZURE_BACKUP_TASK_WORKER_IDLE=str(idle), TMPDIR=str(temporary))
    if shadow:
        broken = tmp_path / "no-azure"
        (broken / "azure").mkdir(parents=True, exist_ok=True)
        (broken / "azure" / "__init__.py").write_text("raise ImportError('this task imported the Azure SDK in its own process')\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(broken), env.get("PYTHONPATH")]))
    return env


def worker_directory(tmp_path):
    return tmp_path / "tmp" / f"azure-backup-worker-{os.getuid()}"


def worker_processes(tmp_path):
    """{pid: (cmdline, environ)} of the workers whose socket is in this test's directory."""
    found = {}
    directory = str(worker_directory(tmp_path))
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"_task_worker import serve" in cmdline and directory.encode() in cmdline:
            found[int(entry.name)] = (cmdline, environ)
    return found


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def write_playbook(tmp_path, name, tasks):
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump([{"name": name, "hosts": "localhost", "connection": "local", "gather_facts": False,
                                     "vars": {"ansible_python_interpreter": sys.executable}, "tasks": tasks}]))
    return path


def vault_task(**extra):
    return {"azure_backup.recovery_services.rsv_vault": dict({"name": VAULT, "resource_group": GROUP, "location": "westeurope"}, **extra)}


def writes(emulator):
    log = emulator.control("GET", "requests")["requests"]
    return [(entry["method"], entry["path"]) for entry in log if entry.get("kind", "arm") == "arm" and entry["method"] != "GET"]


def end_workers(tmp_path):
    for pid in worker_processes(tmp_path):
        os.kill(pid, signal.SIGTERM)


@pytest.fixture(name="tmp_path")
def fixture_short_tmp_path():
    """A short temporary directory (pytest's own tmp_path is too long for the worker's socket path)."""
    path = Path(tempfile.mkdtemp(prefix="tw-", dir="/tmp"))
    (path / "tmp").mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(name="fresh_emulator")
def fixture_fresh_emulator(emulator):
    emulator.reset()
    return emulator


def test_tasks_run_in_the_worker_with_the_same_results_check_mode_diff_and_no_writes(fresh_emulator, tmp_path):
    first = write_playbook(tmp_path, "first", [
        dict(vault_task(tags={"owner": "platform"}), register="created"),
        {"ansible.builtin.assert": {"that": ["created is changed"]}},
    ])
    directory = worker_directory(tmp_path)
    directory.mkdir(mode=0o700)
    leftover = directory / f"code-{worker_key(sys.executable, ansible_version)}-killed.zip"  # as a SIGKILLed worker leaves it
    leftover.write_bytes(b"")
    result = run_playbook(fresh_emulator, first, env=task_environment(fresh_emulator, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    try:
        assert wait_for(lambda: list(directory.glob("*.sock")), 30), "the first task did not start a worker"
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert [stat.S_IMODE(path.stat().st_mode) for path in directory.glob("*.sock")] == [0o600]
        assert len(worker_processes(tmp_path)) == 1
        assert wait_for(lambda: not leftover.exists(), 30), "the worker left an earlier worker's payload copy"

        fresh_emulator.control("POST", "requests/reset")
        later = write_playbook(tmp_path, "later", [
            dict(vault_task(tags={"owner": "platform"}), register="unchanged"),
            dict(vault_task(tags={"owner": "finance"}), register="would_change", check_mode=True, diff=True),
            dict({"azure_backup.recovery_services.rsv_vault_info": {"resource_group": GROUP, "name": VAULT}}, register="info"),
            dict(vault_task(location="not a region"), register="refused", ignore_errors=True),
            {"ansible.builtin.assert": {"that": [
                "unchanged is not changed",
                "unchanged.vault.tags.owner == 'platform'",
                "would_change is changed",
                "would_change.diff.after.tags.owner == 'finance'",
                "info.vaults | length == 1",
                "refused is failed",
                "'location' in refused.msg",
            ]}},
        ])
        result = run_playbook(fresh_emulator, later, env=task_environment(fresh_emulator, tmp_path, shadow=True))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Failed to import the required Python library" not in result.stdout
        assert writes(fresh_emulator) == []
    finally:
        end_workers(tmp_path)
    assert wait_for(lambda: not worker_processes(tmp_path), 15)
    assert not list(directory.glob("*.sock")) and not list(directory.glob("code-*.zip")), list(directory.iterdir())


def test_the_worker_holds_no_credential_and_ends_when_idle(fresh_emulator, tmp_path):
    environment = task_environment(fresh_emulator, tmp_path, idle=3)
    secret = environment["AZURE_SECRET"]
    result = run_playbook(fresh_emulator, write_playbook(tmp_path, "one", [vault_task()]), env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert wait_for(lambda: worker_processes(tmp_path), 30)
    try:
        for cmdline, environ in worker_processes(tmp_path).values():
            assert secret.encode() not in cmdline and secret.encode() not in environ
            assert b"AZURE_" not in environ.replace(b"AZURE_BACKUP_TASK_WORKER_IDLE=", b"")
    finally:
        assert wait_for(lambda: not worker_processes(tmp_path), 20), "the worker outlived its idle timeout"
        end_workers(tmp_path)
    assert not list(worker_directory(tmp_path).glob("*.sock"))


def copy_collection(tmp_path, marker):
    """The collection as a second version: the same code with one module_utils file changed."""
    root = tmp_path / f"collections-{marker}"
    target = root / "ansible_collections" / "azure_backup" / "recovery_services"
    for part in ("plugins", "meta"):
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("galaxy.yml",):
        shutil.copy(ROOT / name, target / name)
    client = target / "plugins" / "module_utils" / "_tags.py"
    client.write_text(client.read_text() + f"\n# version {marker}\n")
    return root


def test_a_worker_with_other_code_never_runs_a_task(fresh_emulator, tmp_path):
    playbook = write_playbook(tmp_path, "vault", [vault_task()])
    result = run_playbook(fresh_emulator, playbook, env=task_environment(fresh_emulator, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    try:
        assert wait_for(lambda: list(worker_directory(tmp_path).glob("*.sock")), 30)
        old_workers = set(worker_processes(tmp_path))

        # The new version's task finds the old worker: it runs in its own process (here with the SDK), and the old worker ends.
        environment = task_environment(fresh_emulator, tmp_path)
        environment["ANSIBLE_COLLECTIONS_PATH"] = str(copy_collection(tmp_path, "two"))
        result = run_playbook(fresh_emulator, playbook, env=environment)
        assert result.returncode == 0, result.stdout + result.stderr
        assert wait_for(lambda: not set(worker_processes(tmp_path)) & old_workers, 15), "the stale worker did not end"

        # The next task of the new version starts a worker with the new code; the one after runs in it.
        run_playbook(fresh_emulator, playbook, env=environment)
        assert wait_for(lambda: list(worker_directory(tmp_path).glob("*.sock")), 30)
        shadowed = task_environment(fresh_emulator, tmp_path, shadow=True)
        shadowed["ANSIBLE_COLLECTIONS_PATH"] = environment["ANSIBLE_COLLECTIONS_PATH"]
        result = run_playbook(fresh_emulator, playbook, env=shadowed)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        end_workers(tmp_path)


def test_without_the_switch_no_worker_starts_and_the_task_imports_the_sdk_itself(fresh_emulator, tmp_path):
    """Also shows the other tests' proof can fail: with the broken ``azure`` first on PYTHONPATH and no worker, the task fails."""
    environment = task_environment(fresh_emulator, tmp_path, shadow=True)
    del environment["AZURE_BACKUP_TASK_WORKER"]
    result = run_playbook(fresh_emulator, write_playbook(tmp_path, "plain", [vault_task()]), env=environment)
    assert result.returncode != 0
    assert "Failed to import the required Python library (azure-identity)" in result.stdout
    assert not worker_directory(tmp_path).exists()
    assert not worker_processes(tmp_path)


def test_the_whole_rollout_runs_in_the_worker(tmp_path):
    """site.yml on the demo estate: every module kind (vault_runs batches, async runs and their polls, info modules)."""
    demo = start_emulator(ROOT / "tests" / "emulator" / "estates" / "demo.yml", extra_args=("--lro-delay", "0.2"))
    inventory = str(ROOT / "playbooks" / "inventories" / "emulator")
    try:
        environment = task_environment(demo, tmp_path, idle=60)
        result = run_playbook(demo, ROOT / "playbooks" / "site.yml", "-i", inventory, env=environment)
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
        assert worker_processes(tmp_path)

        # The no-change run, each Azure task in the worker: its own Python cannot import the SDKs.
        demo.control("POST", "requests/reset")
        environment = task_environment(demo, tmp_path, shadow=True, idle=60)
        result = run_playbook(demo, ROOT / "playbooks" / "site.yml", "-i", inventory, env=environment)
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
        assert "Failed to import the required Python library" not in result.stdout
        assert demo.control("GET", "requests")["writes"] == 0
        assert "changed=0" in result.stdout[result.stdout.rindex("PLAY RECAP"):]
    finally:
        end_workers(tmp_path)
        demo.process.terminate()
        demo.process.wait(timeout=10)
