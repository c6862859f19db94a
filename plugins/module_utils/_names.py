# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ids and names as Azure Backup writes them: VM references, container and item names, ARM ids.

A VM is named in options by resource id or by name and resource group (``VM_REF_OPTIONS``, the ``vm`` doc
fragment); ``resolve_vm_ref`` turns either into one dict. Azure-VM containers and protected items have
names of a fixed form (contract §3.1); ids are read with ``parse_resource_id`` (azure.mgmt.core.tools).
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import parse_resource_id

FABRIC = "Azure"
VM_ITEM_TYPE = "Microsoft.Compute/virtualMachines"
IAAS_VM = "AzureIaasVM"
# How a VM is named in module options: by resource id, or by name and resource group (resolve_vm_ref).
# resource_id: azure.azcollection's name for a VM's id (azure_rm_backupazurevm), so its tasks move over unchanged.
VM_REF_OPTIONS = dict(id=dict(type="str", aliases=["resource_id"]), name=dict(type="str"), resource_group=dict(type="str"))
# The ``vm`` option of the modules that act on one VM (documented by the azure_backup.recovery_services.vm fragment).
VM_ARGUMENT_SPEC = dict(vm=dict(type="dict", required=True, options=VM_REF_OPTIONS))


def container_name(vm_resource_group, vm_name):
    """Azure's protection container name of a Resource Manager VM."""
    return f"IaasVMContainer;iaasvmcontainerv2;{vm_resource_group};{vm_name}"


def item_name(vm_resource_group, vm_name):
    """Azure's protected item name of a Resource Manager VM."""
    return f"VM;iaasvmcontainerv2;{vm_resource_group};{vm_name}"


def vm_resource_id(subscription_id, resource_group, name):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachines/{name}"


def resolve_vm_ref(entry, subscription_id):
    """A VM given as ``{id}`` or ``{name, resource_group}`` -> id, name, resource group, subscription, key.

    ``key`` is the lower-cased id: protected and protectable items are matched to VMs by it.
    Raises ValueError naming what is missing, or the mix of both forms (which one wins would be a guess).
    """
    mixed = [option for option in ("name", "resource_group") if entry.get(option)]
    if entry.get("id") and mixed:
        raise ValueError(f"give a VM by id, or by name and resource_group, not both: got id '{entry['id']}' and {' and '.join(mixed)} "
                         f"'{entry[mixed[0]]}'")
    if entry.get("id"):
        parsed = parse_resource_id(entry["id"])
        if not parsed.get("virtualmachines") or not parsed.get("resourcegroups") or not parsed.get("subscriptions"):
            raise ValueError(f"'{entry['id']}' is not a virtual machine id "
                             "(/subscriptions/.../resourceGroups/.../providers/Microsoft.Compute/virtualMachines/NAME)")
        name, resource_group, subscription = parsed["virtualmachines"], parsed["resourcegroups"], parsed["subscriptions"]
    elif entry.get("name") and entry.get("resource_group"):
        name, resource_group, subscription = entry["name"], entry["resource_group"], subscription_id
    else:
        raise ValueError(f"a VM needs id, or name and resource_group: got {entry}")
    vm_id = vm_resource_id(subscription, resource_group, name)
    return {"id": vm_id, "name": name, "resource_group": resource_group, "subscription_id": subscription,
            "key": vm_id.lower(), "label": f"{resource_group}/{name}"}


def normalise_location(location):
    """"West Europe" and "westeurope" are the same region."""
    return (location or "").replace(" ", "").lower()


def names_from_item_id(resource_id):
    """(container name, item name) from a protected or protectable item id."""
    parsed = parse_resource_id(resource_id)
    return parsed.get("protectioncontainers"), parsed.get("protecteditems") or parsed.get("protectableitems")


def item_vm_id(item):
    """The lower-cased VM id a protected or protectable item stands for ('' if none)."""
    properties = item.get("properties") or {}
    return (properties.get("sourceResourceId") or properties.get("virtualMachineId") or "").lower()


def vault_name_from_id(vault_id):
    parsed = parse_resource_id(vault_id)
    return parsed.get("vaults"), parsed.get("resourcegroups")


def short_container_name(container):
    """'IaasVMContainer;iaasvmcontainerv2;rg;vm' -> 'iaasvmcontainerv2;rg;vm': how a job names its container."""
    parts = (container or "").split(";")
    return ";".join(parts[1:] if len(parts) == 4 else parts).lower()
