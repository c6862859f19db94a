"""The opt-in token cache (token_cache=unencrypted): a task that finds its token signs in without azure-identity.

Real module processes (``python -m``, as Ansible runs them) against an in-process emulator, so the test can make
ARM reject the cached token while the cache still holds it; HOME points at a temporary directory, where
azure-identity keeps the cache (``~/.IdentityService``). Nothing in the SDK or HTTP layer is patched.
"""

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from conftest import DEFAULT_ESTATE, EMULATOR_PATH, ROOT
from emulator_env import emulator_environment

sys.path.insert(0, str(EMULATOR_PATH))
from armemu.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

MODULE = "ansible_collections.azure_backup.recovery_services.plugins.modules.rsv_vault_info"
TOKEN_PATH = "/oauth2/v2.0/token"


@pytest.fixture(name="in_process_emulator")
def fixture_in_process_emulator():
    emulator = Emulator(str(DEFAULT_ESTATE), lro_delay=0.2).start()
    yield emulator
    emulator.stop()


def control(emulator, method, path):
    context = ssl.create_default_context(cafile=emulator.ca_file)
    request = urllib.request.Request(emulator.endpoint + "/_emulator/" + path, method=method)
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def run_module(environment, tmp_path):
    """Run rsv_vault_info as Ansible would; return its result and the modules it imported (``-X importtime``)."""
    arguments = tmp_path / "args.json"
    arguments.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"resource_group": "rg-backup-weu"}}))
    process = subprocess.run([sys.executable, "-X", "importtime", "-m", MODULE, str(arguments)], env=environment,
                             capture_output=True, text=True, check=False, cwd=str(tmp_path))
    imported = {line.split("|")[-1].strip() for line in process.stderr.splitlines() if line.startswith("import time:")}
    return json.loads(process.stdout), imported


def requests_since_reset(emulator):
    log = control(emulator, "GET", "requests")["requests"]
    control(emulator, "POST", "requests/reset")
    return [(entry["method"], entry["path"], entry["status"]) for entry in log]


def test_a_cached_token_is_served_without_azure_identity_and_replaced_when_arm_rejects_it(in_process_emulator, tmp_path):
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        azure_variables = emulator_environment(in_process_emulator.info(), yaml.safe_load(handle))
    environment = dict(os.environ, **azure_variables, HOME=str(tmp_path), AZURE_BACKUP_TOKEN_CACHE="unencrypted",
                       AZURE_BACKUP_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT / ".cache" / "collections"))
    control(in_process_emulator, "POST", "requests/reset")

    first, imported = run_module(environment, tmp_path)
    assert not first.get("failed"), first
    assert "azure.identity" in imported
    assert [path for dummy, path, dummy in requests_since_reset(in_process_emulator) if path.endswith(TOKEN_PATH)]
    cache_file = tmp_path / ".IdentityService" / "azure_backup.recovery_services.nocae"
    assert cache_file.stat().st_mode & 0o777 == 0o600

    second, imported = run_module(environment, tmp_path)
    assert second["vaults"] == first["vaults"]
    assert "azure.identity" not in imported and "msal" not in imported
    second_requests = requests_since_reset(in_process_emulator)
    assert not [path for dummy, path, dummy in second_requests if path.endswith(TOKEN_PATH)], second_requests
    assert len(second_requests) == 1, second_requests

    # ARM now rejects every token it issued (as after a revocation or clock skew); the cache still holds one.
    expired = [(token, client_id, time.time() - 1) for token, client_id, dummy in in_process_emulator.directory.tokens()]
    in_process_emulator.directory.restore_tokens(expired)
    third, imported = run_module(environment, tmp_path)
    assert third["vaults"] == first["vaults"], third
    assert "azure.identity" in imported
    third_requests = requests_since_reset(in_process_emulator)
    assert [status for method, path, status in third_requests if "/vaults" in path.lower()] == [401, 200]
    assert len([path for dummy, path, dummy in third_requests if path.endswith(TOKEN_PATH)]) == 1

    # The new token is in the cache: the next task is served from it again.
    dummy, imported = run_module(environment, tmp_path)
    assert "azure.identity" not in imported
    assert not [path for dummy, path, dummy in requests_since_reset(in_process_emulator) if path.endswith(TOKEN_PATH)]
