"""Run every integration target (tests/integration/targets/*) with real ansible-playbook.

Each target is a tasks file a user could read as an example; it asserts on module results
and on the emulator's request log (tests/integration/common/requests.yml).
"""

import pytest

from conftest import INTEGRATION, run_playbook

TARGETS = sorted(path.name for path in (INTEGRATION / "targets").iterdir() if (path / "tasks" / "main.yml").exists())


@pytest.mark.parametrize("target", TARGETS)
def test_target(emulator, target):
    emulator.reset()
    result = run_playbook(emulator, INTEGRATION / "run_target.yml", "-e", f"target={target}", "--diff")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
