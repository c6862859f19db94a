"""Start the ARM emulator once per test session and run playbooks against it.

Safe under pytest-xdist (scripts/test.sh runs this stage with ``-n 2 --dist loadgroup``): every
worker is a session of its own, with its own emulator (port 0, its own state directory) and its
own metadata cache directory; each module whose tests share a module-scoped fixture (a rolled-out
estate, a built collection) is kept on one worker, so that fixture is built once.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from emulator_env import emulator_environment  # noqa: E402  pylint: disable=wrong-import-position
EMULATOR_PATH = ROOT / "tests" / "emulator"
INTEGRATION = ROOT / "tests" / "integration"
DEFAULT_ESTATE = INTEGRATION / "estate.yml"
# Modules whose tests need nothing but the session's emulator (reset by each test): spread one test
# at a time over the workers. Every other module's tests stay together on one worker.
SPREAD_MODULES = ("test_targets",)
# Each session (each xdist worker) caches the emulator's cloud metadata in its own directory, not in
# the user's ~/.cache where an earlier emulator on the same port may have left a document.
os.environ.setdefault("AZURE_BACKUP_CACHE_DIR", tempfile.mkdtemp(prefix="azure-backup-cache-"))


class RunningEmulator:
    """An emulator subprocess and the helpers tests use to talk to its control API."""

    def __init__(self, info, process):
        self.info = info
        self.process = process
        self.endpoint = info["endpoint"]
        self.ca_file = info["ca_file"]
        self._tls = ssl.create_default_context(cafile=self.ca_file)

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.endpoint + "/_emulator/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, context=self._tls, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def reset(self, estate=DEFAULT_ESTATE):
        self.control("DELETE", "faults")
        self.control("POST", "estate", {"path": str(estate)})
        self.control("POST", "requests/reset")


def start_emulator(estate=DEFAULT_ESTATE, extra_args=()):
    state_dir = tempfile.mkdtemp(prefix="armemu-")
    ready_file = os.path.join(state_dir, "ready.json")
    env = dict(os.environ, PYTHONPATH=str(EMULATOR_PATH))
    process = subprocess.Popen(
        [sys.executable, "-m", "armemu", "--estate", str(estate), "--port", "0", "--state-dir", state_dir,
         "--ready-file", ready_file, *extra_args],
        env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(state_dir, "emulator.log"), "w"))
    deadline = time.monotonic() + 30
    while not os.path.exists(ready_file) or not os.path.getsize(ready_file):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"emulator did not start; see {state_dir}/emulator.log")
        time.sleep(0.1)
    time.sleep(0.05)
    with open(ready_file, encoding="utf-8") as handle:
        return RunningEmulator(json.load(handle), process)


def playbook_env(emulator):
    """The environment a user would set for a custom cloud: AWX's variable names, our CA."""
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        estate = yaml.safe_load(handle)
    env = dict(os.environ)
    env.update(emulator_environment(emulator.info, estate))
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".cache" / "collections"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    })
    return env


def run_playbook(emulator, playbook, *args, env=None):
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook),
               "-e", f"emulator_endpoint={emulator.endpoint}", "-e", f"emulator_ca={emulator.ca_file}", *args]
    return subprocess.run(command, env=env or playbook_env(emulator), cwd=str(ROOT), capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def emulator():
    running = start_emulator(extra_args=("--lro-delay", "0.3"))
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def pytest_configure(config):
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one pytest-xdist worker")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__ not in SPREAD_MODULES:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
