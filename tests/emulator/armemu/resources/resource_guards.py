"""Resource guards (Microsoft.DataProtection/resourceGuards, api-version 2025-07-01): read-only.

A resource guard is what a vault's multi-user authorization (MUA) points at; the security admin
owns it, usually in another subscription or tenant. The emulator serves ``GET`` by id (200, the
body of the 2025-07-01 ``GetResourceGuard`` example) and keeps, beside the body, which tenant the
guard lives in: a guard of another tenant can only be used with the
``x-ms-authorization-auxiliary`` token (see resource_guard_proxies.py).

Estate section::

    resourceGuards:
      - {subscription: ..., resourceGroup: rg-security, name: guard-weu, location: westeurope}
      - {subscription: ..., resourceGroup: rg-sec, name: guard-remote, location: westeurope,
         tenant: 11111111-...,                         # another tenant: needs the auxiliary token
         excludedOperations: [Microsoft.RecoveryServices/vaults/backupSecurityPIN/action]}
"""

from armemu.core.arm import normalise_location
from armemu.core.errors import ArmError
from armemu.core.http import json_response
from armemu.core.routing import route

ESTATE_SECTIONS = ("resourceGuards",)
GUARD_TYPE = "Microsoft.DataProtection/resourceGuards"
GUARD = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataProtection/resourceGuards/{guardName}"

# Vault critical operation -> the guard's request type (resourceGuardOperations of a real guard;
# azure-cli's operation_name_map gives the operation names). Mandatory ones cannot be excluded.
CRITICAL_OPERATIONS = {
    "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies/delete": "deleteResourceGuardProxyRequests",
    "Microsoft.RecoveryServices/vaults/backupconfig/write": "disableSoftDeleteRequests",
    "Microsoft.RecoveryServices/vaults/backupSecurityPIN/action": "getBackupSecurityPINRequests",
    "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/delete": "deleteProtectedItemRequests",
    "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/write": "updateProtectedItemRequests",
    "Microsoft.RecoveryServices/vaults/backupPolicies/write": "updateProtectionPolicyRequests",
    # The request type name of this one is inferred from the Backup vault's "dppReduceImmutabilityStateRequests".
    "Microsoft.RecoveryServices/vaults/write#reduceImmutabilityState": "reduceImmutabilityStateRequests",
}
MANDATORY_OPERATIONS = frozenset({"Microsoft.RecoveryServices/vaults/backupResourceGuardProxies/delete",
                                  "Microsoft.RecoveryServices/vaults/backupconfig/write"})
# Emulator-only facts kept next to the body (never served): which tenant the guard belongs to.
PRIVATE_KEY = "_armemu"


def guard_id(subscription_id, resource_group, name):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/{GUARD_TYPE}/{name}"


def guard_body(ids, location, excluded=(), tags=None):
    operations = [{"vaultCriticalOperation": operation, "requestResourceType": f"{GUARD_TYPE}/{request_type}"}
                  for operation, request_type in CRITICAL_OPERATIONS.items()]
    return {
        "id": guard_id(*ids),
        "name": ids[2],
        "type": GUARD_TYPE,
        "location": normalise_location(location),
        "tags": dict(tags or {}),
        "properties": {
            "provisioningState": "Succeeded",
            "allowAutoApprovals": True,
            "resourceGuardOperations": operations,
            "description": "Please take JIT access before performing any of the critical operation",
            "vaultCriticalOperationExclusionList": list(excluded),
        },
    }


def load_estate(store, estate):
    for spec in estate.get("resourceGuards") or []:
        excluded = list(spec.get("excludedOperations") or [])
        mandatory = MANDATORY_OPERATIONS & set(excluded)
        if mandatory:
            raise ValueError(f"resource guard {spec['name']}: {sorted(mandatory)} cannot be excluded")
        body = guard_body((str(spec["subscription"]), spec["resourceGroup"], spec["name"]), spec["location"], excluded, spec.get("tags"))
        body[PRIVATE_KEY] = {"tenant": str(spec.get("tenant") or estate["tenant"])}
        store.put(body["id"], body)


def public_view(body):
    return {key: value for key, value in body.items() if key != PRIVATE_KEY}


def find_guard(store, resource_id):
    """The stored guard (with its private facts) for ``resource_id``, or None."""
    body = store.get(resource_id or "")
    return body if body and body.get("type") == GUARD_TYPE else None


def guard_tenant(body):
    return body[PRIVATE_KEY]["tenant"]


@route("GET", GUARD)
def get_resource_guard(req):
    ids = (req.params["subscriptionId"], req.params["resourceGroupName"], req.params["guardName"])
    body = find_guard(req.emu.store, guard_id(*ids))
    if body is None:
        raise ArmError(404, "ResourceNotFound",
                       f"The Resource '{GUARD_TYPE}/{ids[2]}' under resource group '{ids[1]}' was not found. "
                       "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    return json_response(200, public_view(body))
