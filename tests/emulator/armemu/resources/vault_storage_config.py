"""The Backup RP's storage settings ``V/backupstorageconfig/vaultstorageconfig`` (api-version 2026-10-01).

GET 200; PUT 200 with the resource; PATCH **204 without a body** (the SDK accepts only 204).
A view of the vault's ``redundancySettings``: ``storageModelType``/``storageType`` mirror
``standardTierStorageRedundancy`` and ``crossRegionRestoreFlag`` mirrors ``crossRegionRestore``.
``storageTypeState`` is Unlocked until the first container or protected item exists in the vault,
then Locked; a redundancy change while Locked is 400 ``StorageModelModifyError``.
"""

from armemu.core.errors import bad_request
from armemu.core.http import empty_response, json_response
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, require_vault, storage_locked
from armemu.resources.vaults import check_redundancy_change, patched_vault

CONFIG = VAULT + "/backupstorageconfig/vaultstorageconfig"


def storage_config(store, vault):
    redundancy = vault["properties"]["redundancySettings"]
    storage_type = redundancy.get("standardTierStorageRedundancy", "GeoRedundant")
    return {
        "id": f"{vault['id']}/backupstorageconfig/vaultstorageconfig",
        "name": "vaultstorageconfig",
        "type": "Microsoft.RecoveryServices/vaults/backupstorageconfig",
        "properties": {
            "storageModelType": storage_type,
            "storageType": storage_type,
            "storageTypeState": "Locked" if storage_locked(store, vault["id"]) else "Unlocked",
            "crossRegionRestoreFlag": redundancy.get("crossRegionRestore") == "Enabled",
            "dedupState": "Disabled",
            "xcoolState": "Disabled",
        },
    }


def _redundancy_patch(requested):
    """The vault redundancy change a storage-config body asks for (newer ``storageModelType`` wins)."""
    change = {}
    storage_type = requested.get("storageModelType") or requested.get("storageType")
    if storage_type:
        change["standardTierStorageRedundancy"] = storage_type
    if "crossRegionRestoreFlag" in requested:
        if not isinstance(requested["crossRegionRestoreFlag"], bool):
            raise bad_request("'properties.crossRegionRestoreFlag' must be a boolean.")
        change["crossRegionRestore"] = "Enabled" if requested["crossRegionRestoreFlag"] else "Disabled"
    return {"properties": {"redundancySettings": change}}


def _write(req):
    vault = require_vault(req)
    requested = req.json().get("properties") or {}
    if not isinstance(requested, dict):
        raise bad_request("'properties' must be an object.")
    updated = patched_vault(vault, _redundancy_patch(requested), req.emu.tenant, req.principal)
    check_redundancy_change(req.emu.store, vault["id"], vault["properties"], updated["properties"])
    req.emu.store.put(vault["id"], updated)
    return updated


@route("GET", CONFIG)
def get_storage_config(req):
    return json_response(200, storage_config(req.emu.store, require_vault(req)))


@route("PUT", CONFIG)
def put_storage_config(req):
    return json_response(200, storage_config(req.emu.store, _write(req)))


@route("PATCH", CONFIG)
def patch_storage_config(req):
    _write(req)
    return empty_response(204)
