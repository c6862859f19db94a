"""Resource groups over raw HTTPS (the resource SDK is not a dependency), exact status codes included."""

import time

from helpers import SUBSCRIPTION

API = "2022-09-01"


def group_path(name):
    return f"/subscriptions/{SUBSCRIPTION}/resourcegroups/{name}"


def test_create_update_head_get(raw):
    created = raw.arm("PUT", group_path("rg-new"), {"location": "North Europe", "tags": {"a": "1"}}, api_version=API)
    assert created.status_code == 201
    assert created.json()["location"] == "northeurope" and created.json()["properties"]["provisioningState"] == "Succeeded"
    updated = raw.arm("PUT", group_path("RG-NEW"), {"location": "northeurope", "tags": {"b": "2"}}, api_version=API)
    assert updated.status_code == 200 and updated.json()["name"] == "rg-new" and updated.json()["tags"] == {"b": "2"}
    assert raw.arm("HEAD", group_path("rg-new"), api_version=API).status_code == 204
    assert raw.arm("HEAD", group_path("rg-none"), api_version=API).status_code == 404
    missing = raw.arm("GET", group_path("rg-none"), api_version=API)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceGroupNotFound"
    moved = raw.arm("PUT", group_path("rg-new"), {"location": "westeurope"}, api_version=API)
    assert moved.status_code == 409


def test_delete_is_202_then_gone_with_its_resources(raw):
    raw.arm("PUT", f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app-weu/providers/Microsoft.RecoveryServices/vaults/rsv-in-app",
            {"location": "westeurope"})
    response = raw.arm("DELETE", group_path("rg-app-weu"), api_version=API)
    assert response.status_code == 202 and response.headers["Retry-After"] == "1"
    location = response.headers["Location"]
    assert location.startswith(f"{raw.emu.endpoint}/subscriptions/{SUBSCRIPTION}/operationresults/")
    headers = {"Authorization": f"Bearer {raw.token()}"}
    assert raw.session.get(location, headers=headers).status_code == 202
    time.sleep(0.3)
    assert raw.session.get(location, headers=headers).status_code == 200
    assert raw.arm("HEAD", group_path("rg-app-weu"), api_version=API).status_code == 404
    assert not any("/rg-app-weu/" in key for key in raw.emu.store.snapshot())


def test_list_is_paged(raw):
    raw.emu.settings.update({"page_size": 2})
    first = raw.arm("GET", f"/subscriptions/{SUBSCRIPTION}/resourcegroups", api_version=API).json()
    assert len(first["value"]) == 2 and first["nextLink"].startswith(raw.emu.endpoint)
    second = raw.session.get(first["nextLink"], headers={"Authorization": f"Bearer {raw.token()}"}).json()
    assert [group["name"] for group in first["value"] + second["value"]] == ["rg-backup-weu", "rg-app-weu", "rg-app-neu"]
    assert "nextLink" not in second
