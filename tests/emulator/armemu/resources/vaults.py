"""Recovery Services vaults (Microsoft.RecoveryServices/vaults, api-version 2026-11-01).

- ``PUT``: 201 create / 200 update with the vault in ``provisioningState: Creating`` / ``Updating``
  and ``Azure-AsyncOperation: V/operationStatus/{op}`` to poll (Azure's recorded answers: the vault
  is provisioned asynchronously); ``Succeeded`` when the operation ends. A new vault gets the three
  default backup policies at once.
- ``PATCH``: 200 with the vault when only tags, sku, identity or monitoring settings change; 202
  with ``Azure-AsyncOperation: V/operationStatus/{op}``, ``Location: V/operationResults/{op}`` and
  ``Retry-After`` when it touches settings Azure applies asynchronously (redundancy, security,
  encryption, restore settings, public network access). The change lands when the operation ends.
  This split is the emulator's choice: the spec allows both 200 and 202 for PATCH.
- ``DELETE``: at 2026 api-versions 202 + the same header pair, the vault disappears when the
  operation ends; at older ones 200 with no body, gone at once (recorded answers; SDK 4.x accepts
  only 202/204 and sends a 2026 version); 204 when it does not exist; 400
  ``ServiceResourceNotEmptyWithContainerDetails`` while containers or protected items remain.
- ``GET`` one; list by resource group and by subscription (paged).
- ``GET V/operationStatus/{op}`` (always 200 + status body) and ``V/operationResults/{op}``
  (202 while running, then 200 vault body for PATCH or 204 for DELETE).

Estate section (optional, vaults that exist from the start)::

    vaults:
      - {subscription: ..., resourceGroup: rg-backup-weu, name: rsv-demo, location: westeurope}
"""

import re
import uuid

from armemu.core.arm import deep_merge, normalise_location, require_resource_group, resource_group_id, system_data, weak_etag
from armemu.core.errors import ArmError, bad_request
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, result_response, status_response
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.core.validation import check_location, check_tags
from armemu.resources._vault_support import (VAULT, VAULT_TYPE, azure_spelling, backup_resources, request_vault_id, require_vault,
                                             storage_locked, vault_id)
from armemu.resources.backup_policies import seed_default_policies
from armemu.resources.resource_guard_proxies import require_authorization, weakened_security_operations

ESTATE_SECTIONS = ("vaults",)
ESTATE_PRIORITY = 30
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")
SKU = {"name": "RS0", "tier": "Standard"}
ASYNC_PATCH_PROPERTIES = frozenset({"redundancySettings", "securitySettings", "encryption", "restoreSettings", "publicNetworkAccess"})
READ_ONLY_PROPERTIES = frozenset({"provisioningState", "privateEndpointConnections", "privateEndpointStateForBackup",
                                  "privateEndpointStateForSiteRecovery", "backupStorageVersion", "secureScore", "bcdrSecurityLevel",
                                  "moveState", "moveDetails", "upgradeDetails", "resourceGuardOperationRequests"})
ALLOWED = {
    ("redundancySettings", "standardTierStorageRedundancy"): ("LocallyRedundant", "GeoRedundant", "ZoneRedundant"),
    ("redundancySettings", "crossRegionRestore"): ("Enabled", "Disabled"),
    ("securitySettings", "softDeleteSettings", "softDeleteState"): ("Enabled", "Disabled", "AlwaysON"),
    ("securitySettings", "softDeleteSettings", "enhancedSecurityState"): ("Enabled", "Disabled", "AlwaysON"),
    ("securitySettings", "immutabilitySettings", "state"): ("Disabled", "Unlocked", "Locked"),
    ("publicNetworkAccess",): ("Enabled", "Disabled"),
    ("restoreSettings", "crossSubscriptionRestoreSettings", "crossSubscriptionRestoreState"): ("Enabled", "Disabled", "PermanentlyDisabled"),
}
ASYNC_DELETE_SINCE = "2026-01-01"  # recorded answers: DELETE answered 200 at 2021-2022 api-versions, 202 + operationStatus at 2026 ones
IDENTITY_TYPES = ("None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned")


def default_properties():
    """A fresh vault's properties (contract §2.1, from a 2026 export)."""
    return {
        "provisioningState": "Succeeded",
        "publicNetworkAccess": "Enabled",
        "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Disabled"},
        "securitySettings": {
            "softDeleteSettings": {"softDeleteState": "Enabled", "softDeleteRetentionPeriodInDays": 14, "enhancedSecurityState": "Enabled"},
            "immutabilitySettings": {"state": "Disabled"},
            "multiUserAuthorization": "Disabled",
            "sourceScanConfiguration": {"state": "Enabled", "sourceScanIdentity": {"operationIdentityType": "SystemAssigned"}},
        },
        "monitoringSettings": {
            "azureMonitorAlertSettings": {"alertsForAllJobFailures": "Enabled", "alertsForAllReplicationIssues": "Enabled",
                                          "alertsForAllFailoverIssues": "Disabled"},
            "classicAlertSettings": {"alertsForCriticalOperations": "Disabled", "emailNotificationsForSiteRecovery": "Enabled"},
        },
        "restoreSettings": {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": "Enabled"}},
        "privateEndpointStateForBackup": "None",
        "privateEndpointStateForSiteRecovery": "None",
        "backupStorageVersion": "V2",
        "secureScore": "None",
        "bcdrSecurityLevel": "Poor",
        "moveState": "Unknown",
    }


def _lookup(properties, path):
    for key in path:
        if not isinstance(properties, dict):
            return None
        properties = properties.get(key)
    return properties


def _writable(properties):
    """The request's properties without read-only ones (multiUserAuthorization is read-only too)."""
    kept = {key: value for key, value in (properties or {}).items() if key not in READ_ONLY_PROPERTIES}
    if isinstance(kept.get("securitySettings"), dict):
        kept["securitySettings"] = {key: value for key, value in kept["securitySettings"].items() if key != "multiUserAuthorization"}
    return kept


def _check_values(properties):
    """Validate the enum values and rewrite them in Azure's spelling (matched case-insensitively)."""
    for path, allowed in ALLOWED.items():
        value = _lookup(properties, path)
        if value is None:
            continue
        spelled = azure_spelling(value, allowed)
        if spelled is None:
            raise bad_request(f"Invalid value '{value}' for 'properties.{'.'.join(path)}'. Allowed values: {', '.join(allowed)}.")
        _lookup(properties, path[:-1])[path[-1]] = spelled
    days = _lookup(properties, ("securitySettings", "softDeleteSettings", "softDeleteRetentionPeriodInDays"))
    if days is not None and not (isinstance(days, int) and 14 <= days <= 180):
        raise bad_request(f"Invalid soft delete retention period '{days}'. It must be between 14 and 180 days.")


def _check_transitions(old, new):
    """Changes Azure refuses: leaving AlwaysON soft delete / enhanced security, Locked immutability or
    permanently disabled cross-subscription restore; CRR on a non-GRS vault."""
    for setting in ("softDeleteState", "enhancedSecurityState"):
        path = ("securitySettings", "softDeleteSettings", setting)
        if _lookup(old, path) == "AlwaysON" and _lookup(new, path) != "AlwaysON":
            # Code and message as Azure answers them (seen in azure-cli issue #32383 and Terraform runs).
            raise ArmError(400, "BMSUserErrorDisablingSoftDeleteStateNotAllowed",
                           "Disabling soft delete or enhanced security state is not allowed for this vault. "
                           "Please contact Microsoft Support if this is not expected.")
    immutability = ("securitySettings", "immutabilitySettings", "state")
    if _lookup(old, immutability) == "Locked" and _lookup(new, immutability) != "Locked":
        raise bad_request("Immutability is Locked for this vault and cannot be changed: the setting is irreversible.")
    restore = ("restoreSettings", "crossSubscriptionRestoreSettings", "crossSubscriptionRestoreState")
    if _lookup(old, restore) == "PermanentlyDisabled" and _lookup(new, restore) != "PermanentlyDisabled":
        raise bad_request("Cross subscription restore is permanently disabled for this vault and cannot be enabled again.")
    if _lookup(new, ("redundancySettings", "crossRegionRestore")) == "Enabled" and \
            _lookup(new, ("redundancySettings", "standardTierStorageRedundancy")) != "GeoRedundant":
        raise bad_request("Cross Region Restore can be enabled only for vaults with GeoRedundant storage.")


def check_redundancy_change(store, vault, old_properties, new_properties):
    """Storage redundancy locks once a machine is registered (400 StorageModelModifyError, seen from Azure)."""
    path = ("redundancySettings", "standardTierStorageRedundancy")
    if _lookup(old_properties, path) != _lookup(new_properties, path) and storage_locked(store, vault):
        raise ArmError(400, "StorageModelModifyError", "Storage Redundancy option is locked when the first machine is registered "
                                                       "with the vault, and cannot be modified thereafter.")


def build_identity(requested, current, tenant_id):
    """Identity as Azure returns it: principalId/tenantId for system-assigned, ids per user-assigned one."""
    requested = requested or {"type": "None"}
    identity_type = azure_spelling(requested.get("type", "None"), IDENTITY_TYPES)
    if identity_type is None:
        raise bad_request(f"Invalid identity type '{requested.get('type')}'. Allowed values: {', '.join(IDENTITY_TYPES)}.")
    identity = {"type": identity_type}
    current = current or {}
    if "SystemAssigned" in identity_type:
        identity["principalId"] = current.get("principalId") or str(uuid.uuid4())
        identity["tenantId"] = tenant_id
    if "UserAssigned" in identity_type:
        known = current.get("userAssignedIdentities") or {}
        identity["userAssignedIdentities"] = {
            resource_id: known.get(resource_id) or {"principalId": str(uuid.uuid4()), "clientId": str(uuid.uuid4())}
            for resource_id in requested.get("userAssignedIdentities") or {}}
    return identity


def _check_sku(sku):
    if sku and azure_spelling(sku.get("name"), ("Standard", "RS0")) is None:
        raise bad_request(f"Invalid sku name '{sku.get('name')}'. Allowed values: Standard, RS0.")


def new_vault_body(ids, request, tenant_id, principal=None, current=None):
    """The stored vault for a PUT ``request`` (``ids`` = subscription, resource group, name)."""
    _check_sku(request.get("sku"))
    base = current["properties"] if current else default_properties()
    properties = deep_merge(base, _writable(request.get("properties")))
    _check_values(properties)
    _check_transitions(base, properties)
    return {
        "id": vault_id(*ids),
        "name": current["name"] if current else ids[2],
        "type": VAULT_TYPE,
        "location": normalise_location(request["location"]),
        "tags": dict(request.get("tags") or {}),
        "etag": weak_etag(),
        "sku": dict(SKU),
        "identity": build_identity(request.get("identity"), (current or {}).get("identity"), tenant_id),
        "properties": properties,
        "systemData": system_data(principal, (current or {}).get("systemData")),
    }


def patched_vault(vault, patch, tenant_id, principal):
    """``vault`` with a PATCH body merged in (validated; raises ArmError)."""
    _check_sku(patch.get("sku"))
    properties = deep_merge(vault["properties"], _writable(patch.get("properties")))
    _check_values(properties)
    _check_transitions(vault["properties"], properties)
    updated = dict(vault, properties=properties, etag=weak_etag(), systemData=system_data(principal, vault.get("systemData")))
    if "tags" in patch:
        updated["tags"] = dict(patch["tags"] or {})
    if "identity" in patch:
        updated["identity"] = build_identity(patch["identity"], vault.get("identity"), tenant_id)
    return updated


def create_vault(store, vault):
    """Store a new vault with its default backup policies."""
    store.put(vault["id"], vault)
    seed_default_policies(store, vault["id"])


def load_estate(store, estate):
    for spec in estate.get("vaults") or []:
        ids = (str(spec["subscription"]), spec["resourceGroup"], spec["name"])
        if not store.exists(resource_group_id(*ids[:2])):
            raise ValueError(f"vault {spec['name']}: resource group {spec['resourceGroup']} is not in the estate")
        create_vault(store, new_vault_body(ids, spec, str(estate["tenant"])))


def _check_name(name):
    if not NAME_PATTERN.match(name):
        raise ArmError(400, "InvalidResourceName",
                       f"Recovery Services vault name '{name}' is invalid: it must be 2 - 50 characters long, start with a letter, "
                       "and contain only letters, numbers and hyphens.")


def _check_location(request, current):
    if not request.get("location"):
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    check_location(request["location"], VAULT_TYPE)
    location = normalise_location(request["location"])
    if current and current["location"] != location:
        raise ArmError(409, "InvalidResourceLocation",
                       f"The resource '{current['name']}' already exists in location '{current['location']}' in resource group "
                       f"'{current['id'].split('/')[4]}'. A resource with the same name cannot be created in location '{location}'. "
                       "Please select a new resource name.")


def _polling_urls(req, operation):
    base = request_vault_id(req)
    query = {"api-version": req.api_version}
    return (req.url_for(f"{base}/operationStatus/{operation.id}", query),
            req.url_for(f"{base}/operationResults/{operation.id}", query))


def authorize_security_changes(req, old_properties, new_properties, request_properties):
    """Multi-user authorization: weakening soft delete or immutability needs the resource guard's consent."""
    for operation in weakened_security_operations(old_properties, new_properties):
        require_authorization(req, request_vault_id(req), operation, (request_properties or {}).get("resourceGuardOperationRequests"))


@route("PUT", VAULT)
def put_vault(req):
    subscription_id, group, name = req.params["subscriptionId"], req.params["resourceGroupName"], req.params["vaultName"]
    _check_name(name)
    require_resource_group(req.emu.store, subscription_id, group)
    request = req.json()
    check_tags(request.get("tags"))
    current = req.emu.store.get(request_vault_id(req))
    _check_location(request, current)
    vault = new_vault_body((subscription_id, group, name), request, req.emu.tenant, req.principal, current)
    if current:
        check_redundancy_change(req.emu.store, vault["id"], current["properties"], vault["properties"])
        authorize_security_changes(req, current["properties"], vault["properties"], request.get("properties"))
    vault["properties"]["provisioningState"] = "Updating" if current else "Creating"
    store = req.emu.store
    if current:
        store.put(vault["id"], vault)
    else:
        create_vault(store, vault)

    def provisioned():
        latest = store.get(vault["id"])
        if latest is not None:
            latest["properties"]["provisioningState"] = "Succeeded"
            store.put(vault["id"], latest)
    operation = req.emu.ops.start(vault["id"], on_complete=provisioned, kind="vault_update" if current else "vault_create")
    status_url = _polling_urls(req, operation)[0]
    return json_response(200 if current else 201, vault, {"Azure-AsyncOperation": status_url, **req.emu.ops.retry_after()})


@route("PATCH", VAULT)
def patch_vault(req):
    current = require_vault(req)
    patch = req.json()
    check_tags(patch.get("tags"))
    updated = patched_vault(current, patch, req.emu.tenant, req.principal)
    check_redundancy_change(req.emu.store, current["id"], current["properties"], updated["properties"])
    authorize_security_changes(req, current["properties"], updated["properties"], patch.get("properties"))
    if not ASYNC_PATCH_PROPERTIES & set((patch.get("properties") or {})):
        req.emu.store.put(current["id"], updated)
        return json_response(200, updated)
    store, vault = req.emu.store, current["id"]

    def apply_patch():
        latest = store.get(vault)
        if latest is not None:
            store.put(vault, patched_vault(latest, patch, req.emu.tenant, req.principal))
    operation = req.emu.ops.start(vault, on_complete=apply_patch, result=lambda: json_response(200, store.get(vault)), kind="vault_update")
    return accepted(req.emu.ops, operation, *_polling_urls(req, operation))


@route("GET", VAULT)
def get_vault(req):
    return json_response(200, require_vault(req))


@route("DELETE", VAULT)
def delete_vault(req):
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    vault = request_vault_id(req)
    if not req.emu.store.exists(vault):
        return empty_response(204)
    containers, items = backup_resources(req.emu.store, vault)
    if containers or items:
        raise ArmError(400, "ServiceResourceNotEmptyWithContainerDetails",
                       "Vault cannot be deleted as there are existing resources within the vault. Please ensure there are no backup "
                       "items, protected servers or backup management servers associated with this vault. Unregister the following "
                       f"containers associated with this vault before proceeding for deletion : {', '.join(containers or items)}")
    store = req.emu.store
    if (req.api_version or "") < ASYNC_DELETE_SINCE:
        store.delete_tree(vault)
        return empty_response(200)
    operation = req.emu.ops.start(vault, on_complete=lambda: store.delete_tree(vault), kind="vault_delete")
    return accepted(req.emu.ops, operation, *_polling_urls(req, operation))


@route("GET", VAULT + "/operationStatus/{operationId}")
def vault_operation_status(req):
    operation = req.emu.ops.get(req.params["operationId"], request_vault_id(req))
    return status_response(req.emu.ops, operation, f"{request_vault_id(req)}/operationStatus/{operation.id}")


@route("GET", VAULT + "/operationResults/{operationId}")
def vault_operation_result(req):
    operation = req.emu.ops.get(req.params["operationId"], request_vault_id(req))
    return result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)})


@route("GET", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults")
def list_vaults_in_group(req):
    group = require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    return paged_response(req, req.emu.store.children(group["id"], f"providers/{VAULT_TYPE}"))


@route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/vaults")
def list_vaults_in_subscription(req):
    pattern = re.compile(rf"^/subscriptions/{re.escape(req.params['subscriptionId'].lower())}/resourcegroups/[^/]+/providers/"
                         r"microsoft\.recoveryservices/vaults/[^/]+$")
    return paged_response(req, req.emu.store.find(lambda key, _: pattern.match(key)))
