"""A world with VMs for the VM and VM-backup tests: the demo estate plus a vault, VMs in two regions,
a VM already protected by a vault elsewhere, and one in a subscription the principal may not use."""

import copy

import yaml

from helpers import DEMO, GROUP, SUBSCRIPTION

VAULT = "rsv-vms"
OTHER_VAULT = "rsv-elsewhere"
APP_GROUP = "rg-app-weu"
NORTH_GROUP = "rg-app-neu"


def vm_estate(extra_vms=()):
    """The demo estate with ``vaults`` and ``virtualMachines`` sections (``extra_vms`` appended)."""
    estate = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    estate = copy.deepcopy(estate)
    estate["vaults"] = [{"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": VAULT, "location": "westeurope"}]
    estate["virtualMachines"] = [
        {"name": "vm-linux-01", "resourceGroup": APP_GROUP, "osType": "Linux"},
        {"name": "vm-win-01", "resourceGroup": APP_GROUP, "osType": "Windows", "vmSize": "Standard_D4s_v5",
         "tags": {"app": "erp"}},
        {"name": "vm-stopped", "resourceGroup": APP_GROUP, "powerState": "stopped"},
        {"name": "vm-deallocated", "resourceGroup": APP_GROUP, "osType": "Windows", "powerState": "deallocated"},
        {"name": "vm-noagent", "resourceGroup": APP_GROUP, "agent": {"provisioned": False}},
        {"name": "vm-agent-down", "resourceGroup": APP_GROUP, "agent": {"status": "NotReady"}},
        {"name": "vm-specialised", "resourceGroup": APP_GROUP, "osType": "Windows", "specialisedDisk": True},
        {"name": "vm-snapshot-failed", "resourceGroup": APP_GROUP, "extensions": [{"type": "VMSnapshotLinux", "state": "failed"}]},
        {"name": "vm-north", "resourceGroup": NORTH_GROUP},
        {"name": "vm-protected", "resourceGroup": APP_GROUP, "osType": "Windows",
         "protectedBy": {"vault": OTHER_VAULT, "resourceGroup": GROUP, "policy": "DefaultPolicy", "recoveryPoints": 3}},
        *extra_vms,
    ]
    return estate
