"""Multi-user authorization: ``V/backupResourceGuardProxies`` (api-version 2026-10-01).

- ``GET V/backupResourceGuardProxies`` → 200 ``{"value": [...]}`` (the SDK calls it ``resource_guard_proxies.get``).
- ``GET|PUT|DELETE V/backupResourceGuardProxies/{name}``: PUT 200 with the proxy (body
  ``{"properties": {"resourceGuardResourceId": ...}}``); DELETE 200, or 204 when there is none.
- ``POST V/backupResourceGuardProxies/{name}/unlockDelete`` → 200 ``{"unlockDeleteExpiryTime": ...}``.

Rules (contract §3.9, Microsoft's MUA docs, azure-cli's ``custom_base.py``):
- A vault has at most one proxy; the guard must exist and be in the vault's region. Associating a
  guard of another tenant needs ``x-ms-authorization-auxiliary: Bearer <token>`` for that tenant.
- The vault's ``securitySettings.multiUserAuthorization`` is ``Enabled`` while a proxy exists.
- Removing the proxy is itself a critical operation: ``unlockDelete`` must be authorised (the
  guard's ``deleteResourceGuardProxyRequests/default`` in ``resourceGuardOperationRequests``) and
  the DELETE must follow before the unlock expires (10 minutes).
- Every critical operation on a vault with a proxy is checked by ``require_authorization``: the
  request must carry the guard's default request for that operation, and the auxiliary token when
  the guard lives in another tenant. Error codes here are inferred (no public example shows them).
"""

from datetime import timedelta

from armemu.core.arm import normalise_location
from armemu.core.errors import ArmError, bad_request
from armemu.core.http import empty_response, json_response
from armemu.core.lro import iso, utc_now
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, request_vault_id, require_vault
from armemu.resources.resource_guards import CRITICAL_OPERATIONS, GUARD_TYPE, find_guard, guard_tenant

PROXIES = VAULT + "/backupResourceGuardProxies"
PROXY = PROXIES + "/{proxyName}"
PROXY_TYPE = "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies"
AUXILIARY_HEADER = "x-ms-authorization-auxiliary"
UNLOCK_MINUTES = 10


def vault_proxy(store, vault_id):
    """The vault's resource guard proxy body, or None (a vault has at most one)."""
    proxies = store.children(vault_id, "backupResourceGuardProxies")
    return proxies[0] if proxies else None


def _unlock_key(proxy_id):
    """Where the emulator remembers an unlockDelete (not a served resource: no route reads it)."""
    return proxy_id + "/unlockDelete/state"


def _has_auxiliary_token(req):
    scheme, token = (req.headers.get(AUXILIARY_HEADER) or "").partition(" ")[::2]
    return scheme.lower() == "bearer" and bool(token.strip())


def _require_tenant_token(req, guard):
    if guard_tenant(guard).lower() != req.emu.tenant.lower() and not _has_auxiliary_token(req):
        raise ArmError(401, "UserErrorMissingAuxiliaryToken",
                       f"The resource guard '{guard['id']}' is in tenant '{guard_tenant(guard)}'. Send a token for that tenant "
                       f"in the '{AUXILIARY_HEADER}' header (Bearer <token>) to authorize this operation.")


def default_request(guard_id, operation):
    return f"{guard_id}/{CRITICAL_OPERATIONS[operation]}/default"


def require_authorization(req, vault_id, operation, operation_requests):
    """Refuse ``operation`` on a vault whose resource guard protects it, unless authorised.

    ``operation_requests`` is the request's ``resourceGuardOperationRequests``. Does nothing for a
    vault without a proxy or an operation the guard excludes.
    """
    proxy = vault_proxy(req.emu.store, vault_id)
    if proxy is None:
        return
    guard = find_guard(req.emu.store, proxy["properties"]["resourceGuardResourceId"])
    if guard is None or operation in guard["properties"]["vaultCriticalOperationExclusionList"]:
        return
    expected = default_request(guard["id"], operation)
    if expected.lower() not in {str(item).lower() for item in operation_requests or []}:
        raise ArmError(400, "UserErrorResourceGuardOperationNotAuthorized",
                       f"The operation '{operation}' is protected by the resource guard '{guard['id']}' (multi-user authorization). "
                       f"Include '{expected}' in resourceGuardOperationRequests and make sure you hold the permission on the resource guard.")
    _require_tenant_token(req, guard)


def _soft_delete(properties):
    return ((properties or {}).get("securitySettings") or {}).get("softDeleteSettings") or {}


def _immutability(properties):
    return ((((properties or {}).get("securitySettings") or {}).get("immutabilitySettings")) or {}).get("state")


def weakened_security_operations(old_properties, new_properties):
    """The critical operations a change of vault properties performs (for ``require_authorization``).

    Turning soft delete or enhanced security off, or shortening the soft delete retention, is a
    ``backupconfig/write``; Unlocked immutability going to Disabled is ``write#reduceImmutabilityState``.
    """
    old, new = _soft_delete(old_properties), _soft_delete(new_properties)
    operations = []
    turned_off = any(old.get(key) in ("Enabled", "AlwaysON") and new.get(key) == "Disabled"
                     for key in ("softDeleteState", "enhancedSecurityState"))
    shortened = (new.get("softDeleteRetentionPeriodInDays") or 0) < (old.get("softDeleteRetentionPeriodInDays") or 0)
    if turned_off or shortened:
        operations.append("Microsoft.RecoveryServices/vaults/backupconfig/write")
    if (_immutability(old_properties), _immutability(new_properties)) == ("Unlocked", "Disabled"):
        operations.append("Microsoft.RecoveryServices/vaults/write#reduceImmutabilityState")
    return operations


def set_multi_user_authorization(store, vault_id, enabled):
    """Reflect a proxy on the vault: ``properties.securitySettings.multiUserAuthorization``."""
    vault = store.get(vault_id)
    if vault is not None:
        vault["properties"].setdefault("securitySettings", {})["multiUserAuthorization"] = "Enabled" if enabled else "Disabled"
        store.put(vault_id, vault)


def _proxy_body(vault_id, name, guard_id):
    return {
        "id": f"{vault_id}/backupResourceGuardProxies/{name}",
        "name": name,
        "type": PROXY_TYPE,
        "properties": {
            "resourceGuardResourceId": guard_id,
            "lastUpdatedTime": iso(utc_now()),
            "description": "Please take JIT access before performing any of the critical operation",
            "resourceGuardOperationDetails": [
                {"vaultCriticalOperation": operation, "defaultResourceRequest": default_request(guard_id, operation)}
                for operation in CRITICAL_OPERATIONS],
        },
    }


def _require_proxy(req):
    vault = require_vault(req)
    proxy = req.emu.store.get(f"{vault['id']}/backupResourceGuardProxies/{req.params['proxyName']}")
    if proxy is None:
        raise ArmError(404, "BMSUserErrorResourceGuardProxyNotFound",
                       f"Resource guard proxy '{req.params['proxyName']}' is not found in the vault '{vault['name']}'.")
    return vault, proxy


@route("GET", PROXIES)
def list_proxies(req):
    vault = require_vault(req)
    return json_response(200, {"value": req.emu.store.children(vault["id"], "backupResourceGuardProxies")})


@route("GET", PROXY)
def get_proxy(req):
    return json_response(200, _require_proxy(req)[1])


@route("PUT", PROXY)
def put_proxy(req):
    vault = require_vault(req)
    guard_id = ((req.json().get("properties") or {}).get("resourceGuardResourceId") or "").strip()
    if not guard_id:
        raise bad_request("'properties.resourceGuardResourceId' is required.")
    guard = find_guard(req.emu.store, guard_id)
    if guard is None:
        raise bad_request(f"The resource guard '{guard_id}' was not found. Give the ARM id of a {GUARD_TYPE} resource.",
                          code="BMSUserErrorResourceGuardNotFound")
    if guard["location"] != normalise_location(vault["location"]):
        raise bad_request(f"The resource guard '{guard['id']}' is in '{guard['location']}' but the vault is in '{vault['location']}'. "
                          "The resource guard and the vault must be in the same region.", code="BMSUserErrorResourceGuardLocationMismatch")
    existing = vault_proxy(req.emu.store, vault["id"])
    if existing and (existing["name"].lower() != req.params["proxyName"].lower()
                     or existing["properties"]["resourceGuardResourceId"].lower() != guard["id"].lower()):
        raise bad_request(f"The vault is already protected by the resource guard '{existing['properties']['resourceGuardResourceId']}' "
                          f"through the proxy '{existing['name']}'. Remove that association first.",
                          code="BMSUserErrorResourceGuardProxyAlreadyExists")
    _require_tenant_token(req, guard)
    proxy = _proxy_body(vault["id"], existing["name"] if existing else req.params["proxyName"], guard["id"])
    req.emu.store.put(proxy["id"], proxy)
    set_multi_user_authorization(req.emu.store, vault["id"], True)
    return json_response(200, proxy)


@route("POST", PROXY + "/unlockDelete")
def unlock_delete(req):
    vault, proxy = _require_proxy(req)
    body = req.json()
    require_authorization(req, vault["id"], "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies/delete",
                          body.get("resourceGuardOperationRequests"))
    expiry = utc_now() + timedelta(minutes=UNLOCK_MINUTES)
    req.emu.store.put(_unlock_key(proxy["id"]), {"expiresAt": expiry.timestamp()})
    return json_response(200, {"unlockDeleteExpiryTime": iso(expiry)})


@route("DELETE", PROXY)
def delete_proxy(req):
    vault = require_vault(req)
    proxy_id = f"{vault['id']}/backupResourceGuardProxies/{req.params['proxyName']}"
    if not req.emu.store.exists(proxy_id):
        return empty_response(204)
    unlock = req.emu.store.get(_unlock_key(proxy_id))
    if not unlock or unlock["expiresAt"] < utc_now().timestamp():
        raise bad_request("The resource guard proxy cannot be deleted: call unlockDelete with the resource guard's "
                          "deleteResourceGuardProxyRequests authorization first.", code="BMSUserErrorUnlockDeleteRequired")
    req.emu.store.delete_tree(proxy_id)
    set_multi_user_authorization(req.emu.store, request_vault_id(req), False)
    return empty_response(200)
