"""The control API: request log, faults, settings, throttling and estate reset."""

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from helpers import GROUP, MINIMAL, SUBSCRIPTION, vault_path

from armemu.core.http import json_response
from armemu.core.routing import route


@route("POST", "/subscriptions/{subscriptionId}/providers/Microsoft.Test/locations/{location}/probe", write=False)
def read_like_probe(req):
    return json_response(200, {"location": req.params["location"]})


def test_request_log_counts_arm_requests_and_writes(rs_client, raw):
    rs_client.vaults.begin_create_or_update(GROUP, "rsv-log", {"location": "westeurope", "sku": {"name": "Standard"}}).result()
    rs_client.vaults.get(GROUP, "rsv-log")
    assert raw.arm("POST", f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Test/locations/westeurope/probe").status_code == 200
    raw.control("GET", "state")
    log = raw.requests_since()
    assert log["counts"]["PUT"] == 1 and log["counts"]["POST"] == 1 and log["counts"]["GET"] >= 2  # status polls + the GET
    assert log["writes"] == 1
    put = next(entry for entry in log["requests"] if entry["method"] == "PUT")
    assert put["path"] == vault_path("rsv-log") and put["status"] == 201 and put["principal"]
    assert put["query"] == {"api-version": "2026-11-01"}
    assert not any(entry["path"].startswith("/_emulator") for entry in log["requests"])
    later = raw.requests_since(put["seq"])
    assert all(entry["seq"] > put["seq"] for entry in later["requests"]) and later["last_seq"] == log["last_seq"]


def test_request_log_reset(raw, rs_client):
    list(rs_client.vaults.list_by_resource_group(GROUP))
    raw.control("POST", "requests/reset")
    assert raw.requests_since()["requests"] == []


def test_429_fault_is_retried_after_retry_after_and_logged(rs_client, raw):
    added = raw.control("POST", "faults", {"faults": [{"method": "GET", "path_regex": "/vaults$", "status": 429, "retry_after": 1, "times": 1}]})
    assert added.status_code == 200
    started = time.monotonic()
    assert not list(rs_client.vaults.list_by_resource_group(GROUP))
    assert time.monotonic() - started >= 0.9
    entries = raw.requests_since()["requests"]
    assert [entry["status"] for entry in entries] == [429, 200]
    assert entries[0]["fault"] == added.json()["faults"][0]["id"]
    assert raw.requests_since()["counts"] == {"GET": 2}
    assert raw.control("GET", "faults").json()["faults"] == []


def test_429_fault_body_and_headers(raw):
    raw.control("POST", "faults", {"faults": [{"method": "*", "path_regex": "rsv-throttled", "status": 429}]})
    response = raw.arm("GET", vault_path("rsv-throttled"))
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "SubscriptionRequestsThrottled"


def test_500_fault_with_custom_code_reaches_the_sdk(rs_client, raw):
    raw.control("POST", "faults", {"faults": [{"method": "GET", "path_regex": "rsv-broken", "status": 500, "code": "Boom",
                                               "message": "injected"}]})
    with pytest.raises(HttpResponseError) as caught:
        rs_client.vaults.get(GROUP, "rsv-broken", retry_total=0)
    assert caught.value.status_code == 500 and caught.value.error.code == "Boom"


def test_dropped_connection_is_retried(rs_client, raw):
    raw.control("POST", "faults", {"faults": [{"method": "GET", "path_regex": "/vaults$", "drop": True, "times": 1}]})
    assert not list(rs_client.vaults.list_by_resource_group(GROUP))
    entries = raw.requests_since()["requests"]
    assert [entry["dropped"] for entry in entries] == [True, False]


def test_delay_fault_slows_but_answers(raw):
    raw.control("POST", "faults", {"faults": [{"path_regex": "rsv-slow", "delay": 0.3, "times": 1}]})
    started = time.monotonic()
    assert raw.arm("GET", vault_path("rsv-slow")).status_code == 404
    assert time.monotonic() - started >= 0.3


def test_share_zero_never_hits_and_faults_can_be_cleared(raw):
    raw.control("POST", "faults", {"faults": [{"path_regex": ".", "status": 503, "share": 0.0}]})
    assert raw.arm("GET", vault_path("rsv-lucky")).status_code == 404
    assert len(raw.control("GET", "faults").json()["faults"]) == 1
    raw.control("DELETE", "faults")
    assert raw.control("GET", "faults").json()["faults"] == []


def test_bad_fault_and_settings_are_400(raw):
    assert raw.control("POST", "faults", {"faults": [{"status": 429, "colour": "red"}]}).status_code == 400
    assert raw.control("POST", "settings", {"retry_after": 0.5}).status_code == 400
    assert raw.control("POST", "settings", {"page_size": 0}).status_code == 400


def test_settings_round_trip(raw):
    changed = raw.control("POST", "settings", {"lro_delay": 2.5, "page_size": 7}).json()
    assert changed["lro_delay"] == 2.5 and changed["page_size"] == 7
    assert raw.control("GET", "settings").json()["page_size"] == 7


def test_throttle_bucket_answers_429(raw):
    raw.control("POST", "settings", {"throttle": {"reads": {"bucket": 2, "refill": 0.5}}})
    first = raw.arm("GET", vault_path("rsv-a"))
    second = raw.arm("GET", vault_path("rsv-b"))
    third = raw.arm("GET", vault_path("rsv-c"))
    assert first.headers["x-ms-ratelimit-remaining-subscription-reads"] == "1"
    assert second.headers["x-ms-ratelimit-remaining-subscription-reads"] == "0"
    assert third.status_code == 429 and third.headers["Retry-After"] == "2"
    assert third.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert raw.arm("PUT", vault_path("rsv-d"), {"location": "westeurope"}).status_code in (200, 201)


def test_bad_throttle_latency_and_duration_settings_are_400(raw):
    for bad in ({"throttle": {"reads": 2}}, {"throttle": {"reads": {"bucket": 0, "refill": 1}}},
                {"throttle": {"reads": {"bucket": 5, "refill": 0}}}, {"throttle": {"window": 60}},
                {"latency": {"read": -1}}, {"durations": {"teleport": 1}}, {"token_lifetime": 0}, {"profile": "cheap"}):
        response = raw.control("POST", "settings", bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "InvalidSettings"
    assert raw.control("POST", "settings", {"profile": "azure", "latency": {"read": -1}}).status_code == 400
    assert raw.control("GET", "settings").json()["profile"] == "fast"  # all or nothing


def test_estate_reset_from_a_path_and_state_dump(raw):
    assert raw.control("POST", "estate", {"path": str(MINIMAL)}).json()["tenant"] == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    resources = raw.control("GET", "state").json()["resources"]
    assert "/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-minimal" in resources
    assert raw.control("POST", "estate", {"tenant": "t"}).status_code == 200
    assert raw.control("POST", "estate", {"principals": []}).status_code == 400


def test_estate_vaults_section(raw, rs_client):
    estate = {"tenant": raw.emu.tenant,
              "principals": [{"client_id": "5b7e3c9a-1f2d-4e8b-9a6c-0d1e2f3a4b5c", "secret": "emulator-ci-secret",
                              "subscriptions": "*"}],
              "subscriptions": [{"id": SUBSCRIPTION, "displayName": "One"}],
              "resourceGroups": [{"subscription": SUBSCRIPTION, "name": GROUP, "location": "westeurope"}],
              "vaults": [{"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": "rsv-seeded", "location": "West Europe"}]}
    assert raw.control("POST", "estate", estate).status_code == 200
    assert rs_client.vaults.get(GROUP, "rsv-seeded").location == "westeurope"
    with pytest.raises(ResourceNotFoundError):
        rs_client.vaults.get(GROUP, "rsv-other")


def test_unknown_paths_and_methods(raw):
    unknown = raw.arm("GET", f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Nothing/things")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "InvalidResourceNamespace"
    assert "Microsoft.Nothing" in unknown.json()["error"]["message"]
    unknown_type = raw.arm("GET", f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.RecoveryServices/nothings")
    assert unknown_type.status_code == 404 and unknown_type.json()["error"]["code"] == "InvalidResourceType"
    wrong_method = raw.arm("POST", vault_path("rsv-post"))
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "MethodNotAllowed"
    assert raw.requests_since()["counts"] == {"GET": 2, "POST": 1}
