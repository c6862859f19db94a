# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure Files backup: names, share references, listings and request bodies, shared by the file share modules.

Private to the collection. How Azure Backup sees a file share:

* its storage account is *registered* with one vault: a protection container named
  ``StorageContainer;Storage;{resource group};{account}`` (Azure then puts the ``AzureBackupProtectionLock``
  delete lock on the account);
* an *inquiry* of that container makes the account's SMB shares *protectable items*
  (``azurefileshare;{hash}``, ``friendlyName`` = the share name, ``parentContainerFabricId`` = the account);
* protecting one PUTs an ``AzureFileShareProtectedItem`` under the container with the protectable item's name.

Listings decide everything for shares Azure already knows, so a run that changes nothing reads only lists.
Storage accounts are read in one subscription listing (kind, region); shares through the Storage RP
(``fileServices/default/shares``) only for accounts whose shares the vault has not inquired yet.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import InitialResponseOnly
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, list_all
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC, normalise_location
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import parse_resource_id

AZURE_STORAGE = "AzureStorage"
SHARE_ITEM_TYPE = "AzureFileShareProtectedItem"
STORAGE_FILTER = "backupManagementType eq 'AzureStorage'"
PROTECTED_SHARES_FILTER = "backupManagementType eq 'AzureStorage' and itemType eq 'AzureFileShare'"
PROTECTABLE_SHARES_FILTER = "backupManagementType eq 'AzureStorage' and workloadType eq 'AzureFileShare'"
STORAGE_API_VERSION = "2023-05-01"
SUPPORTED_KINDS = ("StorageV2", "Storage", "FileStorage")
VAULTED_KINDS = ("StorageV2", "Storage")
BACKUP_LOCK = "AzureBackupProtectionLock"
ON_DEMAND_RETENTION_DAYS = (1, 3650)  # up to 10 years (Azure Files backup support matrix)
BLOB_REFUSAL = (
    "Azure Backup in a Recovery Services vault does not back up blob containers, and this collection does not either: blob data "
    "is already replicated by its storage account, and snapshots serve it better. Use instead: blob soft delete (recover deleted "
    "blobs and containers for 1-365 days), blob versioning (every overwrite keeps the previous version), point-in-time restore "
    "(roll block blobs back to a moment, needs versioning, soft delete and change feed), or operational backup of blobs with a "
    "Backup vault (Microsoft.DataProtection/backupVaults, azure.azcollection or az dataprotection).")


def container_name(resource_group, account):
    return f"StorageContainer;Storage;{resource_group};{account}"


def account_resource_id(subscription_id, resource_group, account):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/{account}"


# How a file share is named in module options (the azure_backup.recovery_services.file_share doc fragment; resolve_share_ref).
SHARE_REF_OPTIONS = dict(storage_account=dict(type="str", required=True), resource_group=dict(type="str"), name=dict(type="str", required=True))


def resolve_share_ref(entry, subscription_id):
    """A share given as ``{storage_account, resource_group, name}`` (or ``storage_account`` = the account's id) -> its reference.

    ``key`` is (account id, share name) lower-cased: items are matched to shares by it. Raises ValueError naming what is wrong.
    """
    account = entry.get("storage_account") or ""
    if not entry.get("name"):
        raise ValueError(f"a share needs name (the file share) and storage_account: got {entry}")
    if account.startswith("/"):
        parsed = parse_resource_id(account)
        if not parsed.get("storageaccounts") or not parsed.get("resourcegroups") or not parsed.get("subscriptions"):
            raise ValueError(f"'{account}' is not a storage account id (/subscriptions/.../resourceGroups/.../providers/"
                             "Microsoft.Storage/storageAccounts/NAME)")
        if entry.get("resource_group"):
            raise ValueError(f"give the storage account by id, or by name and resource_group, not both: got id '{account}' and "
                             f"resource_group '{entry['resource_group']}'")
        name, resource_group, subscription = parsed["storageaccounts"], parsed["resourcegroups"], parsed["subscriptions"]
    elif account and entry.get("resource_group"):
        name, resource_group, subscription = account, entry["resource_group"], subscription_id
    else:
        raise ValueError(f"share {entry['name']} needs storage_account (a name with resource_group, or an id)")
    account_id = account_resource_id(subscription, resource_group, name)
    return {"account_id": account_id, "account": name, "resource_group": resource_group, "subscription_id": subscription,
            "share": entry["name"], "key": (account_id.lower(), entry["name"].lower()), "container": container_name(resource_group, name),
            "label": f"{resource_group}/{name}/{entry['name']}"}


def item_share_key(item):
    """(account id, share name) lower-cased of a protected share item."""
    properties = item.get("properties") or {}
    return ((properties.get("sourceResourceId") or "").lower(), (properties.get("friendlyName") or "").lower())


def protectable_share_key(item):
    """(account id, share name) lower-cased of a protectable share."""
    properties = item.get("properties") or {}
    return ((properties.get("parentContainerFabricId") or "").lower(), (properties.get("friendlyName") or "").lower())


def container_account_id(container):
    return ((container.get("properties") or {}).get("sourceResourceId") or "").lower()


def account_refusal(account, vault_location, vault_subscription, vaulted=False):
    """Why Azure cannot back up file shares of ``account`` (a storage account mapping, or None) for this vault, or None."""
    if account is None:
        return "the storage account does not exist (or is not in the vault's subscription)"
    kind = account.get("kind")
    if kind not in SUPPORTED_KINDS:
        return (f"storage account kind {kind} has no Azure Files that Azure Backup can protect; supported kinds: {', '.join(SUPPORTED_KINDS)}"
                + (" (for blob data see the blob alternatives: soft delete, versioning, point-in-time restore, a Backup vault)"
                   if kind in ("BlobStorage", "BlockBlobStorage") else ""))
    if normalise_location(account.get("location")) != vault_location:
        return f"the storage account is in {account.get('location')}; the vault is in {vault_location}: Azure Backup needs both in one region"
    if account["id"].split("/")[2].lower() != vault_subscription.lower():
        return "the storage account is in another subscription than the vault"
    if vaulted and kind not in VAULTED_KINDS:
        return f"the policy uses the vaulted tier, which Azure offers for standard storage accounts only (this one is {kind}, premium)"
    return None


# --- request bodies ---------------------------------------------------------------------------------

def register_body(account_id):
    return {"properties": {"backupManagementType": AZURE_STORAGE, "containerType": "StorageContainer", "sourceResourceId": account_id,
                           "friendlyName": account_id.rsplit("/", 1)[-1], "acquireStorageAccountLock": "Acquire"}}


def share_item(account_id):
    """A file share's protected-item identity (for ``_protection.protect_body`` and the other item bodies): its type and storage account."""
    return {"protectedItemType": SHARE_ITEM_TYPE, "sourceResourceId": account_id}


def share_job_key(properties):
    """A file share job's key: (storage account, share) lower-cased (Azure Files jobs carry no container name)."""
    return ((properties.get("storageAccountName") or "").lower(), (properties.get("entityFriendlyName") or "").lower())


# --- listings ---------------------------------------------------------------------------------------

def list_storage_accounts(session, subscription_id):
    """Every storage account of the subscription (one listing, every page): id, name, kind, location, sku, tags."""
    return session.send_paged(f"list storage accounts of subscription {subscription_id}", "GET",
                              f"/subscriptions/{subscription_id}/providers/Microsoft.Storage/storageAccounts", STORAGE_API_VERSION)


def list_shares(session, account_id):
    """The file shares of one storage account (every page): names and protocols."""
    return session.send_paged(f"list file shares of storage account {account_id.rsplit('/', 1)[-1]}", "GET",
                              f"{account_id}/fileServices/default/shares", STORAGE_API_VERSION)


def list_storage_containers(session, vault, resource_group):
    return list_all(session, f"list storage accounts registered with vault {vault}", backup_client(session).backup_protection_containers.list,
                    vault, resource_group, filter=STORAGE_FILTER)


def list_protected_shares(session, vault, resource_group):
    return list_all(session, f"list protected file shares of vault {vault}", backup_client(session).backup_protected_items.list,
                    vault, resource_group, filter=PROTECTED_SHARES_FILTER)


def list_protectable_shares(session, vault, resource_group):
    return list_all(session, f"list protectable file shares of vault {vault}", backup_client(session).backup_protectable_items.list,
                    vault, resource_group, filter=PROTECTABLE_SHARES_FILTER)


def list_account_locks(session, account_id):
    path = f"{account_id}/providers/Microsoft.Authorization/locks"
    return session.send(f"list locks of storage account {account_id.rsplit('/', 1)[-1]}", "GET", path, "2020-05-01").json().get("value") or []


# --- writes (each returns Azure's raw response) -----------------------------------------------------

def register_account(session, vault, resource_group, ref):
    poller = session.call(f"register storage account {ref['account']} with vault {vault}",
                          backup_client(session).protection_containers.begin_register, vault, resource_group, FABRIC, ref["container"],
                          register_body(ref["account_id"]), polling=InitialResponseOnly())
    return poller.result()


def inquire_account(session, vault, resource_group, container):
    return session.call_with_headers(f"inquire file shares of {container} in vault {vault}", backup_client(session).protection_containers.inquire,
                                     vault, resource_group, FABRIC, container, filter="workloadType eq 'AzureFileShare'")


def unregister_account(session, vault, resource_group, container):
    return session.call_with_headers(f"unregister {container} from vault {vault}", backup_client(session).protection_containers.unregister,
                                     vault, resource_group, FABRIC, container)


def trigger_share_backup(session, vault, resource_group, names, expiry_utc):
    container, item = names
    body = {"properties": {"objectType": "AzureFileShareBackupRequest", "recoveryPointExpiryTimeInUTC": expiry_utc}}
    return session.call_with_headers(f"back up {item} in vault {vault}", backup_client(session).backups.trigger,
                                     vault, resource_group, FABRIC, container, item, body)
