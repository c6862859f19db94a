"""The Backup RP's vault settings ``V/backupconfig/vaultconfig`` (api-version 2026-10-01).

GET / PUT / PATCH all answer 200 with the resource. The resource is a view of the vault's
``properties.securitySettings.softDeleteSettings``: reading derives it from the vault and writing
updates the vault, so the two never disagree (contract §2.3). Turning soft delete or enhanced
security off, or shortening the retention, is a critical operation a resource guard protects
(resource_guard_proxies.py).

``GET V/backupEncryptionConfigs/backupResourceEncryptionConfig`` answers the vault's encryption as
the Backup RP reports it (az reads it before its vault PATCH of ``properties.encryption``).
"""

from armemu.core.errors import bad_request
from armemu.core.http import json_response
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, require_vault
from armemu.resources.resource_guard_proxies import require_authorization, weakened_security_operations
from armemu.resources.vaults import patched_vault

CONFIG = VAULT + "/backupconfig/vaultconfig"
FIELD_TO_VAULT = {
    "softDeleteFeatureState": "softDeleteState",
    "enhancedSecurityState": "enhancedSecurityState",
    "softDeleteRetentionPeriodInDays": "softDeleteRetentionPeriodInDays",
}


def vault_config(vault):
    soft_delete = vault["properties"]["securitySettings"]["softDeleteSettings"]
    return {
        "id": f"{vault['id']}/backupconfig/vaultconfig",
        "name": "vaultconfig",
        "type": "Microsoft.RecoveryServices/vaults/backupconfig",
        "properties": {
            "enhancedSecurityState": soft_delete.get("enhancedSecurityState", "Enabled"),
            "softDeleteFeatureState": soft_delete.get("softDeleteState", "Enabled"),
            "softDeleteRetentionPeriodInDays": soft_delete.get("softDeleteRetentionPeriodInDays", 14),
            "isSoftDeleteFeatureStateEditable": True,
            "resourceGuardOperationRequests": [],
        },
    }


def _write(req):
    vault = require_vault(req)
    requested = req.json().get("properties") or {}
    if not isinstance(requested, dict):
        raise bad_request("'properties' must be an object.")
    soft_delete = {FIELD_TO_VAULT[key]: value for key, value in requested.items() if key in FIELD_TO_VAULT}
    patch = {"properties": {"securitySettings": {"softDeleteSettings": soft_delete}}}
    updated = patched_vault(vault, patch, req.emu.tenant, req.principal)
    for operation in weakened_security_operations(vault["properties"], updated["properties"]):
        require_authorization(req, vault["id"], operation, requested.get("resourceGuardOperationRequests"))
    req.emu.store.put(vault["id"], updated)
    return json_response(200, vault_config(updated))


@route("GET", CONFIG)
def get_vault_config(req):
    return json_response(200, vault_config(require_vault(req)))


@route("PUT", CONFIG)
def put_vault_config(req):
    return _write(req)


@route("PATCH", CONFIG)
def patch_vault_config(req):
    return _write(req)


ENCRYPTION_CONFIG = VAULT + "/backupEncryptionConfigs/backupResourceEncryptionConfig"


def encryption_config(vault):
    """The Backup RP's view of the vault's encryption (``properties.encryption``, set by a vault PATCH).

    Customer-managed once a key is set: ``keyUri``, the identity used for it and the
    infrastructure-encryption state, ``lastUpdateStatus: Succeeded`` (spec example); otherwise
    ``MicrosoftManaged`` with ``lastUpdateStatus: NotEnabled`` (inferred).
    """
    encryption = vault["properties"].get("encryption") or {}
    key_uri = (encryption.get("keyVaultProperties") or {}).get("keyUri")
    properties = {"encryptionAtRestType": "CustomerManaged" if key_uri else "MicrosoftManaged",
                  "lastUpdateStatus": "Succeeded" if key_uri else "NotEnabled",
                  "infrastructureEncryptionState": encryption.get("infrastructureEncryption", "Disabled"),
                  "subscriptionId": vault["id"].split("/")[2]}
    if key_uri:
        identity = encryption.get("kekIdentity") or {}
        properties.update(keyUri=key_uri, useSystemAssignedIdentity=bool(identity.get("useSystemAssignedIdentity")))
        if identity.get("userAssignedIdentity"):
            properties["userAssignedIdentity"] = identity["userAssignedIdentity"]
    return {"id": f"{vault['id']}/backupEncryptionConfigs/backupResourceEncryptionConfig", "name": "backupResourceEncryptionConfig",
            "type": "Microsoft.RecoveryServices/vaults/backupEncryptionConfigs", "properties": properties}


@route("GET", ENCRYPTION_CONFIG)
def get_encryption_config(req):
    return json_response(200, encryption_config(require_vault(req)))
