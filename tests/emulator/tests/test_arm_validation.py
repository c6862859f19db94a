"""What ARM refuses before the resource provider: malformed subscription ids, unknown locations, tags beyond the limits."""

import pytest

from helpers import SUBSCRIPTION, vault_path

VAULT_BODY = {"location": "westeurope", "sku": {"name": "Standard"}}


def error_code(response):
    return response.json()["error"]["code"]


def test_a_subscription_id_that_is_not_a_guid_is_invalid(raw):
    response = raw.arm("GET", vault_path("rsv-any", subscription="Pay-As-You-Go"))
    assert response.status_code == 400 and error_code(response) == "InvalidSubscriptionId"
    assert "'Pay-As-You-Go' is malformed or invalid" in response.json()["error"]["message"]


def test_the_subscription_lists_its_locations(raw):
    response = raw.arm("GET", f"/subscriptions/{SUBSCRIPTION}/locations", api_version="2022-12-01")
    names = {location["name"]: location["displayName"] for location in response.json()["value"]}
    assert response.status_code == 200 and names["westeurope"] == "West Europe" and "mars-north-1" not in names


def test_a_vault_in_a_region_azure_does_not_offer_is_refused(raw):
    response = raw.arm("PUT", vault_path("rsv-mars"), dict(VAULT_BODY, location="mars-north-1"))
    assert response.status_code == 400 and error_code(response) == "LocationNotAvailableForResourceType"
    assert "'Microsoft.RecoveryServices/vaults'" in response.json()["error"]["message"]
    assert raw.arm("GET", vault_path("rsv-mars")).status_code == 404


@pytest.mark.parametrize("tags, code", [
    ({f"t{index}": "v" for index in range(51)}, "InvalidTagCount"),
    ({"a<b": "v"}, "InvalidTagNameCharacters"),
    ({"n" * 513: "v"}, "InvalidTagNameLength"),
    ({"name": "v" * 257}, "InvalidTagValueLength"),
])
def test_tags_beyond_arm_limits_are_refused(raw, tags, code):
    created = raw.arm("PUT", vault_path("rsv-tags"), dict(VAULT_BODY, tags=tags))
    assert created.status_code == 400 and error_code(created) == code
    raw.arm("PUT", vault_path("rsv-tags"), VAULT_BODY)
    patched = raw.arm("PATCH", vault_path("rsv-tags"), {"tags": tags})
    assert patched.status_code == 400 and error_code(patched) == code


def test_tags_at_the_limits_are_accepted(raw):
    tags = {f"t{index}": "v" for index in range(49)}
    tags["n" * 512] = "v" * 256
    assert raw.arm("PUT", vault_path("rsv-tags-ok"), dict(VAULT_BODY, tags=tags)).status_code == 201


@pytest.mark.parametrize("time_zone, status", [("Mars/Olympus_Mons", 400), ("Europe/Berlin", 400), ("W. Europe Standard Time", 200)])
def test_a_policy_time_zone_must_be_a_windows_id(raw, time_zone, status):
    assert raw.arm("PUT", vault_path("rsv-time-zones"), VAULT_BODY).status_code in (200, 201)
    policy = raw.arm("GET", vault_path("rsv-time-zones") + "/backupPolicies/DefaultPolicy").json()
    policy["properties"]["timeZone"] = time_zone
    response = raw.arm("PUT", vault_path("rsv-time-zones") + "/backupPolicies/vm-zoned", {"properties": policy["properties"]})
    assert response.status_code == status, response.text
    if status == 400:
        assert error_code(response) == "UserErrorInvalidRequestParameter"
    else:
        assert response.json()["properties"]["timeZone"] == time_zone
