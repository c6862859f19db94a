"""A token ARM rejects as expired is acquired again once: the real SDK and azure-identity against the emulator.

The emulator runs in-process so the test can make ARM consider every issued token expired while the
client still holds it (what a revocation or a clock skew does); no SDK or HTTP code is patched.
"""

import json
import ssl
import sys
import time
import urllib.request

import pytest
import yaml

from conftest import DEFAULT_ESTATE, EMULATOR_PATH, ROOT
from emulator_env import emulator_environment

sys.path.insert(0, str(EMULATOR_PATH))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))
from armemu.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _client as client  # noqa: E402


@pytest.fixture(name="in_process_emulator")
def fixture_in_process_emulator():
    emulator = Emulator(str(DEFAULT_ESTATE), lro_delay=0.2).start()
    yield emulator
    emulator.stop()


def request_log(emulator):
    context = ssl.create_default_context(cafile=emulator.ca_file)
    with urllib.request.urlopen(emulator.endpoint + "/_emulator/requests", context=context, timeout=30) as response:
        return json.load(response)["requests"]


def test_an_expired_token_is_replaced_and_the_request_repeated(in_process_emulator, monkeypatch, tmp_path):
    with open(DEFAULT_ESTATE, encoding="utf-8") as handle:
        environment = emulator_environment(in_process_emulator.info(), yaml.safe_load(handle))
    monkeypatch.setenv("AZURE_BACKUP_CACHE_DIR", str(tmp_path))
    session = client.AzureSession(client.resolve_settings({"ca_bundle": in_process_emulator.ca_file}, environment))
    vaults = session.client("recoveryservices").vaults
    session.call("list vaults", lambda: list(vaults.list_by_subscription_id()))

    expired = [(token, client_id, time.time() - 1) for token, client_id, dummy in in_process_emulator.directory.tokens()]
    in_process_emulator.directory.restore_tokens(expired)
    session.call("list vaults again", lambda: list(vaults.list_by_subscription_id()))

    log = request_log(in_process_emulator)
    lists = [entry for entry in log if entry["path"].lower().endswith("/vaults")]
    token_requests = [entry for entry in log if entry["path"].endswith("/oauth2/v2.0/token")]
    assert [entry["status"] for entry in lists] == [200, 401, 200]
    assert len(token_requests) == 2
