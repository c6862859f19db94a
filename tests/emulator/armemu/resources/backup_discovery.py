"""Discovery of Azure VMs for a vault: refresh, protectable items, protection containers (contract §3.3).

- ``POST V/backupFabrics/Azure/refreshContainers`` → 202, no body, with both ``Azure-AsyncOperation:
  V/backupFabrics/Azure/operationsStatus/{op}`` and ``Location: V/backupFabrics/Azure/operationResults/{op}``
  and no Retry-After (Azure's recorded answers; the spec example shows only Location). When the operation ends, the vault remembers the VMs of its
  subscription and region that exist at that moment (``armemu.discovered`` in the stored fabric
  ``V/backupFabrics/Azure``, never served).
- ``GET V/backupFabrics/Azure/operationResults/{op}`` → 202 (Location repeated) while
  running, 204 when done; ``GET V/backupFabrics/Azure/operationsStatus/{op}`` → 200 status.
- ``GET V/backupProtectableItems?$filter=backupManagementType eq 'AzureIaasVM' [and workloadType eq 'VM']``
  → the VMs the last completed refresh found that still exist and that no vault protects, paged
  at 200. Nothing before a refresh has completed.
- ``GET V/backupFabrics/Azure/protectableContainers`` with no ``$filter`` (it is optional) or one on another management
  type: every kind (storage accounts, SQL VMs) the filter lets through; the AzureStorage and AzureWorkload filters are
  answered by backup_file_shares.py and backup_sql_containers.py.
- ``GET V/backupProtectionContainers?$filter=backupManagementType eq 'AzureIaasVM' [and status eq 'Registered'] [and friendlyName eq 'vm']``
  and ``GET V/backupFabrics/Azure/protectionContainers/{c}``: a VM's container exists once it is protected.
"""

import re

from armemu.core.http import json_response
from armemu.core.lro import accepted, iso, result_response, status_response, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._backup_support import (BMS_PAGE_SIZE, CONTAINER, CONTAINER_TYPE, FABRIC, VM_ITEM_TYPE, bms_error, container_name,
                                              fabric_id, filter_terms, item_name, matching_ids, protected_vms, request_vault,
                                              without_retry_after)
from armemu.resources._vault_support import VAULT, require_vault
from armemu.resources.backup_file_shares import storage_protectable_containers
from armemu.resources.backup_sql_containers import workload_protectable_containers
from armemu.resources.compute_vms import VM_ID_KEY

CONTAINER_FILTERS = {"status": "registrationStatus", "friendlyname": "friendlyName", "backupmanagementtype": "backupManagementType"}
PROTECTABLE_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems"


def _require_azure_fabric(req):
    vault = require_vault(req)
    if req.params["fabricName"].lower() != "azure":
        raise bms_error("BMSUserErrorFabricNotFound", f"Fabric '{req.params['fabricName']}' not found.\r\nPlease use the fabric 'Azure'.", 404)
    return vault


def discover(store, vault):
    """Record, in the vault's fabric, the VMs of its subscription and region that exist now."""
    subscription = vault["id"].split("/")[2].lower()
    pattern = re.compile(rf"^/subscriptions/{re.escape(subscription)}/resourcegroups/[^/]+/providers/microsoft\.compute/virtualmachines/[^/]+$")
    location = vault["location"]
    found = [body["id"] for body in store.find(lambda key, body: bool(pattern.match(key)) and body["location"] == location)]
    fabric = {"id": fabric_id(vault["id"]), "name": "Azure", "type": "Microsoft.RecoveryServices/vaults/backupFabrics",
              "armemu": {"discovered": found, "refreshedAt": iso(utc_now())}}
    store.put(fabric["id"], fabric)


def _operation_urls(req, operation):
    base, query = fabric_id(request_vault(req)), {"api-version": req.api_version}
    return (req.url_for(f"{base}/operationsStatus/{operation.id}", query),
            req.url_for(f"{base}/operationResults/{operation.id}", query))


@route("POST", FABRIC + "/refreshContainers")
def refresh_containers(req):
    vault = _require_azure_fabric(req)
    store = req.emu.store
    operation = req.emu.ops.start(fabric_id(vault["id"]), on_complete=lambda: discover(store, store.get(vault["id"])),
                                  kind="refresh_containers")
    return without_retry_after(accepted(req.emu.ops, operation, *_operation_urls(req, operation)))


def _refresh_operation(req):
    vault = _require_azure_fabric(req)
    return req.emu.ops.get(req.params["operationId"], fabric_id(vault["id"]))


@route("GET", FABRIC + "/operationResults/{operationId}")
def refresh_result(req):
    return without_retry_after(result_response(req.emu.ops, _refresh_operation(req), {"Location": req.url_for(req.path, req.query)}))


@route("GET", FABRIC + "/operationsStatus/{operationId}")
def refresh_status(req):
    operation = _refresh_operation(req)
    return without_retry_after(status_response(req.emu.ops, operation, f"{fabric_id(request_vault(req))}/operationsStatus/{operation.id}"))


def _wants_vms(req):
    """True unless the filter names another management or workload type than Azure VMs."""
    terms = filter_terms(req.query_value("$filter"))
    return terms.get("backupmanagementtype", "AzureIaasVM").lower() == "azureiaasvm" and \
        terms.get("workloadtype", "VM").lower() == "vm"


def protectable_item(vault, vm_resource_id):
    parts = vm_resource_id.split("/")
    group, name = parts[4], parts[8]
    return {"id": f"{fabric_id(vault)}/protectionContainers/{container_name(group, name)}/protectableItems/{item_name(group, name)}",
            "name": item_name(group, name), "type": PROTECTABLE_TYPE,
            "properties": {"protectableItemType": VM_ITEM_TYPE, "backupManagementType": "AzureIaasVM", "workloadType": "VM",
                           "friendlyName": name, "protectionState": "NotProtected", "virtualMachineId": vm_resource_id,
                           "virtualMachineVersion": "Compute", "resourceGroup": group}}


@route("GET", VAULT + "/backupProtectableItems")
def list_protectable_items(req):
    vault = require_vault(req)
    store = req.emu.store
    fabric = store.get(fabric_id(vault["id"])) or {}
    discovered = (fabric.get("armemu") or {}).get("discovered", []) if _wants_vms(req) else []
    taken = protected_vms(store, req.params["subscriptionId"])
    existing = set(matching_ids(store, VM_ID_KEY))
    items = []
    for resource_id in sorted(discovered, key=str.lower):
        parts = resource_id.lower().split("/")
        if resource_id.lower() in existing and (parts[4], parts[8]) not in taken:
            items.append(protectable_item(vault["id"], resource_id))
    return paged_response(req, items, BMS_PAGE_SIZE)


def _containers(store, vault_id):
    prefix = fabric_id(vault_id).lower() + "/protectioncontainers/"
    return store.find(lambda key, _: key.startswith(prefix) and "/" not in key[len(prefix):])


@route("GET", FABRIC + "/protectableContainers")
def list_protectable_containers(req):
    """Protectable containers of every kind, for a ``$filter`` the AzureStorage and AzureWorkload routes do not take
    (backup_file_shares.py, backup_sql_containers.py answer those): the ``$filter`` is optional (spec), so none lists
    both kinds, and a ``backupManagementType`` no protectable container has (AzureIaasVM: VMs are protectable items)
    lists none."""
    vault = _require_azure_fabric(req)
    store = req.emu.store
    containers = (storage_protectable_containers(store, vault["id"])
                  + workload_protectable_containers(store, vault["id"], req.params["subscriptionId"]))
    wanted = filter_terms(req.query_value("$filter")).get("backupmanagementtype")
    if wanted:
        containers = [entry for entry in containers if entry["properties"]["backupManagementType"].lower() == wanted.lower()]
    return paged_response(req, containers, BMS_PAGE_SIZE)


@route("GET", VAULT + "/backupProtectionContainers")
def list_containers(req):
    """Containers matching every ``$filter`` term: ``backupManagementType``, ``status`` (the
    registration status) and ``friendlyName`` (the VM name, any casing), as az's ``container show``
    and ``restore`` commands send them."""
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    containers = []
    if _wants_vms(req):
        for body in sorted(_containers(req.emu.store, vault["id"]), key=lambda body: body["id"].lower()):
            properties = body["properties"]
            if all(str(properties.get(field, "")).lower() == terms[key].lower()
                   for key, field in CONTAINER_FILTERS.items() if key in terms):
                containers.append(body)
    return paged_response(req, containers, BMS_PAGE_SIZE)


@route("GET", VAULT + "/backupDeletedProtectionContainers")
def list_deleted_containers(req):
    """Soft-deleted containers. An Azure VM's container is never soft-deleted itself (its item is),
    so the list of an IaaS VM vault is empty (inferred; the route and shape are the spec's)."""
    require_vault(req)
    return paged_response(req, [], BMS_PAGE_SIZE)


@route("GET", CONTAINER)
def get_container(req):
    vault = _require_azure_fabric(req)
    body = req.emu.store.get(f"{fabric_id(vault['id'])}/protectionContainers/{req.params['containerName']}")
    if body is None or body.get("type") != CONTAINER_TYPE:
        raise bms_error("BMSUserErrorContainerObjectNotFound",
                        f"Container '{req.params['containerName']}' not found.\r\nPlease check that the container is registered to the vault.",
                        404)
    return json_response(200, body)
