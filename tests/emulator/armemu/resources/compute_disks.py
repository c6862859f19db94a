"""Managed disks (Microsoft.Compute/disks, api-version 2025-01-02): the disks a restore creates.

The estate's VMs do not store their disks (their ``managedDisk.id`` points nowhere), so the only
disks here are those Azure Backup restores (backup_restore.py) and the originals a replace-disks
restore detaches. Routes:

- ``GET .../disks/{disk}``, ``GET .../resourceGroups/{rg}/providers/Microsoft.Compute/disks``: 200 / 404.
- ``DELETE .../disks/{disk}``: 202 (``Azure-AsyncOperation`` + ``Location`` on the compute operation
  path, + Retry-After), the disk goes when the operation ends; 204 if there is no such disk; 409
  ``OperationNotAllowed`` while a VM has it attached (``managedBy``), as Azure answers.
"""

import uuid

from armemu.core.errors import ArmError
from armemu.core.http import empty_response
from armemu.core.lro import iso, utc_now
from armemu.core.routing import route
from armemu.resources._group_resources import request_resource_id, serve_reads, typed_id
from armemu.resources.compute_operations import compute_accepted, start_compute_operation

DISK_TYPE = "Microsoft.Compute/disks"
GROUP_DISKS = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/disks"
DISK = GROUP_DISKS + "/{diskName}"
PREMIUM_TIERS = ((32, "P4"), (64, "P6"), (128, "P10"), (256, "P15"), (512, "P20"), (1024, "P30"))


def disk_id(subscription_id, resource_group, name):
    return typed_id(subscription_id, resource_group, DISK_TYPE, name)


def performance_tier(size_gb):
    return next((tier for limit, tier in PREMIUM_TIERS if size_gb <= limit), "P40")


def disk_body(resource_id, location, size_gb, os_type=None, source_id=None, zones=None, managed_by=None):
    """A Premium_LRS managed disk as GET returns it; ``os_type`` only for OS disks."""
    name = resource_id.rsplit("/", 1)[-1]
    properties = {
        "hyperVGeneration": "V2",
        "creationData": {"createOption": "Copy", **({"sourceResourceId": source_id} if source_id else {})},
        "diskSizeGB": size_gb, "diskSizeBytes": size_gb * 1024 ** 3, "diskIOPSReadWrite": 500, "diskMBpsReadWrite": 100,
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"}, "networkAccessPolicy": "AllowAll", "publicNetworkAccess": "Enabled",
        "timeCreated": iso(utc_now()), "provisioningState": "Succeeded", "diskState": "Attached" if managed_by else "Unattached",
        "uniqueId": str(uuid.uuid4()), "tier": performance_tier(size_gb),
    }
    if os_type:
        properties["osType"] = os_type
    body = {"id": resource_id, "name": name, "type": DISK_TYPE, "location": location, "tags": {},
            "sku": {"name": "Premium_LRS", "tier": "Premium"}, "properties": properties}
    if zones:
        body["zones"] = list(zones)
    if managed_by:
        body["managedBy"] = managed_by
    return body


def set_attachment(store, resource_id, vm_resource_id):
    """Mark a stored disk attached to ``vm_resource_id`` (or detached when None); unknown disks are skipped."""
    with store.lock:
        body = store.get(resource_id)
        if body is None:
            return
        if vm_resource_id:
            body["managedBy"] = vm_resource_id
        else:
            body.pop("managedBy", None)
        body["properties"]["diskState"] = "Attached" if vm_resource_id else "Unattached"
        store.put(resource_id, body)


serve_reads(GROUP_DISKS, DISK, DISK_TYPE, "diskName")


@route("DELETE", DISK)
def delete_disk(req):
    resource_id = request_resource_id(req, DISK_TYPE, "diskName")
    store = req.emu.store
    body = store.get(resource_id)
    if body is None:
        return empty_response(204)
    if body.get("managedBy"):
        raise ArmError(409, "OperationNotAllowed", f"Disk {body['name']} is attached to VM {body['managedBy']}.")
    operation = start_compute_operation(req, body["location"], on_complete=lambda: store.delete(resource_id))
    return compute_accepted(req, body["location"], operation)
