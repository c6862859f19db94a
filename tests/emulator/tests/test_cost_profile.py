"""The Azure cost profile: ARM's token buckets and headers, latency, durations, token expiry,
a state file that survives a kill -9, the applied-then-dropped fault and the cost report."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient

from backup_flow import FABRIC, names, policy_id, vm_resource_id
from helpers import CLIENT_ID, DEMO, GROUP, SECRET, SUBSCRIPTION, TENANT, vault_path
from vm_estate import VAULT, vm_estate

from armemu.core.costs import bucket_floor, throttle_floor
from armemu.core.settings import AZURE_BUCKETS, AZURE_DURATIONS, Settings
from armemu.core.throttle import TokenBucket, bucket_kind
from armemu.server import Emulator

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
GROUPS = f"/subscriptions/{SUBSCRIPTION}/resourcegroups"
READS = "x-ms-ratelimit-remaining-subscription-reads"
WRITES = "x-ms-ratelimit-remaining-subscription-writes"
DELETES = "x-ms-ratelimit-remaining-subscription-deletes"


def azure_costs(raw, **overrides):
    """The Azure profile without its latency, so a test measures the buckets alone."""
    settings = {"profile": "azure", "latency": {"read": 0, "write": 0}, **overrides}
    assert raw.control("POST", "settings", settings).status_code == 200


# --- the arithmetic -----------------------------------------------------------------------------

def test_bucket_floor_is_the_overflow_over_the_refill_rate():
    assert bucket_floor(200, size=200, refill=10) == 0
    assert bucket_floor(150, size=200, refill=10) == 0
    assert bucket_floor(1200, size=200, refill=10) == 100
    assert bucket_floor(300, size=250, refill=25) == 2


def test_throttle_floor_is_the_slowest_bucket():
    consumed = {"subscription/s1/p/reads": 750, "subscription/s1/p/writes": 450, "subscription/s2/p/writes": 100}
    assert throttle_floor(consumed, AZURE_BUCKETS) == 25  # writes: (450 - 200) / 10; reads: (750 - 250) / 25 = 20
    assert throttle_floor({}, AZURE_BUCKETS) == 0


def test_token_bucket_refills_continuously_and_names_the_wait():
    bucket = TokenBucket(200, 10, now=0.0)
    assert [bucket.take(0.0)[0] for _attempt in range(200)] == [True] * 200
    assert bucket.take(0.0) == (False, 1)
    assert bucket.take(0.05) == (False, 1)
    assert bucket.take(0.1) == (True, 0)
    slow = TokenBucket(1, 0.25, now=0.0)
    assert slow.take(0.0) == (True, 0)
    assert slow.take(1.0) == (False, 3)  # 0.25 token there, 0.75 more at 0.25/s
    assert slow.take(100.0) == (True, 0)  # never more than the bucket holds


def test_post_actions_count_as_writes():
    assert [bucket_kind(method) for method in ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE")] == \
        ["reads", "reads", "writes", "writes", "writes", "deletes"]


def test_profiles_and_operation_kinds():
    settings = Settings()
    assert settings.throttle == {} and settings.latency == {"read": 0.0, "write": 0.0}
    assert settings.duration("protect") == 1.0 and settings.duration("backup_job") == 2.0
    settings.update({"profile": "azure"})
    assert settings.throttle == AZURE_BUCKETS
    assert settings.duration("protect") == AZURE_DURATIONS["protect"] and settings.duration("unknown-kind") == 1.0
    settings.update({"profile": "azure", "durations": {"protect": 3}})
    assert settings.duration("protect") == 3 and settings.duration("refresh_containers") == AZURE_DURATIONS["refresh_containers"]
    settings.update({"profile": "fast"})
    assert settings.throttle == {} and settings.durations == {}


# --- ARM's buckets on the wire --------------------------------------------------------------------

def test_fast_profile_never_throttles_and_reports_full_buckets(raw):
    for _attempt in range(3):
        response = raw.arm("GET", vault_path("rsv-none"))
        assert response.status_code == 404 and response.headers[READS] == "250"
    assert raw.arm("DELETE", f"{GROUPS}/rg-nothing-here", api_version="2022-09-01").headers[DELETES] == "200"


def test_reads_bucket_throttles_at_the_published_rate(raw, emu):
    """Sixteen clients read as fast as they can: 250 reads pass at once, then 25 a second."""
    azure_costs(raw)
    bearer = {"Authorization": f"Bearer {raw.token()}"}
    url = emu.endpoint + vault_path("rsv-none")
    answers, stop = [], threading.Event()

    def reader():
        session = requests.Session()
        session.verify, session.trust_env = emu.ca_file, False
        while not stop.is_set() and len(answers) < 3000:
            response = session.get(url, params={"api-version": "2026-11-01"}, headers=bearer)
            answers.append(response)
            if response.status_code == 429:
                stop.set()

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: reader(), range(16)))
    elapsed = time.monotonic() - started
    passed = [response for response in answers if response.status_code == 404]
    refused = [response for response in answers if response.status_code == 429]
    assert refused, f"{len(passed)} reads in {elapsed:.1f} s were never throttled"
    # 250 from the full bucket plus what refilled at 25/s while the requests were sent
    assert 250 <= len(passed) <= 250 + 25 * elapsed + 1
    assert min(int(response.headers[READS]) for response in passed) == 0
    assert max(int(response.headers[READS]) for response in passed) == 249
    assert refused[0].headers["Retry-After"] == "1" and refused[0].headers[READS] == "0"
    assert refused[0].json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert "https://aka.ms/arm-throttling" in refused[0].json()["error"]["message"]
    costs = raw.control("GET", "costs").json()
    assert costs["throttled"] == len(refused) and costs["by_bucket"]["reads"] == len(passed)


def test_headers_count_down_per_bucket_and_post_draws_on_writes(raw):
    # Azure's bucket sizes with a refill too slow to add a token while the test runs, however loaded the
    # machine: the headers then count exactly one token a request (the refill rates have their own tests).
    azure_costs(raw, throttle={kind: {"bucket": bucket["bucket"], "refill": 0.001} for kind, bucket in AZURE_BUCKETS.items()})
    writes = [raw.arm("POST", f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.RecoveryServices/locations/westeurope/backupStatus",
                      {"resourceId": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z",
                       "resourceType": "VM"}, api_version="2023-04-01") for _attempt in range(3)]
    assert [int(response.headers[WRITES]) for response in writes] == [199, 198, 197]
    assert all(READS not in response.headers for response in writes)
    read = raw.arm("GET", vault_path("rsv-none"))
    assert read.headers[READS] == "249" and WRITES not in read.headers
    deleted = raw.arm("DELETE", f"{GROUPS}/rg-not-there", api_version="2022-09-01")
    assert deleted.headers[DELETES] == "199"


def test_buckets_are_per_principal(raw, emu):
    second = {"client_id": "3d4e5f60-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "secret": "second-secret", "subscriptions": [SUBSCRIPTION]}
    emu.directory.load(emu.tenant, [*emu.directory.principal_specs, second])
    azure_costs(raw, throttle={"reads": {"bucket": 2, "refill": 0.5}})
    for expected in ("1", "0"):
        assert raw.arm("GET", vault_path("rsv-none")).headers[READS] == expected
    assert raw.arm("GET", vault_path("rsv-none")).status_code == 429
    token = requests.post(f"{emu.endpoint}/{TENANT}/oauth2/v2.0/token", verify=emu.ca_file, timeout=10, data={
        "client_id": second["client_id"], "client_secret": second["secret"], "grant_type": "client_credentials",
        "scope": "https://management.azure.com/.default"}).json()["access_token"]
    answer = raw.arm("GET", vault_path("rsv-none"), headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404 and answer.headers[READS] == "1"


def test_a_client_that_honours_the_headers_is_never_refused(raw):
    azure_costs(raw, throttle={"writes": {"bucket": 5, "refill": 10}})
    started = time.monotonic()
    for index in range(15):
        response = raw.arm("PUT", f"{GROUPS}/rg-paced-{index}", {"location": "westeurope"}, api_version="2022-09-01")
        assert response.status_code == 201
        if int(response.headers[WRITES]) == 0:
            time.sleep(0.1)  # one token at 10/s: what the bucket's refill gives back
    costs = raw.control("GET", "costs").json()
    assert costs["status_429"] == 0 and costs["by_bucket"]["writes"] == 15
    assert costs["throttle_floor_seconds"] == pytest.approx((15 - 5) / 10)
    assert time.monotonic() - started >= (15 - 5) / 10 * 0.9


def test_the_sdk_rides_out_the_buckets_on_retry_after(rs_client, raw):
    azure_costs(raw, throttle={"reads": {"bucket": 2, "refill": 2}})
    for _attempt in range(4):
        assert not list(rs_client.vaults.list_by_resource_group(GROUP))
    costs = raw.control("GET", "costs").json()
    assert costs["throttled"] >= 1 and costs["by_method"]["GET"] == 4 + costs["throttled"]


def test_cost_report_counts_and_floor(raw):
    raw.arm("GET", vault_path("rsv-none"))
    raw.arm("PUT", f"{GROUPS}/rg-cost", {"location": "westeurope"}, api_version="2022-09-01")
    raw.arm("POST", vault_path("rsv-none"))  # 405: refused before ARM's throttle, so it took no token
    costs = raw.control("GET", "costs").json()
    assert costs["requests"] == 3 and costs["by_method"] == {"GET": 1, "PUT": 1, "POST": 1}
    assert costs["by_bucket"] == {"reads": 1, "writes": 1, "deletes": 0} and costs["writes"] == 2
    assert costs["throttle_floor_seconds"] == 0 and costs["limits"] == AZURE_BUCKETS
    bucket = f"subscription/{SUBSCRIPTION}/{CLIENT_ID}/writes"
    assert costs["buckets"][bucket] == {"consumed": 1, "bucket": 200, "refill": 10, "floor_seconds": 0}
    later = raw.control("GET", f"costs?since={costs['last_seq']}").json()
    assert later["requests"] == 0


# --- latency and durations ----------------------------------------------------------------------

def test_latency_is_added_per_read_and_write(raw):
    raw.control("POST", "settings", {"latency": {"read": 0.4, "write": 0.0}})
    started = time.monotonic()
    raw.arm("GET", vault_path("rsv-none"))
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    raw.arm("PUT", f"{GROUPS}/rg-quick", {"location": "westeurope"}, api_version="2022-09-01")
    assert time.monotonic() - started < 0.4


def test_operation_durations_come_from_the_kind(raw):
    raw.arm("PUT", f"{GROUPS}/rg-doomed", {"location": "westeurope"}, api_version="2022-09-01")
    raw.control("POST", "settings", {"durations": {"resource_group_delete": 1.0}})
    started = time.monotonic()
    location = raw.arm("DELETE", f"{GROUPS}/rg-doomed", api_version="2022-09-01").headers["Location"]
    while raw.session.get(location, headers={"Authorization": f"Bearer {raw.token()}"}).status_code == 202:
        time.sleep(0.1)
    assert 0.9 <= time.monotonic() - started < 3
    assert raw.arm("HEAD", f"{GROUPS}/rg-doomed", api_version="2022-09-01").status_code == 404


# --- tokens -------------------------------------------------------------------------------------

def _token(emu):
    response = requests.post(f"{emu.endpoint}/{TENANT}/oauth2/v2.0/token", verify=emu.ca_file, timeout=10, data={
        "client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials",
        "scope": "https://management.azure.com/.default"})
    assert response.status_code == 200
    return response.json()


def test_an_expired_token_is_401_then_a_fresh_one_works(raw, emu):
    raw.control("POST", "settings", {"token_lifetime": 1})
    issued = _token(emu)
    assert issued["expires_in"] == 1
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    assert raw.arm("GET", vault_path("rsv-none"), headers=bearer).status_code == 404
    time.sleep(1.2)
    expired = raw.arm("GET", vault_path("rsv-none"), headers=bearer)
    assert expired.status_code == 401 and "Retry-After" not in expired.headers
    error = expired.json()["error"]
    assert error["code"] == "ExpiredAuthenticationToken"
    assert error["message"].startswith("The access token expiry UTC time '") and "' is earlier than current UTC time '" in error["message"]
    assert expired.headers["WWW-Authenticate"].startswith(f'Bearer authorization_uri="{emu.endpoint}/{TENANT}", error="invalid_token"')
    fresh = {"Authorization": f"Bearer {_token(emu)['access_token']}"}
    assert raw.arm("GET", vault_path("rsv-none"), headers=fresh).status_code == 404


# --- faults -------------------------------------------------------------------------------------

def test_applied_then_dropped_write_really_landed(raw):
    raw.control("POST", "faults", {"faults": [{"method": "PUT", "path_regex": "/resourcegroups/rg-lost-answer$", "drop_after": True,
                                               "times": 1}]})
    with pytest.raises(requests.ConnectionError):
        raw.arm("PUT", f"{GROUPS}/rg-lost-answer", {"location": "westeurope"}, api_version="2022-09-01")
    assert raw.arm("GET", f"{GROUPS}/rg-lost-answer", api_version="2022-09-01").status_code == 200
    put = next(entry for entry in raw.requests_since()["requests"] if entry["method"] == "PUT")
    assert put["answer_lost"] and put["dropped"] and put["status"] == 201 and put["fault"]
    assert raw.control("GET", "costs").json()["answers_lost"] == 1


def test_a_fault_mix_draws_each_outcome_repeatably(raw):
    mix = {"429": 0.2, "500": 0.2, "503": 0.2, "drop": 0.2, "drop_after": 0.1}
    added = raw.control("POST", "faults", {"faults": [{"method": "GET", "path_regex": "rsv-mixed", "mix": mix, "seed": 7}]})
    assert added.status_code == 200
    statuses = []
    for _attempt in range(30):
        try:
            statuses.append(raw.arm("GET", vault_path("rsv-mixed")).status_code)
        except requests.ConnectionError:
            statuses.append("dropped")
    outcomes = raw.control("GET", "faults").json()["faults"][0]["outcomes"]
    assert set(outcomes) == {"429", "500", "503", "drop", "drop_after"}
    assert sum(outcomes.values()) == 30 - statuses.count(404)
    assert statuses.count("dropped") == outcomes["drop"] + outcomes["drop_after"]
    assert statuses.count(429) == outcomes["429"] and statuses.count(503) == outcomes["503"]
    raw.control("DELETE", "faults")
    raw.control("POST", "faults", {"faults": [{"method": "GET", "path_regex": "rsv-mixed", "mix": mix, "seed": 7}]})
    again = []
    for _attempt in range(30):
        try:
            again.append(raw.arm("GET", vault_path("rsv-mixed")).status_code)
        except requests.ConnectionError:
            again.append("dropped")
    assert again == statuses


def test_bad_mix_is_400(raw):
    for mix in ({"418": 0.1}, {"429": 0.8, "500": 0.5}, {}):
        assert raw.control("POST", "faults", {"faults": [{"mix": mix}]}).status_code == 400


# --- state that survives a restart ----------------------------------------------------------------

def _start(tmp_path, *extra):
    ready = tmp_path / "ready.json"
    if ready.exists():
        ready.unlink()
    command = [sys.executable, "-m", "armemu", "--estate", str(DEMO), "--state-dir", str(tmp_path / "tls"),
               "--ready-file", str(ready), "--state-file", str(tmp_path / "world.json"), *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)})  # pylint: disable=consider-using-with
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return process, json.loads(ready.read_text())


def test_state_file_keeps_the_world_across_a_kill_9(tmp_path):
    process, info = _start(tmp_path, "--profile", "azure", "--read-latency", "0", "--write-latency", "0",
                           "--duration", "resource_group_delete=12", "--throttle", "writes=50:5")
    session = requests.Session()
    session.verify = info["ca_file"]
    session.trust_env = False  # the machine's REQUESTS_CA_BUNDLE would win over verify
    try:
        settings = session.get(info["endpoint"] + "/_emulator/settings", timeout=10).json()
        assert settings["profile"] == "azure" and settings["throttle"] == {**AZURE_BUCKETS, "writes": {"bucket": 50, "refill": 5}}
        assert settings["durations"]["resource_group_delete"] == 12 and settings["durations"]["protect"] == AZURE_DURATIONS["protect"]
        token = session.post(f"{info['endpoint']}/{TENANT}/oauth2/v2.0/token", timeout=10, data={
            "client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "client_credentials",
            "scope": "https://management.azure.com/.default"}).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        params = {"api-version": "2022-09-01"}
        assert session.put(f"{info['endpoint']}{GROUPS}/rg-kept", json={"location": "westeurope"}, params=params,
                           headers=bearer).status_code == 201
        deleting = session.delete(f"{info['endpoint']}{GROUPS}/rg-app-weu", params=params, headers=bearer)
        assert deleting.status_code == 202
        status_path = deleting.headers["Location"].split(info["endpoint"], 1)[1]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    process, info = _start(tmp_path)
    try:
        def call(method, path, **kwargs):
            return session.request(method, info["endpoint"] + path, headers=bearer, timeout=10, **kwargs)
        assert call("GET", f"{GROUPS}/rg-kept", params=params).status_code == 200  # the token survived too
        assert call("GET", status_path).status_code == 202  # the delete is still running
        assert call("HEAD", f"{GROUPS}/rg-app-weu", params=params).status_code == 204
        deadline = time.monotonic() + 30
        while call("GET", status_path).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert call("HEAD", f"{GROUPS}/rg-app-weu", params=params).status_code == 404
        saved = session.post(info["endpoint"] + "/_emulator/state/save", timeout=10)
        assert saved.status_code == 200 and saved.json()["path"] == str(tmp_path / "world.json")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    world = json.loads((tmp_path / "world.json").read_text())
    assert f"{GROUPS}/rg-kept".lower() in world["resources"] and f"{GROUPS}/rg-app-weu".lower() not in world["resources"]


def test_profile_and_settings_through_the_constructor(tmp_path):
    emulator = Emulator(DEMO, state_dir=str(tmp_path), profile="azure", settings={"durations": {"protect": 5}, "token_lifetime": 60})
    try:
        assert emulator.settings.profile == "azure" and emulator.settings.throttle == AZURE_BUCKETS
        assert emulator.settings.duration("protect") == 5 and emulator.settings.token_lifetime == 60
        assert emulator.settings.latency == {"read": 0.2, "write": 0.5}
    finally:
        emulator.stop()


def test_a_protect_running_at_a_crash_completes_after_the_restart(tmp_path):
    """The operation's callback cannot be saved; the resources it would write are, and land on its deadline."""
    estate, state = vm_estate(), tmp_path / "world.json"
    container, item = names("vm-linux-01")
    body = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": vm_resource_id("vm-linux-01"),
                           "policyId": policy_id()}}
    first = Emulator(estate, state_dir=str(tmp_path), settings={"durations": {"protect": 2}}, state_file=state).start()
    client = _backup_client(first)
    client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container, item, body, polling=False)  # the 202 only
    first._httpd.shutdown()  # pylint: disable=protected-access
    first._httpd.server_close()  # pylint: disable=protected-access
    second = Emulator(estate, state_dir=str(tmp_path), state_file=state).start()  # a crash: the first never saved on stop
    try:
        client = _backup_client(second)
        with pytest.raises(ResourceNotFoundError):
            client.protected_items.get(VAULT, GROUP, FABRIC, container, item)
        time.sleep(2.2)
        protected = client.protected_items.get(VAULT, GROUP, FABRIC, container, item)
        assert protected.properties.source_resource_id.lower() == vm_resource_id("vm-linux-01").lower()
        jobs = [job.properties for job in client.backup_jobs.list(VAULT, GROUP)]
        assert [(job.operation, job.status) for job in jobs] == [("ConfigureBackup", "Completed")]
    finally:
        second.stop()


def _backup_client(emulator):
    credential = ClientSecretCredential(emulator.tenant, CLIENT_ID, SECRET, authority=emulator.endpoint,
                                        disable_instance_discovery=True, connection_verify=emulator.ca_file)
    return RecoveryServicesBackupClient(credential, SUBSCRIPTION, base_url=emulator.endpoint, connection_verify=emulator.ca_file,
                                        credential_scopes=["https://management.azure.com/.default"], polling_interval=1)
