"""Subscription/region-level backup queries (no vault in the path), contract §3.8. All are POSTs
that only read, so the request log does not count them as writes.

- ``POST /subscriptions/{s}/providers/Microsoft.RecoveryServices/locations/{region}/backupStatus``
  with ``{"resourceType": "VM", "resourceId": vm}`` → 200: ``Protected`` (or ``ProtectionFailed``
  after a failed backup) with the vault, lower-case-prefixed container/item names and policy; or
  just ``{"protectionStatus": "NotProtected"}`` (the shape of an unprotected reply is inferred).
- ``POST .../locations/{region}/backupPreValidateProtection`` with ``{resourceType, resourceId,
  vaultId, properties}`` → 200 ``status: Succeeded``, or ``Failed`` with ``errorCode:
  VirtualMachineAlreadyProtected`` when another vault protects the VM.
- ``POST .../locations/{region}/backupValidateFeatures`` with ``{"featureType":
  "AzureVMResourceBackup", vmSize, vmSku}`` → 200 ``{"supportStatus": "Supported"}`` (``Invalid``
  for another feature type).
"""

from armemu.core.http import json_response
from armemu.core.routing import route
from armemu.resources import compute_vms
from armemu.resources._backup_support import bms_error, vm_id_parts
from armemu.resources.backup_protected_items import holder_of

LOCATION = "/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/locations/{azureRegion}"


def _lower_names(vm_resource_id):
    """(container, item) names in the lower-case-prefixed form these replies use."""
    group, name = vm_id_parts(vm_resource_id)[1:]
    return f"iaasvmcontainer;iaasvmcontainerv2;{group};{name}", f"vm;iaasvmcontainerv2;{group};{name}"


def _checked_vm_request(req):
    body = req.json()
    if (body.get("resourceType") or "").lower() != "vm" or not vm_id_parts(body.get("resourceId")):
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs "
                                                    "(resourceType 'VM' and a virtual machine resourceId).")
    return body


@route("POST", LOCATION + "/backupStatus", write=False)
def backup_status(req):
    vm_resource_id = _checked_vm_request(req)["resourceId"]
    vault, item = holder_of(req.emu.store, vm_resource_id)
    if item is None:
        return json_response(200, {"protectionStatus": "NotProtected"})
    properties = item["properties"]
    container, item_name = _lower_names(properties["sourceResourceId"])
    failed = properties.get("lastBackupStatus") == "Failed"
    failure_code = (properties.get("healthDetails") or [{}])[0].get("title", "")
    return json_response(200, {
        "protectionStatus": "ProtectionFailed" if failed else "Protected", "vaultId": vault, "fabricName": "Azure",
        "containerName": container, "protectedItemName": item_name, "policyName": properties.get("policyName", ""),
        "errorCode": failure_code if failed else "Success", "errorMessage": "",
        "registrationStatus": "Registered", "protectedItemsCount": 1, "acquireStorageAccountLock": "NotAcquire"})


@route("POST", LOCATION + "/backupPreValidateProtection", write=False)
def pre_validate_protection(req):
    body = _checked_vm_request(req)
    vm_resource_id, target_vault = body["resourceId"], (body.get("vaultId") or "").lower()
    container, item_name = _lower_names(vm_resource_id)
    reply = {"containerName": container, "protectedItemName": item_name}
    if req.emu.store.get(compute_vms.vm_id(*vm_id_parts(vm_resource_id))) is None:
        return json_response(200, dict(reply, status="Failed", errorCode="UserErrorVmNotFound",
                                       errorMessage="The virtual machine was not found.", recommendation="Check the VM's resource id."))
    vault = holder_of(req.emu.store, vm_resource_id)[0]
    if vault and vault.lower() != target_vault:
        return json_response(200, dict(reply, status="Failed", errorCode="VirtualMachineAlreadyProtected",
                                       errorMessage=f"The virtual machine is already protected by the vault '{vault}'.",
                                       recommendation="Stop protection in that vault, or leave the VM where it is."))
    return json_response(200, dict(reply, status="Succeeded", errorCode="", errorMessage="", recommendation=""))


@route("POST", LOCATION + "/backupValidateFeatures", write=False)
def validate_features(req):
    body = req.json()
    supported = body.get("featureType") == "AzureVMResourceBackup"
    return json_response(200, {"supportStatus": "Supported" if supported else "Invalid"})
