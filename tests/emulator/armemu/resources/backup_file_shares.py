"""Storage accounts registered with a vault for Azure Files backup: discovery, registration, inquiry (api-version 2026-10-01).

Names (spec examples ProtectionContainers_Register.json, ProtectableContainers_List.json): the container of a
storage account is ``StorageContainer;Storage;{resource group};{account}``; its shares, once inquired, are
protectable items named ``azurefileshare;{hash}`` (the hash: 32 hex digits of the share id, inferred; az's docs
show such names) with ``friendlyName`` the share name. Routes (guarded: they serve the AzureStorage workload and
leave Azure VMs to backup_discovery.py):

- ``POST V/backupFabrics/Azure/refreshContainers?$filter=backupManagementType eq 'AzureStorage'``: 202 (the
  fabric operation URLs of backup_discovery.py); when it ends the vault knows the storage accounts of its
  subscription and region that exist then.
- ``GET V/backupFabrics/Azure/protectableContainers?$filter=backupManagementType eq 'AzureStorage' [and workloadType eq 'AzureFileShare']``
  (ProtectableContainers_List): discovered accounts of a kind Azure Files backup supports (StorageV2, Storage,
  FileStorage: support matrix) that no vault has registered, as ``AzureStorageProtectableContainer``.
- ``PUT V/backupFabrics/Azure/protectionContainers/StorageContainer;Storage;{rg};{account}`` (Register) with
  ``{backupManagementType: AzureStorage, containerType: StorageContainer, sourceResourceId, acquireStorageAccountLock}``:
  202 with ``.../operationsStatus/{op}`` + ``.../operationResults/{op}`` (spec example; no Retry-After, as every
  Backup RP operation). Registration needs no prior refresh (Bicep and Terraform register straight away). When
  it ends the container is Registered and, with ``Acquire`` (the default, documentation), the account gets the
  ``AzureBackupProtectionLock`` (storage_file_shares.py). A re-registration by the same vault is accepted again.
  Refusals (400, before anything changes): an account that does not exist (``UserErrorStorageAccountNotFound``,
  documentation), of a kind Azure Files backup does not support (``UserErrorFileShareEndpointUnreachable``
  "Storage account not found or not supported", documentation), in another region or subscription
  (``BMSUserErrorStorageAccountLocationMismatch``, inferred: the documentation says vault and account must
  share the region), registered with another vault (``BMSUserErrorContainerAlreadyRegistered``, inferred:
  documentation says all shares of an account are protected by one vault).
- ``GET .../protectionContainers/{c}/operationResults/{op}``: 202 while running, then 200 with the container
  (or 204 after an unregister or inquiry); ``.../operationsStatus/{op}``: 200 status.
- ``POST .../protectionContainers/{c}/inquire[?$filter=workloadType eq 'AzureFileShare']`` (spec example):
  202; when it ends the vault knows the account's SMB shares (NFS shares are not supported: documentation).
- ``GET V/backupProtectableItems?$filter=backupManagementType eq 'AzureStorage' [and workloadType eq 'AzureFileShare']``:
  inquired shares that still exist and that the vault does not protect, paged at 200.
- ``GET V/backupProtectionContainers?$filter=backupManagementType eq 'AzureStorage' [and friendlyName eq 'x'] [and status eq 'Registered']``
  and ``GET .../protectionContainers/StorageContainer;...``: ``AzureStorageContainer`` with ``protectedItemCount``
  counted on every read.
- ``DELETE .../protectionContainers/StorageContainer;...`` (Unregister): 202 + Location; the container goes when
  the operation ends; the lock stays (documentation: Azure does not remove it). 400
  ``BMSUserErrorContainerHasDatasources`` while the container still holds an item, soft-deleted ones included
  (code from public reports, inferred). 204 for a container that is not registered.

What discovery and inquiry found is kept in the emulator-private record ``V/armemu/storage`` (never served).
"""

import hashlib
import re

from armemu.core.arm import normalise_location
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, iso, result_response, status_response, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._backup_support import (BMS_PAGE_SIZE, CONTAINER, CONTAINER_TYPE, FABRIC, bms_error, fabric_id, filter_terms,
                                              request_vault, vault_items, without_retry_after)
from armemu.resources._vault_support import VAULT, require_vault
from armemu.resources.monitoring_destinations import STORAGE_TYPE
from armemu.resources.storage_file_shares import account_id, add_backup_lock, shares_of

SUPPORTED_KINDS = ("StorageV2", "Storage", "FileStorage")
CONTAINER_NAME = re.compile(r"^storagecontainer;storage;([^;]+);([^;]+)$", re.IGNORECASE)
SHARE_ITEM_NAME = re.compile(r"^azurefileshare;(.+)$", re.IGNORECASE)
ACCOUNT_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.storage/storageaccounts/([^/]+)$", re.IGNORECASE)
PROTECTABLE_CONTAINER_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectableContainers"
PROTECTABLE_ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems"
CONTAINER_FILTERS = {"status": "registrationStatus", "friendlyname": "friendlyName"}


# --- names ----------------------------------------------------------------------------------------

def container_name(resource_group, account):
    return f"StorageContainer;Storage;{resource_group};{account}"


def container_parts(name):
    """(resource group, account) of a storage container name in any casing, else None."""
    found = CONTAINER_NAME.match(name or "")
    return found.groups() if found else None


def storage_container_id(vault, resource_group, account):
    return f"{fabric_id(vault)}/protectionContainers/{container_name(resource_group, account)}"


def share_hash(share_resource_id):
    return hashlib.sha256(share_resource_id.lower().encode("utf-8")).hexdigest()[:32]


def protectable_name(share_resource_id):
    return f"azurefileshare;{share_hash(share_resource_id)}"


def is_storage_container(_req, params):
    """Route guard: the path names a storage account's container."""
    return container_parts(params.get("containerName")) is not None


def wants_storage(req, _params):
    """Route guard: the ``$filter`` asks for the AzureStorage management type or the AzureFileShare workload."""
    terms = filter_terms(req.query_value("$filter"))
    return terms.get("backupmanagementtype", "").lower() == "azurestorage" or terms.get("workloadtype", "").lower() == "azurefileshare"


# --- the private record ---------------------------------------------------------------------------

def _record_id(vault):
    return f"{vault}/armemu/storage"


def private_record(store, vault):
    """``{"discovered": [account ids], "inquired": {container name lower: [share ids]}}``."""
    return store.get(_record_id(vault)) or {"discovered": [], "inquired": {}}


def _save_record(store, vault, record):
    store.put(_record_id(vault), record)


# --- queries --------------------------------------------------------------------------------------

def vault_storage_containers(store, vault):
    prefix = fabric_id(vault).lower() + "/protectioncontainers/storagecontainer;"
    return sorted(store.find(lambda key, _: key.startswith(prefix) and "/" not in key[len(prefix):]), key=lambda body: body["id"].lower())


def registered_holder(store, account_resource_id):
    """The lower-cased id of the vault whose container holds the storage account, or None."""
    parts = ACCOUNT_ID.match(account_resource_id or "")
    if not parts:
        return None
    name = container_name(parts.group(2), parts.group(3)).lower()
    keys = []
    store.find(lambda key, _: key.endswith("/backupfabrics/azure/protectioncontainers/" + name) and keys.append(key))
    return keys[0].split("/backupfabrics/")[0] if keys else None


def container_items(store, container_resource_id):
    prefix = container_resource_id.lower() + "/protecteditems/"
    return store.find(lambda key, _: key.startswith(prefix) and "/" not in key[len(prefix):])


def item_share_id(item):
    """The share a file share item protects ("" for other workloads): its account's share of its friendly name."""
    properties = item["properties"]
    if properties.get("workloadType") != "AzureFileShare":
        return ""
    return f"{properties['sourceResourceId']}/fileServices/default/shares/{properties['friendlyName']}"


def served_container(store, body):
    body["properties"]["protectedItemCount"] = len([item for item in container_items(store, body["id"])
                                                    if not item["properties"].get("isScheduledForDeferredDelete")])
    return body


def _container_body(vault, account, lock):
    group = account["id"].split("/")[4]
    return {"id": storage_container_id(vault, group, account["name"]), "name": container_name(group, account["name"]),
            "type": CONTAINER_TYPE,
            "properties": {"containerType": "StorageContainer", "backupManagementType": "AzureStorage", "friendlyName": account["name"],
                           "registrationStatus": "Registered", "healthStatus": "Healthy", "sourceResourceId": account["id"],
                           "resourceGroup": group, "storageAccountVersion": "Storage", "protectedItemCount": 0,
                           "acquireStorageAccountLock": lock, "protectableObjectType": "StorageContainer"}}


def supported_account(store, vault_body, account_resource_id):
    """The storage account a vault may register, or the 400 Azure answers."""
    account = store.get(account_resource_id) if ACCOUNT_ID.match(account_resource_id or "") else None
    if account is None or account.get("type", "").lower() != STORAGE_TYPE.lower():
        raise bms_error("UserErrorStorageAccountNotFound", "Operation failed as the specified storage account does not exist anymore.")
    if account.get("kind") not in SUPPORTED_KINDS:
        raise bms_error("UserErrorFileShareEndpointUnreachable",
                        f"Storage account not found or not supported (kind {account.get('kind')}: Azure Files backup supports "
                        f"{', '.join(SUPPORTED_KINDS)}).")
    subscription = vault_body["id"].split("/")[2].lower()
    if normalise_location(account["location"]) != vault_body["location"] or account["id"].split("/")[2].lower() != subscription:
        raise bms_error("BMSUserErrorStorageAccountLocationMismatch",
                        f"The storage account '{account['name']}' is in {account['location']}; the vault '{vault_body['name']}' is in "
                        f"{vault_body['location']}.\r\nRegister the storage account with a vault of its own region and subscription.")
    return account


# --- refresh and protectable containers ------------------------------------------------------------

def discover_storage(store, vault_body):
    """Remember the storage accounts of the vault's subscription and region that exist now."""
    subscription = vault_body["id"].split("/")[2].lower()
    found = store.find(lambda key, body: key.startswith(f"/subscriptions/{subscription}/") and ACCOUNT_ID.match(key)
                       and body.get("location") == vault_body["location"])
    record = private_record(store, vault_body["id"])
    record["discovered"] = sorted((body["id"] for body in found), key=str.lower)
    record["refreshedAt"] = iso(utc_now())
    _save_record(store, vault_body["id"], record)


def _fabric_operation_urls(req, operation):
    base, query = fabric_id(request_vault(req)), {"api-version": req.api_version}
    return (req.url_for(f"{base}/operationsStatus/{operation.id}", query), req.url_for(f"{base}/operationResults/{operation.id}", query))


@route("POST", FABRIC + "/refreshContainers", when=wants_storage)
def refresh_storage_containers(req):
    vault = require_vault(req)
    store = req.emu.store
    operation = req.emu.ops.start(fabric_id(vault["id"]), on_complete=lambda: discover_storage(store, store.get(vault["id"])),
                                  kind="refresh_containers")
    return without_retry_after(accepted(req.emu.ops, operation, *_fabric_operation_urls(req, operation)))


def protectable_container(vault, account):
    group = account["id"].split("/")[4]
    return {"id": f"{fabric_id(vault)}/protectableContainers/{container_name(group, account['name'])}",
            "name": container_name(group, account["name"]), "type": PROTECTABLE_CONTAINER_TYPE,
            "properties": {"friendlyName": account["name"], "backupManagementType": "AzureStorage",
                           "protectableContainerType": "StorageContainer", "healthStatus": "Healthy", "containerId": account["id"]}}


def storage_protectable_containers(store, vault_id):
    """The storage accounts the vault's last storage refresh found, of a kind Azure Files backup supports, that no vault holds."""
    containers = []
    for resource_id in private_record(store, vault_id)["discovered"]:
        account = store.get(resource_id)
        if account and account.get("kind") in SUPPORTED_KINDS and registered_holder(store, resource_id) is None:
            containers.append(protectable_container(vault_id, account))
    return containers


@route("GET", FABRIC + "/protectableContainers", when=wants_storage)
def list_protectable_containers(req):
    vault = require_vault(req)
    return paged_response(req, storage_protectable_containers(req.emu.store, vault["id"]), BMS_PAGE_SIZE)


# --- register, unregister, inquire ----------------------------------------------------------------

def _container_operation_urls(req, operation, container_resource_id):
    query = {"api-version": req.api_version}
    return (req.url_for(f"{container_resource_id}/operationsStatus/{operation.id}", query),
            req.url_for(f"{container_resource_id}/operationResults/{operation.id}", query))


def _request_container_id(req):
    return f"{fabric_id(request_vault(req))}/protectionContainers/{req.params['containerName']}"


def _require_azure_fabric(req):
    vault = require_vault(req)
    if req.params["fabricName"].lower() != "azure":
        raise bms_error("BMSUserErrorFabricNotFound", f"Fabric '{req.params['fabricName']}' not found.\r\nPlease use the fabric 'Azure'.", 404)
    return vault


@route("PUT", CONTAINER, when=is_storage_container)
def register_container(req):
    vault = _require_azure_fabric(req)
    store = req.emu.store
    properties = req.json().get("properties") or {}
    if str(properties.get("backupManagementType", "")).lower() != "azurestorage" or \
            str(properties.get("containerType", "StorageContainer")).lower() != "storagecontainer":
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nA storage container needs "
                                                    "backupManagementType 'AzureStorage' and containerType 'StorageContainer'.")
    group, name = container_parts(req.params["containerName"])
    source = properties.get("sourceResourceId") or account_id(req.params["subscriptionId"], group, name)
    parts = ACCOUNT_ID.match(source)
    if not parts or [parts.group(2).lower(), parts.group(3).lower()] != [group.lower(), name.lower()]:
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\n"
                                                    "properties.sourceResourceId must be the storage account the container name names.")
    account = supported_account(store, vault, source)
    holder = registered_holder(store, account["id"])
    if holder and holder != vault["id"].lower():
        raise bms_error("BMSUserErrorContainerAlreadyRegistered",
                        f"The storage account '{account['name']}' is already registered with another Recovery Services vault.\r\n"
                        "Unregister it from that vault first: all file shares of a storage account are protected by one vault.")
    lock = "NotAcquire" if str(properties.get("acquireStorageAccountLock", "Acquire")).lower() == "notacquire" else "Acquire"
    body = _container_body(vault["id"], account, lock)

    def register():
        current = store.get(body["id"])
        store.put(body["id"], current or body)
        if lock == "Acquire":
            add_backup_lock(store, account["id"])
    operation = req.emu.ops.start(body["id"], on_complete=register, kind="refresh_containers",
                                  result=lambda: json_response(200, served_container(store, store.get(body["id"]))))
    return without_retry_after(accepted(req.emu.ops, operation, *_container_operation_urls(req, operation, body["id"])))


@route("DELETE", CONTAINER, when=is_storage_container)
def unregister_container(req):
    vault = _require_azure_fabric(req)
    store = req.emu.store
    container = store.get(_request_container_id(req))
    if container is None:
        return empty_response(204)
    if container_items(store, container["id"]):
        raise bms_error("BMSUserErrorContainerHasDatasources",
                        f"The container '{container['name']}' has protected items.\r\nStop protection and delete the backup data of "
                        "every file share (including soft-deleted ones) before you unregister the storage account.")

    def unregister():
        store.delete_tree(container["id"])
        record = private_record(store, vault["id"])
        record["inquired"].pop(container["name"].lower(), None)
        _save_record(store, vault["id"], record)
    operation = req.emu.ops.start(container["id"], on_complete=unregister, kind="refresh_containers")
    return without_retry_after(accepted(req.emu.ops, operation, None, _container_operation_urls(req, operation, container["id"])[1]))


def inquire(store, vault, container):
    """Remember the container's storage account's SMB shares as they are now."""
    account = store.get(container["properties"]["sourceResourceId"])
    shares = [share["id"] for share in shares_of(store, account["id"]) if share["properties"].get("enabledProtocols", "SMB") == "SMB"] \
        if account else []
    record = private_record(store, vault)
    record["inquired"][container["name"].lower()] = shares
    _save_record(store, vault, record)


@route("POST", CONTAINER + "/inquire", when=is_storage_container)
def inquire_container(req):
    vault = _require_azure_fabric(req)
    store = req.emu.store
    container = store.get(_request_container_id(req))
    if container is None:
        raise bms_error("BMSUserErrorContainerObjectNotFound",
                        f"Container '{req.params['containerName']}' not found.\r\nPlease check that the container is registered to the vault.",
                        404)
    operation = req.emu.ops.start(container["id"], on_complete=lambda: inquire(store, vault["id"], store.get(container["id"]) or container),
                                  kind="refresh_containers")
    return without_retry_after(accepted(req.emu.ops, operation, *_container_operation_urls(req, operation, container["id"])))


def _container_operation(req):
    _require_azure_fabric(req)
    return req.emu.ops.get(req.params["operationId"], _request_container_id(req))


@route("GET", CONTAINER + "/operationResults/{operationId}", when=is_storage_container)
def container_operation_result(req):
    operation = _container_operation(req)
    return without_retry_after(result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)}))


@route("GET", CONTAINER + "/operationsStatus/{operationId}", when=is_storage_container)
def container_operation_status(req):
    operation = _container_operation(req)
    return without_retry_after(status_response(req.emu.ops, operation, operation.id, placeholder_end_time=True))


# --- reads ----------------------------------------------------------------------------------------

@route("GET", CONTAINER, when=is_storage_container)
def get_storage_container(req):
    _require_azure_fabric(req)
    body = req.emu.store.get(_request_container_id(req))
    if body is None:
        raise bms_error("BMSUserErrorContainerObjectNotFound",
                        f"Container '{req.params['containerName']}' not found.\r\nPlease check that the container is registered to the vault.",
                        404)
    return json_response(200, served_container(req.emu.store, body))


@route("GET", VAULT + "/backupProtectionContainers", when=wants_storage)
def list_storage_containers(req):
    vault = require_vault(req)
    store = req.emu.store
    terms = filter_terms(req.query_value("$filter"))
    containers = [served_container(store, body) for body in vault_storage_containers(store, vault["id"])
                  if all(str(body["properties"].get(field, "")).lower() == terms[key].lower()
                         for key, field in CONTAINER_FILTERS.items() if key in terms)]
    return paged_response(req, containers, BMS_PAGE_SIZE)


def protectable_share(container, share):
    name = protectable_name(share["id"])
    account_resource_id = container["properties"]["sourceResourceId"]
    return {"id": f"{container['id']}/protectableItems/{name}", "name": name, "type": PROTECTABLE_ITEM_TYPE,
            "properties": {"protectableItemType": "AzureFileShare", "backupManagementType": "AzureStorage", "workloadType": "AzureFileShare",
                           "friendlyName": share["name"], "protectionState": "NotProtected", "parentContainerFabricId": account_resource_id,
                           "parentContainerFriendlyName": account_resource_id.rsplit("/", 1)[-1], "azureFileShareType": "XSMB"}}


@route("GET", VAULT + "/backupProtectableItems", when=wants_storage)
def list_protectable_shares(req):
    vault = require_vault(req)
    store = req.emu.store
    protected = {item_share_id(item).lower() for item in vault_items(store, vault["id"])}
    inquired = private_record(store, vault["id"])["inquired"]
    items = []
    for container in vault_storage_containers(store, vault["id"]):
        for resource_id in inquired.get(container["name"].lower(), []):
            share = store.get(resource_id)
            if share is not None and resource_id.lower() not in protected:
                items.append(protectable_share(container, share))
    return paged_response(req, items, BMS_PAGE_SIZE)
