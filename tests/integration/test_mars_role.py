"""The mars_agent role without Windows: what runs on the controller, and proof no host is touched.

No Windows host exists here, so the inventory's servers are unreachable addresses. The tests
show that the controller-side checks fail fast before any connection, that argument specs and
syntax hold, and that the controller part (vault credentials) runs once per vault in real and
check mode. The PowerShell tasks themselves are skipped by tag (see roles/mars_agent/README.md).
"""

import os
import re
import stat
import time

import pytest

from conftest import INTEGRATION, run_playbook

PLAYBOOK = INTEGRATION / "mars_role" / "playbook.yml"
INVENTORY = INTEGRATION / "mars_role" / "inventory.yml"
HOST_TAGS = "mars_install,mars_register,mars_policy"


def role_run(emulator, credentials_dir, *args):
    return run_playbook(emulator, PLAYBOOK, "-i", str(INVENTORY), "-e", f"mars_agent_credentials_dir={credentials_dir}", *args)


def writes(emulator):
    return emulator.control("GET", "requests?summary=true")["writes"]


def output(result):
    return result.stdout[-6000:] + result.stderr[-3000:]


@pytest.fixture
def fresh(emulator):
    emulator.reset()
    return emulator


def test_role_syntax_and_argument_specs(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "--syntax-check")
    assert result.returncode == 0, output(result)


def test_weak_passphrase_fails_before_any_host_is_contacted(fresh, tmp_path):
    started = time.monotonic()
    result = role_run(fresh, tmp_path, "-e", "mars_agent_passphrase=too-short")
    assert result.returncode == 2, output(result)
    assert "must be at least 16 characters" in result.stdout
    assert "UNREACHABLE" not in result.stdout
    for host in ("win-fs-01", "win-fs-02"):  # ok=1: the role's argument-spec validation, also controller-side
        assert re.search(rf"{host} +: ok=1 +changed=0 +unreachable=0 +failed=1 ", result.stdout), output(result)
    assert writes(fresh) == 0
    assert time.monotonic() - started < 30
    assert "too-short" not in result.stdout + result.stderr


def test_missing_passphrase_is_refused_by_the_argument_spec(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "-e", "mars_agent_passphrase=")
    assert result.returncode == 2, output(result)
    assert "UNREACHABLE" not in result.stdout
    assert writes(fresh) == 0


def test_check_mode_controller_flow_writes_nothing(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "--check", "--skip-tags", HOST_TAGS)
    assert result.returncode == 0, output(result)
    assert "unreachable=0" in result.stdout and "UNREACHABLE" not in result.stdout
    assert writes(fresh) == 0
    assert not any(name.endswith(".VaultCredentials") for _root, _dirs, files in os.walk(tmp_path) for name in files)


def credentials_files(directory):
    return [os.path.join(root, name) for root, _dirs, files in os.walk(directory) for name in files if name.endswith(".VaultCredentials")]


def test_controller_flow_uploads_once_per_vault_and_leaves_no_file(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "--skip-tags", HOST_TAGS)
    assert result.returncode == 0, output(result)
    assert writes(fresh) == 1  # two hosts, one vault: one certificate upload
    assert credentials_files(tmp_path) == []
    assert stat.S_IMODE(os.stat(tmp_path / "rsv-it-mars-role").st_mode) == 0o700


def test_kept_credentials_are_private_and_reused(fresh, tmp_path):
    first = role_run(fresh, tmp_path, "--skip-tags", HOST_TAGS, "-e", "mars_agent_keep_credentials=true")
    assert first.returncode == 0, output(first)
    assert writes(fresh) == 1
    made = credentials_files(tmp_path)
    assert len(made) == 1 and stat.S_IMODE(os.stat(made[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(made[0])).st_mode) == 0o700

    again = role_run(fresh, tmp_path, "--skip-tags", HOST_TAGS, "-e", "mars_agent_keep_credentials=true")
    assert again.returncode == 0, output(again)
    assert writes(fresh) == 0  # the play's reset counts the second run alone: the file was reused
    assert "ManagementCert" not in first.stdout + again.stdout


@pytest.mark.parametrize("verbosity", ["-v", "-vv", "-vvv", "-vvvv"])
def test_unreachable_hosts_leave_no_credentials_and_no_secret_in_the_output(fresh, tmp_path, verbosity):
    """Fails after the vault credentials were made (the hosts are unreachable): no file left, no secret printed."""
    result = role_run(fresh, tmp_path, verbosity, "--diff")
    assert result.returncode == 4, output(result)  # 4: hosts unreachable
    for host in ("win-fs-01", "win-fs-02"):
        assert re.search(rf"{host} +: ok=\d+ +changed=\d+ +unreachable=1 ", result.stdout), output(result)
    assert writes(fresh) == 1
    assert credentials_files(tmp_path) == []
    seen = result.stdout + result.stderr
    for secret in ("correct-horse-battery-staple", "ManagementCert", "<VaultCredential", "BEGIN PRIVATE KEY"):
        assert secret not in seen
