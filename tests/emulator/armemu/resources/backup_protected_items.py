"""Protected Azure VMs (``I = V/backupFabrics/Azure/protectionContainers/{c}/protectedItems/{i}``), contract §3.4.

- ``PUT I`` enables, modifies, stops (``ProtectionStopped`` / ``BackupsSuspended``), resumes or
  undeletes (``isRehydrate``) protection: 202 with ``I/operationsStatus`` + ``I/operationResults``
  (no Retry-After, as Azure's recorded answers). The change lands when the operation ends, with a
  ConfigureBackup, DisableBackup or Undelete job whose id the finished status carries. A new item
  is IRPending until its first backup. No prior ``refreshContainers`` is needed (templates and
  Terraform PUT the item straight away). Refused like Azure (400): a VM that does not exist in the
  vault's subscription and region, one protected by another vault, an unknown policy, a policy of
  another workload.
- ``GET I[?$filter=expand eq 'extendedinfo']``; ``GET V/backupProtectedItems?$filter=...`` paged
  at 200 items like the Backup RP.
- ``DELETE I``: 202 with vault-scoped ``V/backupOperations`` + ``V/backupOperationResults``. With
  soft delete Enabled/AlwaysON the item stays, ``isScheduledForDeferredDelete: true`` and
  ProtectionStopped, for the vault's retention days; with it Disabled the item, its recovery
  points and its container go.

Estate: a VM's ``protectedBy`` (see compute_vms.py) makes it protected from the start::

    protectedBy:
      vault: rsv-other            # created (in this resource group, at the VM's region) if missing
      resourceGroup: rg-backup-weu
      subscription: ...           # default: the VM's
      policy: DefaultPolicy       # default DefaultPolicy
      recoveryPoints: 3           # a day apart, newest now; or a list of {daysAgo: N, tier: snapshot|vault|archive}
"""

import uuid
from datetime import timedelta

from armemu.core.http import json_response
from armemu.core.lro import utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources import compute_vms
from armemu.resources._backup_support import (BMS_PAGE_SIZE, ITEM, ITEM_TYPE, VM_ITEM_TYPE, bms_error, container_id, container_name,
                                              filter_terms, item_id, item_name, item_not_found, protected_vms, request_item_id,
                                              short_container_name, soft_delete_settings, vault_holding, vault_items, vm_id_parts, vm_parts)
from armemu.resources._passive_stamp import check_passive
from armemu.resources._protected_item_support import (JOB_OPERATIONS, NEVER_BACKED_UP, PROTECTION_STATES, accept_change, change_applier,
                                                      delete_protected_item, requested_change, served)
from armemu.resources._vault_support import VAULT, azure_spelling, require_vault, vault_id
from armemu.resources.backup_jobs import start_job
from armemu.resources.backup_policies import find_policy
from armemu.resources.backup_recovery_points import add_recovery_point
from armemu.resources.resource_groups import group_body
from armemu.resources.vaults import create_vault, new_vault_body

ESTATE_SECTIONS = ("virtualMachines",)
ESTATE_PRIORITY = 45
INVALID_CONFIGURE = "BMSUserErrorInvalidConfigureProtectionRequest"


# --- bodies ---------------------------------------------------------------------------------------

def container_body(vault, vm):
    """The ``IaasVMContainer`` that exists once ``vm`` is protected."""
    group, name = vm["id"].split("/")[4], vm["name"]
    return {"id": container_id(vault, group, name), "name": container_name(group, name),
            "type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers",
            "properties": {"containerType": VM_ITEM_TYPE, "friendlyName": name, "backupManagementType": "AzureIaasVM",
                           "registrationStatus": "Registered", "healthStatus": "Healthy", "virtualMachineId": vm["id"],
                           "virtualMachineVersion": "Compute", "resourceGroup": group, "protectableObjectType": VM_ITEM_TYPE}}


def item_body(store, vault, vm, policy):
    """A new item for ``vm`` under ``policy``: IRPending until its first backup."""
    group, name = vm["id"].split("/")[4], vm["name"]
    retention_days = soft_delete_settings(store, vault)[1]
    properties = {
        "protectedItemType": VM_ITEM_TYPE, "backupManagementType": "AzureIaasVM", "workloadType": "VM",
        "containerName": short_container_name(group, name), "friendlyName": name,
        "sourceResourceId": vm["id"], "virtualMachineId": vm["id"],
        "protectionState": "IRPending", "protectionStatus": "Healthy", "healthStatus": "Passed", "lastBackupStatus": "",
        "lastBackupTime": NEVER_BACKED_UP,
        "protectedItemDataId": str(uuid.uuid5(uuid.NAMESPACE_URL, vm["id"].lower()).int % 10 ** 18),
        "isScheduledForDeferredDelete": False, "softDeleteRetentionPeriodInDays": retention_days,
        "kpisHealths": {}, "vaultId": vault, "sourceLocation": vm["location"], "isArchiveEnabled": False,
    }
    set_policy(properties, policy)
    return {"id": item_id(vault, group, name), "name": item_name(group, name), "type": ITEM_TYPE, "properties": properties}


def set_policy(properties, policy):
    properties.update(policyId=policy["id"], policyName=policy["name"], policyType=policy["properties"].get("policyType", "V1"))


def record_backup(store, item_resource_id, point):
    """The item after a successful backup that made ``point``: Protected, last backup fields set."""
    with store.lock:
        item = store.get(item_resource_id)
        if item is None:
            return
        properties = item["properties"]
        taken = point["properties"]["recoveryPointTime"]
        properties.update(lastBackupStatus="Completed", lastBackupTime=taken, lastRecoveryPoint=taken,
                          protectionStatus="Healthy", healthStatus="Passed", healthDetails=[])
        if properties["protectionState"] == "IRPending":
            properties["protectionState"] = "Protected"
        store.put(item_resource_id, item)


def record_failed_backup(store, item_resource_id, failure):
    """The item after a failed backup: ``lastBackupStatus`` Failed, health needs action (``failure`` = (code, message))."""
    with store.lock:
        item = store.get(item_resource_id)
        if item is None:
            return
        item["properties"].update(lastBackupStatus="Failed", protectionStatus="Unhealthy", healthStatus="ActionRequired",
                                  healthDetails=[{"code": 0, "title": failure[0], "message": failure[1], "recommendations": []}])
        store.put(item_resource_id, item)


# --- estate ---------------------------------------------------------------------------------------

def _ensure_vault(store, estate, spec, protection):
    subscription = str(protection.get("subscription") or spec["subscription"])
    group, name = protection["resourceGroup"], protection["vault"]
    if not store.exists(f"/subscriptions/{subscription}/resourceGroups/{group}"):
        body = group_body(subscription, group, spec["location"])
        store.put(body["id"], body)
    vault = store.get(vault_id(subscription, group, name))
    if vault is None:
        vault = new_vault_body((subscription, group, name), {"location": spec["location"]}, str(estate["tenant"]))
        create_vault(store, vault)
    if vault["location"] != spec["location"]:
        raise ValueError(f"virtualMachines {spec['name']}: protectedBy vault {name} is in {vault['location']}, the VM in {spec['location']}")
    return vault["id"]


def _seeded_points(protection):
    """[(days ago, tier)] for ``protectedBy.recoveryPoints``: a count (a day apart, newest now) or a list."""
    wanted = protection.get("recoveryPoints") or 0
    if isinstance(wanted, int):
        return [(days, "snapshot" if days < 2 else "vault") for days in range(wanted)]
    return [(float(entry.get("daysAgo", 0)), entry.get("tier", "vault")) for entry in wanted]


def protect_from_estate(store, estate, spec):
    protection = spec["protectedBy"]
    vault = _ensure_vault(store, estate, spec, protection)
    vm = store.get(compute_vms.vm_id(spec["subscription"], spec["resourceGroup"], spec["name"]))
    policy = find_policy(store, vault, protection.get("policy", "DefaultPolicy"))
    if policy is None:
        raise ValueError(f"virtualMachines {spec['name']}: policy {protection.get('policy')} is not in vault {protection['vault']}")
    container, item = container_body(vault, vm), item_body(store, vault, vm, policy)
    store.put(container["id"], container)
    store.put(item["id"], item)
    now = utc_now()
    newest = None
    for days_ago, tier in sorted(_seeded_points(protection), reverse=True):
        newest = add_recovery_point(store, item, vm, now - timedelta(days=days_ago), tier)
    if newest:
        record_backup(store, item["id"], newest)
        compute_vms.install_snapshot_extension(store, vm["id"])


def load_estate(store, estate):
    for spec in compute_vms.expand_specs(estate, store):
        if spec.get("protectedBy"):
            protect_from_estate(store, estate, spec)


# --- PUT I ----------------------------------------------------------------------------------------

def _names(req):
    """(resource group, vm name) from the path; container and item must name the same VM."""
    if req.params["fabricName"].lower() != "azure":
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs")
    container, item = vm_parts(req.params["containerName"]), vm_parts(req.params["protectedItemName"])
    if not container or not item or [part.lower() for part in container] != [part.lower() for part in item]:
        raise bms_error(INVALID_CONFIGURE, "Input for configure protection is not in proper format\r\n"
                                           "Please ensure that container exists and other parameters are in valid format")
    return item


def resolve_policy(store, vault, policy_id):
    """The vault's AzureIaasVM policy named by ``policy_id`` (refusals as Azure words them)."""
    name = policy_id.rstrip("/").rsplit("/", 1)[-1]
    in_vault = policy_id.lower().startswith(vault.lower() + "/backuppolicies/")
    policy = find_policy(store, vault, name) if in_vault else None
    if policy is None:
        raise bms_error("BMSUserErrorPolicyNotExist", f"Policy '{name}' does not exist in the vault.\r\nPlease provide a valid policy.")
    if policy["properties"].get("backupManagementType") != "AzureIaasVM":
        raise bms_error("BMSUserErrorInvalidPolicyForGivenProvider",
                        "Policy is not valid for given provider type. Please choose valid policy for given provider.")
    return policy


def protectable_vm(req, vault, group, name, source_id):
    """The VM to protect: it exists in the vault's subscription and region and no other vault holds it.

    No prior ``refreshContainers`` is needed: Azure's quickstart templates, Bicep modules and
    Terraform's ``azurerm_backup_protected_vm`` PUT the item straight after creating the vault, and
    the Backup service discovers the VM itself. Only the protectable-items list waits for a refresh.
    """
    store = req.emu.store
    not_found = bms_error(INVALID_CONFIGURE, "Input for configure protection is not in proper format\r\n"
                                             "Please ensure that container exists and other parameters are in valid format")
    parts = vm_id_parts(source_id)
    if not parts or parts[0].lower() != req.params["subscriptionId"].lower() or \
            [parts[1].lower(), parts[2].lower()] != [group.lower(), name.lower()]:
        raise not_found
    vm = store.get(compute_vms.vm_id(*parts))
    if vm is None or vm["location"] != store.get(vault)["location"]:
        raise not_found
    holder = vault_holding(store, parts[0], group, name)
    if holder and holder != vault.lower():
        raise bms_error(INVALID_CONFIGURE, "Virtual machine is already registered with another recovery services vault.\r\n"
                                           "Please select a different virtual machine for registration.")
    return vm


def _enabler(store, vault, item_resource_id, vm, policy):
    """Enabling protection of ``vm`` makes its container and a new item (with the vault's settings when the operation ends)."""
    def enable():
        store.put(container_body(vault, vm)["id"], container_body(vault, vm))
        store.put(item_resource_id, item_body(store, vault, vm, policy))
    return enable


@route("PUT", ITEM)
def put_item(req):
    vault = require_vault(req)["id"]
    group, name = _names(req)
    requested = dict(req.json().get("properties") or {})
    requested["protectedItemType"] = azure_spelling(requested.get("protectedItemType"), (VM_ITEM_TYPE,))
    if requested.get("protectionState") is not None:
        requested["protectionState"] = azure_spelling(requested["protectionState"], PROTECTION_STATES) or requested["protectionState"]
    if requested["protectedItemType"] != VM_ITEM_TYPE:
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs "
                                                    f"(properties.protectedItemType must be '{VM_ITEM_TYPE}').")
    store = req.emu.store
    current = store.get(request_item_id(req))
    change = requested_change(current, requested)
    vm = policy = None
    if change in ("enable", "modify", "resume"):
        if not requested.get("policyId"):
            raise bms_error(INVALID_CONFIGURE, "Input for configure protection is not in proper format\r\n"
                                               "Please provide a policy to protect the item.")
        policy = resolve_policy(store, vault, requested["policyId"])
    if change == "enable":
        vm = protectable_vm(req, vault, group, name, requested.get("sourceResourceId", ""))
        group, name = vm["id"].split("/")[4], vm["name"]
    resource_id = current["id"] if current else item_id(vault, group, name)
    job = start_job(store, vault, JOB_OPERATIONS[change], name, short_container_name(group, name),
                    {"Policy Name": policy["name"]} if policy else None)
    apply = change_applier(store, change, resource_id, requested, policy, _enabler(store, vault, resource_id, vm, policy), set_policy)
    return accept_change(req, change, job, apply, resource_id)


# --- reads ----------------------------------------------------------------------------------------

def _expand(req):
    return filter_terms(req.query_value("$filter")).get("expand", "").lower() == "extendedinfo"


@route("GET", ITEM)
def get_item(req):
    require_vault(req)
    item = req.emu.store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    return json_response(200, served(req.emu.store, item, _expand(req)))


ITEM_FILTERS = {"backupmanagementtype": "backupManagementType", "itemtype": "workloadType", "workloadtype": "workloadType",
                "policyname": "policyName", "protectionstate": "protectionState", "friendlyname": "friendlyName"}


@route("GET", VAULT + "/backupProtectedItems")
def list_items(req):
    check_passive(req, "protectedItems.list")  # the secondary region's list needs cross-region restore (backup_crr.py)
    vault = require_vault(req)["id"]
    terms = filter_terms(req.query_value("$filter"))
    items = []
    for item in sorted(vault_items(req.emu.store, vault), key=lambda body: body["id"].lower()):
        properties = item["properties"]
        if all(str(properties.get(field, "")).lower() == terms[key].lower() for key, field in ITEM_FILTERS.items() if key in terms):
            items.append(served(req.emu.store, item, False))
    return paged_response(req, items, BMS_PAGE_SIZE)


# --- DELETE I -------------------------------------------------------------------------------------

def _start_delete_job(store, vault, item):
    return start_job(store, vault, "DeleteBackupData", item["properties"]["friendlyName"], item["properties"]["containerName"])


def _purge(store, item_resource_id):
    """Without soft delete the item, its recovery points and its container go."""
    store.delete_tree(item_resource_id.rsplit("/protectedItems/", 1)[0])


@route("DELETE", ITEM)
def delete_item(req):
    return delete_protected_item(req, _start_delete_job, _purge)


def holder_of(store, vm_resource_id):
    """(vault id, item body) protecting the VM, or (None, None): for region-level queries."""
    parts = vm_id_parts(vm_resource_id)
    if not parts:
        return None, None
    holder = protected_vms(store, parts[0]).get((parts[1].lower(), parts[2].lower()))
    if not holder:
        return None, None
    vault = store.get(holder)
    items = [item for item in vault_items(store, vault["id"]) if item["properties"]["sourceResourceId"].lower() == vm_resource_id.lower()]
    return vault["id"], (items[0] if items else None)
