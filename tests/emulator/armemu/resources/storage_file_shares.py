"""Storage accounts as Azure Files backup sees them: kinds, listings, file shares and management locks.

The account body, its GET and the estate section ``storageAccounts`` live in monitoring_destinations.py,
PUT/DELETE in storage_account_writes.py. This file adds (api-version 2023-05-01 for Microsoft.Storage,
2020-05-01 for Microsoft.Authorization):

- ``GET /subscriptions/{s}/providers/Microsoft.Storage/storageAccounts`` (StorageAccounts_List) and
  ``GET .../resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts`` (StorageAccounts_ListByResourceGroup):
  paged ``{"value": [...], "nextLink"}`` with each account's kind, location, sku and tags (spec).
- ``GET {account}/fileServices/default/shares`` (FileShares_List) and ``GET .../shares/{share}`` (FileShares_Get):
  ``FileShareItem`` / ``FileShare`` bodies (``shareQuota``, ``enabledProtocols`` SMB or NFS, ``accessTier``,
  lease fields). A missing share answers 404 ``ShareNotFound`` "The specified share does not exist." (the
  Storage service's code; inferred for the RP). The file service name is always ``default`` (spec: the only value).
- ``GET {account}/providers/Microsoft.Authorization/locks[/{lock}]`` (ManagementLocks_ListAtResourceLevel /
  GetAtResourceLevel) and ``DELETE`` of one lock. Azure Backup adds ``AzureBackupProtectionLock``
  (``CanNotDelete``) when a storage account is registered with ``acquireStorageAccountLock: Acquire``
  (documentation: "Protect against accidental deletion of storage accounts"); backup_file_shares.py calls
  ``add_backup_lock``. Unregistering leaves the lock in place (documentation: the lock is not removed).

Estate (extends the ``storageAccounts`` entries of monitoring_destinations.py)::

    storageAccounts:
      - {subscription: ..., resourceGroup: rg-files, name: stfilesweu, location: westeurope,
         kind: StorageV2,              # StorageV2 (default), Storage, FileStorage, BlobStorage, BlockBlobStorage
         sku: Standard_LRS,            # Premium_LRS for FileStorage
         fileShares: 3}                # share-01..share-03; or a list of names or {name, quotaGiB, protocol: SMB|NFS}
"""

from armemu.core.arm import require_resource_group, resource_group_id
from armemu.core.errors import ArmError, resource_not_found
from armemu.core.http import empty_response, json_response
from armemu.core.lro import iso, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources.monitoring_destinations import GROUP, STORAGE_TYPE

ESTATE_SECTIONS = ("storageAccounts",)
ESTATE_PRIORITY = 55  # after monitoring_destinations.py has stored the accounts
ACCOUNT = GROUP + "/providers/Microsoft.Storage/storageAccounts/{accountName}"
SHARES = ACCOUNT + "/fileServices/{fileServicesName}/shares"
LOCKS = ACCOUNT + "/providers/Microsoft.Authorization/locks"
SHARE_TYPE = "Microsoft.Storage/storageAccounts/fileServices/shares"
LOCK_TYPE = "Microsoft.Authorization/locks"
BACKUP_LOCK = "AzureBackupProtectionLock"
BACKUP_LOCK_NOTES = ("Auto-created by Azure Backup for storage accounts registered with a Recovery Services Vault. This lock is "
                     "intended to guard against deletion of backups due to accidental deletion of the storage account.")
PREMIUM_KINDS = ("FileStorage",)


def account_id(subscription_id, resource_group, name):
    return f"{resource_group_id(subscription_id, resource_group)}/providers/{STORAGE_TYPE}/{name}"


def share_id(account_resource_id, share_name):
    return f"{account_resource_id}/fileServices/default/shares/{share_name}"


def share_body(account_resource_id, name, quota_gib=5120, protocol="SMB", premium=False):
    return {"id": share_id(account_resource_id, name), "name": name, "type": SHARE_TYPE, "etag": '"0x8DC0000000000000"',
            "properties": {"lastModifiedTime": iso(utc_now()), "shareQuota": quota_gib, "enabledProtocols": protocol,
                           "accessTier": "Premium" if premium else "TransactionOptimized", "leaseStatus": "unlocked",
                           "leaseState": "available", "version": None, "deleted": False}}


def shares_of(store, account_resource_id):
    """The account's shares in creation order."""
    return store.children(f"{account_resource_id}/fileServices/default", "shares")


def _share_specs(value):
    """``fileShares`` as [(name, quota GiB, protocol)]: a count, or names, or mappings."""
    if isinstance(value, int):
        return [(f"share-{index:02d}", 5120, "SMB") for index in range(1, value + 1)]
    specs = []
    for entry in value or []:
        if isinstance(entry, str):
            specs.append((entry, 5120, "SMB"))
        else:
            specs.append((entry["name"], int(entry.get("quotaGiB", 5120)), entry.get("protocol", "SMB")))
    return specs


def load_estate(store, estate):
    for spec in estate.get("storageAccounts") or []:
        resource_id = account_id(spec["subscription"], spec["resourceGroup"], spec["name"])
        account = store.get(resource_id)
        kind = spec.get("kind", "StorageV2")
        account["kind"] = kind
        account["sku"]["tier"] = "Premium" if account["sku"]["name"].startswith("Premium") else "Standard"
        account["properties"]["primaryEndpoints"]["file"] = f"https://{spec['name']}.file.core.windows.net/"
        store.put(resource_id, account)
        for name, quota, protocol in _share_specs(spec.get("fileShares")):
            body = share_body(resource_id, name, quota, protocol, kind in PREMIUM_KINDS)
            store.put(body["id"], body)


def _accounts(store, prefix):
    """Every storage account whose lower-cased id starts with ``prefix``, sorted by id."""
    suffix = f"/providers/{STORAGE_TYPE.lower()}/"
    found = store.find(lambda key, body: key.startswith(prefix) and suffix in key and key.count("/") == 8)
    return sorted(found, key=lambda body: body["id"].lower())


@route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Storage/storageAccounts")
def list_accounts(req):
    return paged_response(req, _accounts(req.emu.store, f"/subscriptions/{req.params['subscriptionId'].lower()}/"))


@route("GET", GROUP + "/providers/Microsoft.Storage/storageAccounts")
def list_group_accounts(req):
    group = require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    return paged_response(req, _accounts(req.emu.store, group["id"].lower() + "/"))


def require_account(req):
    """The account the path names, or ARM's 404 (ResourceGroupNotFound / ResourceNotFound)."""
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    body = req.emu.store.get(account_id(req.params["subscriptionId"], req.params["resourceGroupName"], req.params["accountName"]))
    if body is None:
        raise resource_not_found(STORAGE_TYPE, req.params["accountName"], req.params["resourceGroupName"])
    return body


def _file_service(req):
    account = require_account(req)
    if req.params["fileServicesName"].lower() != "default":
        raise ArmError(400, "InvalidResourceName", f"The file service name '{req.params['fileServicesName']}' is not valid: it must be 'default'.")
    return account


def _listed(share):
    """A share as FileShares_List shows it (``FileShareItem``): no lease details."""
    for field in ("leaseStatus", "leaseState"):
        share["properties"].pop(field, None)
    return share


@route("GET", SHARES)
def list_shares(req):
    account = _file_service(req)
    return paged_response(req, [_listed(share) for share in shares_of(req.emu.store, account["id"])])


@route("GET", SHARES + "/{shareName}")
def get_share(req):
    account = _file_service(req)
    body = req.emu.store.get(share_id(account["id"], req.params["shareName"]))
    if body is None:
        raise ArmError(404, "ShareNotFound", "The specified share does not exist.")
    return json_response(200, body)


# --- management locks -----------------------------------------------------------------------------

def lock_id(account_resource_id, name=BACKUP_LOCK):
    return f"{account_resource_id}/providers/{LOCK_TYPE}/{name}"


def add_backup_lock(store, account_resource_id):
    """The CanNotDelete lock Azure Backup puts on a registered storage account (kept if already there)."""
    if store.exists(lock_id(account_resource_id)):
        return
    store.put(lock_id(account_resource_id), {"id": lock_id(account_resource_id), "name": BACKUP_LOCK, "type": LOCK_TYPE,
                                             "properties": {"level": "CanNotDelete", "notes": BACKUP_LOCK_NOTES, "owners": None}})


def account_locks(store, account_resource_id):
    return store.children(account_resource_id, f"providers/{LOCK_TYPE}")


def refuse_delete_if_locked(store, account_resource_id):
    """ARM's 409 ScopeLocked for a DELETE of an account that holds a CanNotDelete or ReadOnly lock (documentation)."""
    if account_locks(store, account_resource_id):
        raise ArmError(409, "ScopeLocked", f"The scope '{account_resource_id}' cannot perform delete operation because following scope(s) "
                                           f"are locked: '{account_resource_id}'. Please remove the lock and try again.")


@route("GET", LOCKS)
def list_locks(req):
    account = require_account(req)
    return paged_response(req, account_locks(req.emu.store, account["id"]))


@route("GET", LOCKS + "/{lockName}")
def get_lock(req):
    account = require_account(req)
    body = req.emu.store.get(lock_id(account["id"], req.params["lockName"]))
    if body is None:
        raise ArmError(404, "LockNotFound", f"The lock '{req.params['lockName']}' could not be found.")
    return json_response(200, body)


@route("DELETE", LOCKS + "/{lockName}")
def delete_lock(req):
    account = require_account(req)
    return empty_response(200 if req.emu.store.delete(lock_id(account["id"], req.params["lockName"])) else 204)
