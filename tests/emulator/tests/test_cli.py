"""``python -m armemu``: one JSON line on stdout, the same JSON in --ready-file, clean stop on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from helpers import DEMO

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def test_cli_prints_one_json_line_and_serves(tmp_path):
    ready = tmp_path / "ready.json"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    command = [sys.executable, "-m", "armemu", "--estate", str(DEMO), "--state-dir", str(tmp_path / "state"),
               "--ready-file", str(ready), "--lro-delay", "0.5"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            info = json.loads(process.stdout.readline())
            assert set(info) == {"endpoint", "ca_file", "tenant", "metadata_url", "pid"}
            assert info["pid"] == process.pid and info["metadata_url"] == info["endpoint"] + "/metadata/endpoints"
            assert json.loads(ready.read_text()) == info
            assert Path(info["ca_file"]).parent == tmp_path / "state"
            health = requests.get(info["endpoint"] + "/_emulator/health", verify=info["ca_file"], timeout=5)
            assert health.json()["status"] == "ok"
            assert requests.get(info["endpoint"] + "/_emulator/settings", verify=info["ca_file"], timeout=5).json()["lro_delay"] == 0.5
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
