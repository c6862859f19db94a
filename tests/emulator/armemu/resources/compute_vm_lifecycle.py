"""VMs that come and go: the VM a restore creates, and ``DELETE`` of a VM (api-version 2026-04-01).

compute_vms.py serves the reads; this file adds what a restore drill needs around them:

- ``restored_vm_body``: the VM Azure Backup creates for an "alternate location" restore: made from
  the restored disks (``createOption: Attach``, so no ``osProfile``), running, agent Ready, with the
  restored NIC. Disks and NIC keep Azure's default ``deleteOption: Detach`` for attached resources,
  so deleting the VM leaves them (a drill deletes them itself).
- ``quota_refusal``: the regional vCPU quota Azure enforces when a VM is created, from the estate
  section ``computeQuotas: [{location: westeurope, cores: 10, subscription: ...}]`` (no entry: 10,000,
  i.e. no practical limit). Over it, creation fails with ``OperationNotAllowed`` and Azure's "exceeding
  approved Total Regional Cores quota" message (the vCPU count is read from the size name, e.g.
  ``Standard_D4s_v5`` = 4). ``GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{loc}/usages``
  (Usage_List) shows it: ``cores`` ("Total Regional vCPUs") and ``virtualMachines``, so a check can
  see a refusal coming without creating anything.
- ``DELETE .../virtualMachines/{vm}``: 202 with ``Azure-AsyncOperation`` + ``Location`` on the compute
  operation path (+ Retry-After); the VM goes when the operation ends, disks and NICs are detached
  (or deleted when their ``deleteOption`` is ``Delete``). 204 when there is no such VM.
"""

import re
import uuid

from armemu.core.arm import normalise_location, require_resource_group
from armemu.core.http import empty_response, json_response
from armemu.core.lro import iso, utc_now
from armemu.core.routing import route
from armemu.resources import compute_disks, compute_vms, network
from armemu.resources.compute_operations import compute_accepted, start_compute_operation

ESTATE_SECTIONS = ("computeQuotas",)
ESTATE_PRIORITY = 45
DEFAULT_CORES = 10000
VM_LIMIT = 25000
USAGES = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/usages"
VCPUS = re.compile(r"^(?:Standard|Basic)_[A-Za-z]+?(\d+)")


def quota_key(subscription_id, location):
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Compute/locations/{location}/armemuQuota/cores"


def load_estate(store, estate):
    subscriptions = [str(entry["id"]) for entry in estate.get("subscriptions") or []]
    for spec in estate.get("computeQuotas") or []:
        subscription = str(spec.get("subscription") or (subscriptions[0] if subscriptions else ""))
        store.put(quota_key(subscription, normalise_location(spec["location"])), {"cores": int(spec["cores"])})


def vcpus(size):
    found = VCPUS.match(size or "")
    return int(found.group(1)) if found else 2


def regional_usage(store, subscription_id, location):
    """(vCPUs in use, vCPU limit, VM count) of a subscription's region."""
    prefix = f"/subscriptions/{subscription_id.lower()}/"
    vms = store.find(lambda key, body: key.startswith(prefix) and compute_vms.VM_ID_KEY.match(key) and body["location"] == location)
    quota = store.get(quota_key(subscription_id, location)) or {"cores": DEFAULT_CORES}
    return sum(vcpus(vm["properties"]["hardwareProfile"]["vmSize"]) for vm in vms), quota["cores"], len(vms)


def quota_refusal(store, subscription_id, location, size):
    """Azure's quota message when one more VM of ``size`` would exceed the region's vCPU quota, else None."""
    usage, limit, dummy = regional_usage(store, subscription_id, location)
    needed = vcpus(size)
    if usage + needed <= limit:
        return None
    return (f"Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Additional details - "
            f"Deployment Model: Resource Manager, Location: {location}, Current Limit: {limit}, Current Usage: {usage}, "
            f"Additional Required: {needed}, (Minimum) New Limit Required: {usage + needed}.")


@route("GET", USAGES)
def list_usages(req):
    cores, limit, count = regional_usage(req.emu.store, req.params["subscriptionId"], normalise_location(req.params["location"]))
    return json_response(200, {"value": [
        {"unit": "Count", "currentValue": cores, "limit": limit, "name": {"value": "cores", "localizedValue": "Total Regional vCPUs"}},
        {"unit": "Count", "currentValue": count, "limit": VM_LIMIT, "name": {"value": "virtualMachines", "localizedValue": "Virtual Machines"}},
    ]})


def restored_vm_body(target, point, disks, nic_resource_id, zones=None):
    """The VM a restore creates. ``target``: {subscription, resourceGroup, name, location};
    ``disks``: [(disk id, lun or None for the OS disk, size GB)]."""
    properties = point["properties"]
    spec = {**target, "osType": properties.get("osType") or "Linux", "powerState": "running",
            "vmSize": properties.get("virtualMachineSize") or "Standard_D2s_v3",
            "agent": {"provisioned": True, "status": "Ready", "version": compute_vms.DEFAULT_AGENT_VERSION},
            "specialisedDisk": True, "extensions": [], "tags": {}}
    body = compute_vms.vm_body(spec)
    storage = body["properties"]["storageProfile"]
    for disk_resource_id, lun, size in disks:
        name = disk_resource_id.rsplit("/", 1)[-1]
        entry = {"name": name, "createOption": "Attach", "caching": "ReadWrite" if lun is None else "None", "deleteOption": "Detach",
                 "diskSizeGB": size, "managedDisk": {"storageAccountType": "Premium_LRS", "id": disk_resource_id}}
        if lun is None:
            storage["osDisk"] = {"osType": spec["osType"], **entry}
        else:
            storage["dataDisks"].append({"lun": lun, **entry})
    body["properties"]["networkProfile"] = {"networkInterfaces": [{"id": nic_resource_id, "properties": {"deleteOption": "Detach"}}]}
    view = body["properties"]["instanceView"]
    now = iso(utc_now())
    view["disks"] = [{"name": disk_resource_id.rsplit("/", 1)[-1],
                      "statuses": [{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": now}]}
                     for disk_resource_id, dummy, dummy_size in disks]
    if zones:
        body["zones"] = list(zones)
    body["properties"]["vmId"] = str(uuid.uuid4())
    return body


def attached_disks(vm):
    """(disk id, deleteOption) of every managed disk the VM uses."""
    storage = vm["properties"]["storageProfile"]
    entries = [storage["osDisk"], *storage.get("dataDisks", [])]
    return [(entry["managedDisk"]["id"], entry.get("deleteOption", "Detach")) for entry in entries if entry.get("managedDisk", {}).get("id")]


def _remover(store, vm):
    def remove():
        for disk_resource_id, option in attached_disks(vm):
            if option == "Delete":
                store.delete(disk_resource_id)
            else:
                compute_disks.set_attachment(store, disk_resource_id, None)
        for nic in vm["properties"].get("networkProfile", {}).get("networkInterfaces", []):
            if (nic.get("properties") or {}).get("deleteOption") == "Delete":
                body = store.get(nic["id"])
                if body is not None:
                    network.release_nic(store, nic["id"])
                    network.remove_nic(store, body)()
            else:
                network.release_nic(store, nic["id"])
        store.delete(vm["id"])
    return remove


@route("DELETE", compute_vms.VM)
def delete_vm(req):
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    vm = req.emu.store.get(compute_vms.vm_id(req.params["subscriptionId"], req.params["resourceGroupName"], req.params["vmName"]))
    if vm is None:
        return empty_response(204)
    operation = start_compute_operation(req, vm["location"], on_complete=_remover(req.emu.store, vm))
    return compute_accepted(req, vm["location"], operation)
