"""Restoring an Azure VM from a recovery point: ``POST I/recoveryPoints/{rp}/restore`` (Restores_Trigger, api-version 2026-10-01).

Body ``{"properties": {...}}``, ``objectType`` ``IaasVMRestoreRequest`` or ``IaasVMRestoreWithRehydrationRequest``
(TriggerRestore_RestoreDisks_IaasVMRestoreRequest.json, TriggerRestore_ALR_IaasVMRestoreWithRehydrationRequest.json):

- ``recoveryType: RestoreDisks``: ``storageAccountId`` (staging, in the vault's region; or
  ``identityBasedRestoreDetails.targetStorageAccountId`` for a managed-identity restore), optional
  ``targetResourceGroupId`` (managed disks go there; without it nothing is created but the staged
  config and template), ``region``, ``sourceResourceId``, ``recoveryPointId``, ``originalStorageAccountOption``.
- ``recoveryType: AlternateLocation`` (create a new VM): also ``targetResourceGroupId``,
  ``targetVirtualMachineId`` (``{group}/providers/Microsoft.Compute/virtualMachines/{name}``, name not taken),
  ``virtualNetworkId`` and ``subnetId`` (existing, in the restore region), optional ``zones: ["1"]``.
- ``recoveryType: OriginalLocation`` (replace disks): the source VM must exist; its OS disk is replaced.
- ``IaasVMRestoreWithRehydrationRequest`` adds ``recoveryPointRehydrationInfo: {rehydrationPriority: Standard|High,
  rehydrationRetentionDuration: P10D..P30D}``; it is how an archive-tier point is restored.

Answer: 202 only, ``Azure-AsyncOperation: I/operationsStatus/{op}`` + ``Location: I/operationResults/{op}``,
no Retry-After (the Backup RP sends none; the spec examples show 60). The operation (kind ``restore_trigger``)
ends with the Restore job's id (``properties.jobId``); the job (``operation: Restore``) lasts the ``restore_job``
duration (3 × ``lro_delay`` in the fast profile; twice that when rehydrating), and when it completes the
resources appear (``CREATORS``) and the job carries their ids.

Job ``extendedInfo.propertyBag`` (documented keys for restore disks: "Job Type": "Recover disks", "Target Storage
Account Name", "Config Blob Container Name", "Config Blob Name", "Config Blob Uri", "Template Blob Uri",
"Recovery point time " (trailing space as Azure writes it), "Target resource group"; the keys below marked
inferred are the emulator's): "Restored Disk Ids" (comma-separated, inferred), "Target VM Id" and
"Restored NIC Id" (new VM, inferred), "Replaced Disk Ids" (replace disks, inferred); "Job Type" is
"Recover VM" / "Replace disks" for the other two types (inferred). ``tasksList``: one "Transfer data" task.

Names of what a restore creates (inferred from public reports): disks ``{vm}-osdisk-{yyyyMMdd-HHmmss}`` and
``{vm}-datadisk-{lun:03}-{stamp}``, NIC ``{vm}-nic-{8 hex}``. Refusals (400, before anything is written;
codes inferred unless stated): see ``check_restore_request``.
"""

import re
import uuid

from armemu.core.arm import normalise_location, resource_group_id
from armemu.core.lro import utc_now
from armemu.core.routing import route
from armemu.resources import compute_disks, compute_vm_lifecycle, compute_vms, network
from armemu.resources._backup_support import bms_error, parse_iso, request_vault, vm_id_parts
from armemu.resources.backup_jobs import finish_job, job_status, start_job
from armemu.resources.backup_operations import item_accepted, start_backup_operation
from armemu.resources.item_level_recovery import RECOVERY_POINT, require_point

RESTORE_TYPES = ("RestoreDisks", "AlternateLocation", "OriginalLocation")
REQUEST_TYPES = ("IaasVMRestoreRequest", "IaasVMRestoreWithRehydrationRequest")
REHYDRATION_PRIORITIES = ("Standard", "High")
REHYDRATION_DAYS = (10, 30)
UNSUPPORTED_STAGING_SKUS = ("Premium_LRS", "Premium_ZRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS")
REHYDRATION_FACTOR = 2  # a restore that first rehydrates an archive point takes twice a restore job (inferred)
VM_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.compute/virtualmachines/([^/]+)$", re.IGNORECASE)
GROUP_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)$", re.IGNORECASE)
OS_DISK_GB = {"Windows": 127, "Linux": 30}


class JobFailure(Exception):
    """A restore job that fails when it runs: (Azure error code, message)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def invalid(message):
    return bms_error("BMSUserErrorInvalidInput", f"Input provided for the call is invalid\r\n{message}")


def point_tiers(point):
    return [tier["type"] for tier in point["properties"].get("recoveryPointTierDetails") or [] if tier.get("status") == "Valid"]


# --- checking a request ---------------------------------------------------------------------------

def _check_identity(properties, item, point):
    if properties.get("objectType") not in REQUEST_TYPES:
        raise invalid(f"properties.objectType must be one of {', '.join(REQUEST_TYPES)} for an Azure VM.")
    if properties.get("recoveryType") not in RESTORE_TYPES:
        raise invalid(f"properties.recoveryType must be one of {', '.join(RESTORE_TYPES)}.")
    if properties.get("recoveryPointId") and properties["recoveryPointId"] != point["name"]:
        raise invalid(f"properties.recoveryPointId '{properties['recoveryPointId']}' is not the recovery point of the request path.")
    source = item["properties"].get("sourceResourceId", "")
    if properties.get("sourceResourceId") and properties["sourceResourceId"].lower() != source.lower():
        raise invalid(f"properties.sourceResourceId '{properties['sourceResourceId']}' is not the source of this backup item.")


def _check_tier(properties, point):
    """An archive-only point needs the rehydration request; the rehydration request needs valid rehydration info."""
    archived = point_tiers(point) == ["ArchivedRP"]
    if properties["objectType"] == "IaasVMRestoreRequest":
        if archived:
            raise bms_error("BMSUserErrorRecoveryPointArchived",
                            f"Recovery point '{point['name']}' is in the archive tier only.\r\n"
                            "Restore it with an IaasVMRestoreWithRehydrationRequest (rehydration priority and duration).")
        return False
    info = properties.get("recoveryPointRehydrationInfo") or {}
    if not archived:
        raise invalid(f"Recovery point '{point['name']}' is not in the archive tier; use IaasVMRestoreRequest.")
    days = re.match(r"^P(\d+)D$", str(info.get("rehydrationRetentionDuration") or ""))
    if info.get("rehydrationPriority") not in REHYDRATION_PRIORITIES or not days or \
            not REHYDRATION_DAYS[0] <= int(days.group(1)) <= REHYDRATION_DAYS[1]:
        raise invalid("recoveryPointRehydrationInfo needs rehydrationPriority Standard or High and rehydrationRetentionDuration "
                      f"P{REHYDRATION_DAYS[0]}D to P{REHYDRATION_DAYS[1]}D.")
    return True


def _reference(properties, key, required, what):
    """``properties[key]``; None when absent and optional; a 400 naming ``what`` when absent and required."""
    value = properties.get(key)
    if not value and required:
        raise invalid(f"properties.{key} ({what}) is required for {properties['recoveryType']}.")
    return value or None


def _staging_account(store, properties, region, required):
    identity_based = (properties.get("identityBasedRestoreDetails") or {}).get("targetStorageAccountId")
    account_id = identity_based or _reference(properties, "storageAccountId", required, "the staging storage account")
    if account_id is None:
        return None
    account = store.get(account_id)
    if account is None or account.get("type", "").lower() != "microsoft.storage/storageaccounts":
        raise bms_error("BMSUserErrorStorageAccountNotFound", f"The staging storage account '{account_id}' was not found.\r\n"
                                                              "Give an existing storage account in the restore region.")
    if account["location"] != region:
        raise bms_error("BMSUserErrorStorageAccountLocationMismatch",
                        f"The staging storage account '{account['name']}' is in {account['location']}; it must be in {region}, "
                        "the region of the restore.\r\nChoose a storage account in that region.")
    if account.get("sku", {}).get("name") in UNSUPPORTED_STAGING_SKUS:
        raise bms_error("BMSUserErrorUnsupportedStagingStorageAccount",
                        f"The staging storage account '{account['name']}' ({account['sku']['name']}) is not supported: premium and "
                        "zone-redundant storage accounts cannot be used as staging location.")
    return account


def _target_group(store, properties, required):
    group_id = _reference(properties, "targetResourceGroupId", required, "the resource group of the restored resources")
    if group_id is None:
        return None
    found = GROUP_ID.match(group_id)
    group = store.get(group_id) if found else None
    if group is None:
        raise bms_error("BMSUserErrorTargetResourceGroupNotFound", f"The target resource group '{group_id}' was not found.\r\n"
                                                                   "Create the resource group or give an existing one.")
    return group


def _new_vm_target(store, properties, group, region):
    """The new VM's ids and network for an alternate-location restore."""
    found = VM_ID.match(properties.get("targetVirtualMachineId") or "")
    if not found:
        raise invalid("properties.targetVirtualMachineId must be a virtual machine id in the target resource group.")
    subscription, group_name, name = found.groups()
    if resource_group_id(subscription, group_name).lower() != group["id"].lower():
        raise invalid("properties.targetVirtualMachineId must lie in properties.targetResourceGroupId.")
    if store.exists(compute_vms.vm_id(subscription, group_name, name)):
        raise bms_error("BMSUserErrorVmAlreadyExists", f"A virtual machine named '{name}' already exists in resource group "
                                                       f"'{group['name']}'.\r\nChoose another name for the restored VM.")
    vnet = store.get(properties.get("virtualNetworkId") or "") if properties.get("virtualNetworkId") else None
    if vnet is None:
        raise bms_error("BMSUserErrorVirtualNetworkNotFound", f"The virtual network '{properties.get('virtualNetworkId')}' was not found.")
    if vnet["location"] != region:
        raise bms_error("BMSUserErrorVirtualNetworkLocationMismatch",
                        f"The virtual network '{vnet['name']}' is in {vnet['location']}; the restored VM is created in {region}.")
    owner, subnet = network.find_subnet(store, properties.get("subnetId") or "")
    if subnet is None or owner["id"].lower() != vnet["id"].lower():
        raise bms_error("BMSUserErrorSubnetNotFound", f"The subnet '{properties.get('subnetId')}' was not found in virtual network '{vnet['name']}'.")
    zones = properties.get("zones") or []
    if zones and (len(zones) != 1 or str(zones[0]) not in ("1", "2", "3")):
        raise invalid("properties.zones takes one availability zone: 1, 2 or 3.")
    return {"subscription": subscription, "resourceGroup": group["name"], "name": name, "location": region,
            "subnetId": subnet["id"], "zones": [str(zone) for zone in zones]}


def check_restore_request(store, vault, item, point, properties, region):
    """The restore plan for a request, or the BMS 400 Azure gives. ``region``: where the restore must land."""
    if item["properties"].get("isScheduledForDeferredDelete"):
        raise bms_error("BMSUserErrorItemSoftDeleted", f"The backup item '{item['properties'].get('friendlyName')}' is soft-deleted.\r\n"
                                                       "Undelete the item before restoring from its recovery points.")
    _check_identity(properties, item, point)
    if normalise_location(properties.get("region") or region) != region:
        raise bms_error("BMSUserErrorInvalidRestoreRegion",
                        f"properties.region '{properties.get('region')}' is not valid here: this restore can only target {region}.")
    rehydrate = _check_tier(properties, point)
    restore_type = properties["recoveryType"]
    plan = {"type": restore_type, "vault": vault["id"], "item": item["id"], "point": point, "region": region, "rehydrate": rehydrate,
            "sourceId": item["properties"].get("sourceResourceId", ""), "sourceName": item["properties"].get("friendlyName", ""),
            "container": item["properties"].get("containerName", "")}
    plan["storage"] = _staging_account(store, properties, region, restore_type != "OriginalLocation")
    group = _target_group(store, properties, restore_type == "AlternateLocation")
    plan["targetGroup"] = group
    if restore_type == "AlternateLocation":
        plan["newVm"] = _new_vm_target(store, properties, group, region)
    if restore_type == "OriginalLocation" and store.get(plan["sourceId"]) is None:
        raise bms_error("UserErrorVmNotFoundV2", "The virtual machine doesn't exist anymore.\r\n"
                                                 "Restore to a new VM or restore disks instead of replacing the disks of the original VM.")
    return plan


# --- the job --------------------------------------------------------------------------------------

def recovery_point_time(point):
    """``12/25/2019 10:07:11 PM``: how the propertyBag writes the recovery point time."""
    moment = parse_iso(point["properties"]["recoveryPointTime"])
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour % 12 or 12}:{moment:%M:%S} {'PM' if moment.hour >= 12 else 'AM'}"


JOB_TYPES = {"RestoreDisks": "Recover disks", "AlternateLocation": "Recover VM", "OriginalLocation": "Replace disks"}


def property_bag(plan, job_name):
    bag = {"Job Type": JOB_TYPES[plan["type"]], "Recovery point time ": recovery_point_time(plan["point"])}
    if plan["targetGroup"]:
        bag["Target resource group"] = plan["targetGroup"]["name"]
    account = plan["storage"]
    if account:
        container = f"{plan['sourceName']}-{uuid.uuid4().hex}"
        blob = f"https://{account['name']}.blob.core.windows.net/{container}"
        bag.update({"Target Storage Account Name": account["name"], "Config Blob Container Name": container,
                    "Config Blob Name": f"config-{plan['sourceName']}-{job_name}.json",
                    "Config Blob Uri": f"{blob}/config-{plan['sourceName']}-{job_name}.json"})
        if plan["type"] == "RestoreDisks":
            bag["Template Blob Uri"] = f"{blob}/azuredeploy{job_name}.json"
    return bag


def start_restore_job(store, jobs_parent, plan, operation="Restore"):
    """Store the InProgress Restore job under ``jobs_parent`` (a vault id, or a CRR location) and return its id."""
    job = start_job(store, jobs_parent, operation, plan["sourceName"], plan["container"])
    with store.lock:
        body = store.get(job)
        extended = body["properties"]["extendedInfo"]
        extended["tasksList"] = [{"taskId": "Transfer data", "status": "InProgress", "duration": "PT0S"}]
        extended["propertyBag"] = property_bag(plan, body["name"])
        store.put(job, body)
    return job


def _disk_layout(store, plan):
    """[(name suffix, lun or None, size GB)] of the source VM's disks (the OS disk when the VM is gone)."""
    os_type = plan["point"]["properties"].get("osType") or "Linux"
    vm = store.get(plan["sourceId"])
    if vm is None:
        return [("osdisk", None, OS_DISK_GB.get(os_type, 30))]
    storage = vm["properties"]["storageProfile"]
    disks = [("osdisk", None, storage["osDisk"].get("diskSizeGB") or OS_DISK_GB.get(os_type, 30))]
    disks += [(f"datadisk-{entry['lun']:03d}", entry["lun"], entry.get("diskSizeGB") or 128) for entry in storage.get("dataDisks", [])]
    return disks


def _make_disks(store, plan, subscription, group, vm_name, zones=None, managed_by=None):
    stamp = utc_now().strftime("%Y%m%d-%H%M%S")
    made = []
    os_type = plan["point"]["properties"].get("osType") or "Linux"
    for suffix, lun, size in _disk_layout(store, plan):
        disk_resource_id = compute_disks.disk_id(subscription, group, f"{vm_name}-{suffix}-{stamp}")
        store.put(disk_resource_id, compute_disks.disk_body(disk_resource_id, plan["region"], size, os_type if lun is None else None,
                                                            plan["point"]["id"], zones, managed_by))
        made.append((disk_resource_id, lun, size))
    return made


def _restore_disks(store, plan):
    group = plan["targetGroup"]
    if group is None:
        return {}
    made = _make_disks(store, plan, group["id"].split("/")[2], group["name"], plan["sourceName"])
    return {"Restored Disk Ids": ",".join(entry[0] for entry in made)}


def _restore_new_vm(store, plan):
    target = plan["newVm"]
    subscription, group, name = target["subscription"], target["resourceGroup"], target["name"]
    vm_resource_id = compute_vms.vm_id(subscription, group, name)
    if store.exists(vm_resource_id):
        raise JobFailure("UserErrorVmAlreadyExists", f"A virtual machine named '{name}' was created in '{group}' while the restore ran.")
    size = plan["point"]["properties"].get("virtualMachineSize") or "Standard_D2s_v3"
    refusal = compute_vm_lifecycle.quota_refusal(store, subscription, plan["region"], size)
    if refusal:
        raise JobFailure("OperationNotAllowed", refusal)
    disks = _make_disks(store, plan, subscription, group, name, target["zones"], vm_resource_id)
    nic_resource_id = network.nic_id(subscription, group, f"{name}-nic-{uuid.uuid4().hex[:8]}")
    network.create_nic(store, nic_resource_id, plan["region"], target["subnetId"], vm_resource_id)
    body = compute_vm_lifecycle.restored_vm_body({key: target[key] for key in ("subscription", "resourceGroup", "name", "location")},
                                                 plan["point"], disks, nic_resource_id, target["zones"])
    store.put(vm_resource_id, body)
    return {"Target VM Name": name, "Target VM Id": vm_resource_id, "Restored NIC Id": nic_resource_id,
            "Restored Disk Ids": ",".join(entry[0] for entry in disks)}


def _replace_disks(store, plan):
    with store.lock:
        vm = store.get(plan["sourceId"])
        if vm is None:
            raise JobFailure("UserErrorVmNotFoundV2", "The virtual machine doesn't exist anymore.")
        subscription, group, name = vm_id_parts(vm["id"])
        os_disk = vm["properties"]["storageProfile"]["osDisk"]
        old_id = os_disk["managedDisk"]["id"]
        if not store.exists(old_id):
            store.put(old_id, compute_disks.disk_body(old_id, vm["location"], os_disk.get("diskSizeGB") or 30, os_disk.get("osType")))
        compute_disks.set_attachment(store, old_id, None)
        new_id, dummy, size = next(entry for entry in _make_disks(store, plan, subscription, group, name, vm.get("zones"), vm["id"])
                                   if entry[1] is None)
        os_disk.update(name=new_id.rsplit("/", 1)[-1], createOption="Attach", diskSizeGB=size)
        os_disk["managedDisk"]["id"] = new_id
        vm["properties"]["instanceView"]["disks"][0]["name"] = os_disk["name"]
        store.put(vm["id"], vm)
    return {"Restored Disk Ids": new_id, "Replaced Disk Ids": old_id}


CREATORS = {"RestoreDisks": _restore_disks, "AlternateLocation": _restore_new_vm, "OriginalLocation": _replace_disks}


def restore_finisher(store, job, plan):
    """What happens when the Restore job's time is up: the resources appear and the job records their ids."""
    def finish():
        if job_status(store, job) != "InProgress":
            return
        try:
            created = CREATORS[plan["type"]](store, plan)
        except JobFailure as failure:
            finish_job(store, job, "Failed", (failure.code, failure.message))
            return
        with store.lock:
            body = store.get(job)
            body["properties"]["extendedInfo"]["propertyBag"].update(created)
            store.put(job, body)
        finish_job(store, job)
    return finish


def job_length(plan, settings):
    """Seconds the Restore job runs: the ``restore_job`` duration of the cost profile (doubled when rehydrating)."""
    return settings.duration("restore_job") * (REHYDRATION_FACTOR if plan["rehydrate"] else 1)


@route("POST", RECOVERY_POINT + "/restore")
def trigger_restore(req):
    item, point = require_point(req)
    store = req.emu.store
    vault = store.get(request_vault(req))
    plan = check_restore_request(store, vault, item, point, req.json().get("properties") or {}, vault["location"])
    job = start_restore_job(store, vault["id"], plan)
    req.emu.ops.start(job, on_complete=restore_finisher(store, job, plan), delay=job_length(plan, req.emu.settings))
    return item_accepted(req, start_backup_operation(req, None, job, kind="restore_trigger"), item["id"])
