"""One site.yml run survives Azure going away mid-way: the emulator is killed (SIGKILL) and restarted with its state.

The emulator runs as a subprocess with ``--state-file`` on a fixed port and state directory, so its endpoint
and CA stay the same across the restart, as Azure's do. While ``playbooks/site.yml`` protects the demo VMs
(after the first protected-item PUT), the emulator is killed with SIGKILL and started again from its state
file: connections are refused for a moment, answers in flight are lost, operations started before the kill
finish on their own deadlines. The one run must still end green with every eligible VM protected, read from
the restarted emulator's state.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import ROOT, playbook_env, start_emulator
from test_faults import DEMO_ESTATE, INVENTORY, assert_rollout_complete

PROTECT_PUT = "/protectedItems/"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_kept_emulator(state_dir, port):
    """An emulator whose endpoint, CA and world outlive its process: fixed port, state directory and state file."""
    return start_emulator(DEMO_ESTATE, extra_args=("--lro-delay", "0.5", "--port", str(port), "--state-dir", state_dir,
                                                   "--state-file", os.path.join(state_dir, "world.json")))


def wait_for_request(emulator, method, fragment, process, timeout=300):
    """Wait until the emulator logged ``method`` on a path containing ``fragment`` (or the playbook ended)."""
    deadline, since = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and process.poll() is None:
        log = emulator.control("GET", f"requests?since={since}")
        since = log.get("last_seq", since)
        if any(entry["method"] == method and fragment.lower() in entry["path"].lower() for entry in log["requests"]):
            return True
        time.sleep(0.2)
    return False


def test_one_site_run_survives_the_emulator_killed_and_restarted_with_its_state():
    state_dir, port = tempfile.mkdtemp(prefix="armemu-restart-"), free_port()
    emulator = start_kept_emulator(state_dir, port)
    playbook = subprocess.Popen(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(ROOT / "playbooks" / "site.yml"), "-i", str(INVENTORY)],
        env=playbook_env(emulator), cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for_request(emulator, "PUT", PROTECT_PUT, playbook), "site.yml ended before protecting any VM"
        emulator.process.send_signal(signal.SIGKILL)
        emulator.process.wait(timeout=10)
        time.sleep(1.0)  # Azure unreachable for a moment: connections refused
        emulator = start_kept_emulator(state_dir, port)
        stdout, stderr = playbook.communicate(timeout=600)
    finally:
        if playbook.poll() is None:
            playbook.kill()
    try:
        assert_rollout_complete(emulator, subprocess.CompletedProcess(playbook.args, playbook.returncode, stdout, stderr))
    finally:
        emulator.process.terminate()
        emulator.process.wait(timeout=10)
