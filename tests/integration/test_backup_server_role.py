"""The backup_server role without Windows: what runs on the controller, and proof no host is touched.

As for mars_agent (test_mars_role.py): the inventory's MABS and DPM servers are unreachable
addresses; the controller-side gates (passphrase, vault, staging area, proxy) fail before any
connection, the vault credentials are made once per vault and never left on the controller, and no
secret reaches the output. The PowerShell tasks are skipped by tag or end UNREACHABLE
(see roles/backup_server/README.md).
"""

import os
import re
import time

import pytest

from conftest import INTEGRATION, run_playbook

PLAYBOOK = INTEGRATION / "backup_server_role" / "playbook.yml"
INVENTORY = INTEGRATION / "backup_server_role" / "inventory.yml"
HOST_TAGS = "backup_server_check,backup_server_register"
HOSTS = ("mabs-01", "dpm-01")
SECRETS = ("correct-horse-battery-staple-dpm", "ManagementCert", "RSBackupVaultAADCreds", "BEGIN PRIVATE KEY")


def role_run(emulator, credentials_dir, *args):
    return run_playbook(emulator, PLAYBOOK, "-i", str(INVENTORY), "-e", f"backup_server_credentials_dir={credentials_dir}", *args)


def writes(emulator):
    return emulator.control("GET", "requests?summary=true")["writes"]


def output(result):
    return result.stdout[-6000:] + result.stderr[-3000:]


def credentials_files(directory):
    return [os.path.join(root, name) for root, _dirs, files in os.walk(directory) for name in files if name.endswith(".VaultCredentials")]


@pytest.fixture
def fresh(emulator):
    emulator.reset()
    return emulator


def assert_failed_on_the_controller(result, emulator, credentials_dir):
    assert result.returncode == 2, output(result)
    assert "UNREACHABLE" not in result.stdout
    for host in HOSTS:
        assert re.search(rf"{host} +: ok=\d+ +changed=\d+ +unreachable=0 +failed=1 ", result.stdout), output(result)
    assert writes(emulator) == 0
    assert credentials_files(credentials_dir) == []
    assert not any(secret in result.stdout + result.stderr for secret in SECRETS)


def test_role_syntax_and_argument_specs(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "--syntax-check")
    assert result.returncode == 0, output(result)


@pytest.mark.parametrize("override, message", [
    ("backup_server_passphrase=only-15-chars!", "must be at least 16 characters"),
    ("backup_server_staging_area_path=staging", "must be an absolute Windows path"),
    ("backup_server_proxy_server=proxy.contoso.local", "backup_server_proxy_port 1-65535"),
])
def test_bad_input_fails_before_any_host_is_contacted(fresh, tmp_path, override, message):
    started = time.monotonic()
    result = role_run(fresh, tmp_path, "-e", override)
    assert_failed_on_the_controller(result, fresh, tmp_path)
    assert message in result.stdout, output(result)
    assert time.monotonic() - started < 30
    assert "only-15-chars!" not in result.stdout + result.stderr


def test_missing_passphrase_is_refused_by_the_argument_spec(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "-e", "backup_server_passphrase=")
    assert result.returncode == 2, output(result)
    assert "UNREACHABLE" not in result.stdout
    assert writes(fresh) == 0


def test_a_missing_vault_fails_before_any_host_is_contacted(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "-e", "backup_server_vault_name=rsv-it-nowhere")
    assert_failed_on_the_controller(result, fresh, tmp_path)
    assert "vault rsv-it-nowhere does not exist" in result.stdout, output(result)


def test_check_mode_controller_flow_writes_nothing(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "--check", "--skip-tags", HOST_TAGS)
    assert result.returncode == 0, output(result)
    assert "UNREACHABLE" not in result.stdout
    assert writes(fresh) == 0
    assert credentials_files(tmp_path) == []


def test_controller_flow_uploads_once_per_vault_and_leaves_no_file(fresh, tmp_path):
    result = role_run(fresh, tmp_path, "--skip-tags", HOST_TAGS)
    assert result.returncode == 0, output(result)
    assert writes(fresh) == 1  # two servers, one vault: one certificate upload
    assert credentials_files(tmp_path) == []


@pytest.mark.parametrize("verbosity", ["-v", "-vv", "-vvv", "-vvvv"])
def test_unreachable_hosts_leave_no_credentials_and_no_secret_in_the_output(fresh, tmp_path, verbosity):
    """Fails after the vault credentials were made (the servers are unreachable): no file left, no secret printed."""
    result = role_run(fresh, tmp_path, verbosity, "--diff")
    assert result.returncode == 4, output(result)  # 4: hosts unreachable
    for host in HOSTS:
        assert re.search(rf"{host} +: ok=\d+ +changed=\d+ +unreachable=1 ", result.stdout), output(result)
    assert writes(fresh) == 1
    assert credentials_files(tmp_path) == []
    seen = result.stdout + result.stderr
    for secret in SECRETS:
        assert secret not in seen
