"""A world for the restore, cross-region restore and Run Command tests, and the steps they share.

Protected VMs (Linux and Windows, points in every tier), an isolated drill group with a virtual
network in the vault's region and another in the paired region, staging storage accounts in both
regions, and a premium one (not allowed as staging).
"""

import time

from azure.mgmt.compute import ComputeManagementClient

from helpers import GROUP, SUBSCRIPTION
from vm_estate import APP_GROUP, VAULT, vm_estate

LINUX_VM, WINDOWS_VM = "vm-restore-linux", "vm-restore-win"
DRILL_GROUP, NORTH_DRILL_GROUP = "rg-drill-weu", "rg-drill-neu"
STAGING, NORTH_STAGING, PREMIUM_STAGING = "stagingweu", "stagingneu", "stagingpremium"
DRILL_VNET, NORTH_VNET = "vnet-drill", "vnet-drill-neu"
POINTS = [{"daysAgo": 0, "tier": "snapshot"}, {"daysAgo": 2, "tier": "vault"}, {"daysAgo": 200, "tier": "archive"}]


def group_id(group, subscription=SUBSCRIPTION):
    return f"/subscriptions/{subscription}/resourceGroups/{group}"


def vm_id(vm, group=APP_GROUP):
    return f"{group_id(group)}/providers/Microsoft.Compute/virtualMachines/{vm}"


def account_id(name, group=GROUP):
    return f"{group_id(group)}/providers/Microsoft.Storage/storageAccounts/{name}"


def vnet_id(name, group=DRILL_GROUP):
    return f"{group_id(group)}/providers/Microsoft.Network/virtualNetworks/{name}"


def names(vm):
    return f"IaasVMContainer;iaasvmcontainerv2;{APP_GROUP};{vm}", f"VM;iaasvmcontainerv2;{APP_GROUP};{vm}"


def restore_estate(crr=False, quotas=()):
    protected = {"vault": VAULT, "resourceGroup": GROUP, "recoveryPoints": POINTS}
    estate = vm_estate([{"name": LINUX_VM, "resourceGroup": APP_GROUP, "osType": "Linux", "protectedBy": protected},
                        {"name": WINDOWS_VM, "resourceGroup": APP_GROUP, "osType": "Windows", "vmSize": "Standard_D4s_v5",
                         "protectedBy": protected}])
    if crr:
        estate["vaults"][0]["properties"] = {"redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant",
                                                                    "crossRegionRestore": "Enabled"}}
    estate["resourceGroups"] += [{"subscription": SUBSCRIPTION, "name": DRILL_GROUP, "location": "westeurope"},
                                 {"subscription": SUBSCRIPTION, "name": NORTH_DRILL_GROUP, "location": "northeurope"}]
    estate["storageAccounts"] = [
        {"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": STAGING, "location": "westeurope"},
        {"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": NORTH_STAGING, "location": "northeurope"},
        {"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": PREMIUM_STAGING, "location": "westeurope", "sku": "Premium_LRS"},
    ]
    estate["virtualNetworks"] = [
        {"subscription": SUBSCRIPTION, "resourceGroup": DRILL_GROUP, "name": DRILL_VNET, "addressPrefixes": ["10.20.0.0/16"],
         "subnets": [{"name": "default", "addressPrefix": "10.20.0.0/24"}]},
        {"subscription": SUBSCRIPTION, "resourceGroup": NORTH_DRILL_GROUP, "name": NORTH_VNET, "addressPrefixes": ["10.30.0.0/16"],
         "subnets": [{"name": "default", "addressPrefix": "10.30.0.0/24"}]},
    ]
    if quotas:
        estate["computeQuotas"] = list(quotas)
    return estate


def compute_client_for(emu, credential):
    return ComputeManagementClient(credential, SUBSCRIPTION, base_url=emu.endpoint, credential_scopes=["https://management.azure.com/.default"],
                                   connection_verify=emu.ca_file, polling_interval=1)


def new_vm_request(point, vm=LINUX_VM, target="vm-drill-01", vnet=DRILL_VNET, vnet_group=DRILL_GROUP, region="westeurope",
                   staging=STAGING, target_group=DRILL_GROUP, **extra):
    """An ``IaasVMRestoreRequest`` body that creates a new VM (alternate location)."""
    return {"properties": {
        "objectType": "IaasVMRestoreRequest", "recoveryType": "AlternateLocation", "recoveryPointId": point, "sourceResourceId": vm_id(vm),
        "region": region, "storageAccountId": account_id(staging), "targetResourceGroupId": group_id(target_group),
        "targetVirtualMachineId": vm_id(target, target_group), "virtualNetworkId": vnet_id(vnet, vnet_group),
        "subnetId": f"{vnet_id(vnet, vnet_group)}/subnets/default", "createNewCloudService": False, "originalStorageAccountOption": False,
        "encryptionDetails": {"encryptionEnabled": False}, **extra}}


def wait_until(read, done, tries=100, pause=0.1):
    """Call ``read()`` until ``done(value)``; the last value."""
    for dummy in range(tries):
        value = read()
        if done(value):
            return value
        time.sleep(pause)
    raise AssertionError(f"not done after {tries} tries: {value!r}")
