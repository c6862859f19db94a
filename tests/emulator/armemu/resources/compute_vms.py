"""Virtual machines (Microsoft.Compute/virtualMachines, api-version 2026-04-01), read-only.

The collection never creates VMs; it reads them to decide what to protect and to pre-check them
(agent, power state, snapshot extension). So only the reads are served (contract §6):

- ``GET .../virtualMachines/{vm}[?$expand=instanceView]``: the VM; ``properties.instanceView``
  only with the expand.
- ``GET .../virtualMachines/{vm}/instanceView``: the instance view alone.
- ``GET .../resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines[?$expand=instanceView]``
  (VirtualMachines_List; its ``$expand`` takes ``instanceView`` only, ExpandTypeForListVMs in
  the spec): the models, each with its instance view when expanded;
  ``GET /subscriptions/{s}/providers/Microsoft.Compute/virtualMachines`` and
  ``GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{location}/virtualMachines``
  (VirtualMachines_ListByLocation): paged lists of the VM models (no instance view).
- ``GET /subscriptions/{s}/providers/Microsoft.Compute/virtualMachines?statusOnly=true``
  (VirtualMachines_ListAll, "statusOnly=true enables fetching run time status of all Virtual
  Machines in the subscription"): each VM's ``id``, ``name``, ``type``, ``location`` and
  ``properties.instanceView`` only, paged like the plain list. The model's profiles and tags are
  left out, as clients of this call observe (they list twice to join status and model); that the
  instance view is the full one (agent, extensions) is inferred from the spec's description.

The stored body always carries ``properties.instanceView``; reads strip it unless asked for.
Azure Backup installs the ``VMSnapshot`` (Windows) / ``VMSnapshotLinux`` extension at the first
backup: ``install_snapshot_extension`` does that for the backup files.

Estate section ``virtualMachines`` (one entry per VM, or a ``generate`` entry for many)::

    virtualMachines:
      - name: vm-web-01
        resourceGroup: rg-app-weu
        subscription: 00000000-0000-0000-0000-000000000001   # default: the estate's first subscription
        location: westeurope           # default: the resource group's location
        osType: Linux                  # Linux | Windows (default Linux)
        powerState: running            # running | stopped | deallocated
        vmSize: Standard_D2s_v3
        agent: {provisioned: true, status: Ready, version: 2.7.41491.1102}   # status Ready | NotReady
        specialisedDisk: false         # true: created from a specialised disk, so no osProfile
        extensions: [{type: VMSnapshotLinux, state: succeeded}]              # state succeeded | failed
        tags: {app: web}
        protectedBy: {vault: rsv-other, resourceGroup: rg-backup-weu, policy: DefaultPolicy, recoveryPoints: 3}
      - generate: {count: 250, namePrefix: vm-weu-, resourceGroup: rg-app-weu, osType: Windows}

``generate`` takes the same fields as a VM (except ``name``) and makes ``count`` VMs named
``{namePrefix}0001`` onwards. ``protectedBy`` is read by backup_protected_items.py.
"""

import copy
import re
import uuid

from armemu.core.arm import normalise_location, require_resource_group, resource_group_id
from armemu.core.errors import ArmError
from armemu.core.http import json_response
from armemu.core.lro import iso, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route

ESTATE_SECTIONS = ("virtualMachines",)
ESTATE_PRIORITY = 40
VM_TYPE = "Microsoft.Compute/virtualMachines"
GROUP_VMS = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines"
VM = GROUP_VMS + "/{vmName}"
OS_TYPES = ("Linux", "Windows")
POWER_STATES = ("running", "stopped", "deallocated")
AGENT_STATES = ("Ready", "NotReady")
EXTENSION_STATES = ("succeeded", "failed")
DEFAULT_AGENT_VERSION = "2.7.41491.1102"
SNAPSHOT_EXTENSIONS = {
    # extension name: (handler type, handler version)
    "VMSnapshot": ("Microsoft.Azure.RecoveryServices.VMSnapshot", "1.0.98.0"),
    "VMSnapshotLinux": ("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "1.0.9225.0"),
}
POWER_DISPLAY = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated"}
IMAGES = {
    "Linux": {"reference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
              "osName": "Ubuntu 24.04 LTS", "osVersion": "24.04"},
    "Windows": {"reference": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition",
                              "version": "latest"},
                "osName": "Windows Server 2022 Datacenter Azure Edition", "osVersion": "10.0.20348.2849"},
}
VM_ID_KEY = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.compute/virtualmachines/[^/]+$")


def vm_id(subscription_id, resource_group, name):
    return f"{resource_group_id(subscription_id, resource_group)}/providers/{VM_TYPE}/{name}"


def snapshot_extension_name(os_type):
    """The extension Azure Backup installs on a VM of ``os_type``."""
    return "VMSnapshot" if os_type == "Windows" else "VMSnapshotLinux"


# --- building a VM from an estate spec ------------------------------------------------------------

def _status(code, display, level="Info", message=None, time=None):
    status = {"code": code, "level": level, "displayStatus": display}
    if message:
        status["message"] = message
    if time:
        status["time"] = time
    return status


def extension_views(name, state, now):
    """(handler view, extension view) for the instance view's ``vmAgent.extensionHandlers`` / ``extensions``."""
    handler_type, version = SNAPSHOT_EXTENSIONS[name]
    if state == "succeeded":
        handler_status = _status("ProvisioningState/succeeded", "Ready")
        extension_status = _status("ProvisioningState/succeeded", "Provisioning succeeded", time=now)
    else:
        handler_status = _status("ProvisioningState/Unavailable", "Not Ready", "Warning", "Handler failed to start.")
        extension_status = _status("ProvisioningState/failed/-1", "Provisioning failed", "Error",
                                   "Extension operation failed: the snapshot extension could not be enabled.", now)
    handler = {"type": handler_type, "typeHandlerVersion": version, "status": handler_status}
    extension = {"name": name, "type": handler_type, "typeHandlerVersion": version, "statuses": [extension_status]}
    return handler, extension


def agent_view(spec, extensions, now):
    """``instanceView.vmAgent`` (None for a deallocated VM, which reports no agent)."""
    if spec["powerState"] == "deallocated":
        return None
    agent = spec["agent"]
    ready = agent["status"] == "Ready" and agent["provisioned"] and spec["powerState"] == "running"
    if ready:
        statuses = [_status("ProvisioningState/succeeded", "Ready", "Info",
                            "GuestAgent is running and accepting new configurations.", now)]
        version = agent["version"]
    else:
        message = "VM status blob not found." if not agent["provisioned"] else "VM Agent is unresponsive."
        statuses = [_status("ProvisioningState/Unavailable", "Not Ready", "Warning", message, now)]
        version = "Unknown"
    handlers = [views[0] for views in extensions] if ready else []
    return {"vmAgentVersion": version, "statuses": statuses, "extensionHandlers": handlers}


def instance_view(spec, name, os_disk_name, now):
    extensions = [extension_views(entry["type"], entry["state"], now) for entry in spec["extensions"]]
    power = spec["powerState"]
    view = {}
    agent = agent_view(spec, extensions, now)
    if agent is not None and agent["vmAgentVersion"] != "Unknown":
        image = IMAGES[spec["osType"]]
        view.update({"computerName": name, "osName": image["osName"], "osVersion": image["osVersion"]})
    if agent is not None:
        view["vmAgent"] = agent
    view["hyperVGeneration"] = "V2"
    view["disks"] = [{"name": os_disk_name, "statuses": [_status("ProvisioningState/succeeded", "Provisioning succeeded", time=now)]}]
    if power != "deallocated" and extensions:
        view["extensions"] = [views[1] for views in extensions]
    view["statuses"] = [_status("ProvisioningState/succeeded", "Provisioning succeeded", time=now),
                        _status(f"PowerState/{power}", POWER_DISPLAY[power])]
    return view


def os_profile(spec, name):
    """``properties.osProfile``; a VM made from a specialised disk has none."""
    if spec["specialisedDisk"]:
        return None
    profile = {"computerName": name, "adminUsername": "azureuser", "secrets": [], "allowExtensionOperations": True,
               "requireGuestProvisionSignal": True}
    if spec["osType"] == "Windows":
        profile["windowsConfiguration"] = {"provisionVMAgent": spec["agent"]["provisioned"], "enableAutomaticUpdates": True,
                                           "patchSettings": {"patchMode": "AutomaticByOS", "assessmentMode": "ImageDefault"}}
    else:
        profile["linuxConfiguration"] = {"disablePasswordAuthentication": True, "provisionVMAgent": spec["agent"]["provisioned"],
                                         "patchSettings": {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"}}
    return profile


def extension_resource(vm_resource_id, location, name, state):
    handler_type, version = SNAPSHOT_EXTENSIONS[name]
    return {"id": f"{vm_resource_id}/extensions/{name}", "name": name, "type": "Microsoft.Compute/virtualMachines/extensions",
            "location": location,
            "properties": {"autoUpgradeMinorVersion": True, "provisioningState": "Succeeded" if state == "succeeded" else "Failed",
                           "publisher": handler_type.rsplit(".", 1)[0], "type": handler_type.rsplit(".", 1)[1],
                           "typeHandlerVersion": version.rsplit(".", 2)[0]}}


def vm_body(spec):
    """The stored VM (with its instance view) for a normalised estate ``spec``."""
    name, location = spec["name"], spec["location"]
    resource_id = vm_id(spec["subscription"], spec["resourceGroup"], name)
    now = iso(utc_now())
    os_disk_name = f"{name}_OsDisk_1_{uuid.uuid4().hex}"
    storage = {"osDisk": {"osType": spec["osType"], "name": os_disk_name, "createOption": "Attach" if spec["specialisedDisk"] else "FromImage",
                          "caching": "ReadWrite", "deleteOption": "Delete", "diskSizeGB": 127 if spec["osType"] == "Windows" else 30,
                          "managedDisk": {"storageAccountType": "Premium_LRS",
                                          "id": f"{resource_group_id(spec['subscription'], spec['resourceGroup'])}/providers/"
                                                f"Microsoft.Compute/disks/{os_disk_name}"}},
               "dataDisks": []}
    if not spec["specialisedDisk"]:
        storage["imageReference"] = dict(IMAGES[spec["osType"]]["reference"], exactVersion="1.0.0")
    properties = {"vmId": str(uuid.uuid4()), "hardwareProfile": {"vmSize": spec["vmSize"]}, "storageProfile": storage}
    profile = os_profile(spec, name)
    if profile:
        properties["osProfile"] = profile
    properties["networkProfile"] = {"networkInterfaces": [{"id": f"{resource_group_id(spec['subscription'], spec['resourceGroup'])}"
                                                                 f"/providers/Microsoft.Network/networkInterfaces/{name}-nic"}]}
    properties["provisioningState"] = "Succeeded"
    properties["timeCreated"] = now
    properties["instanceView"] = instance_view(spec, name, os_disk_name, now)
    body = {"id": resource_id, "name": name, "type": VM_TYPE, "location": location, "tags": dict(spec.get("tags") or {}),
            "properties": properties}
    extensions = [extension_resource(resource_id, location, entry["type"], entry["state"]) for entry in spec["extensions"]]
    if extensions:
        body["resources"] = extensions
    return body


# --- estate ---------------------------------------------------------------------------------------

def _choice(spec, key, allowed, default):
    value = spec.get(key, default)
    if value not in allowed:
        raise ValueError(f"virtualMachines {spec.get('name') or spec.get('namePrefix')}: {key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def normalise_spec(raw, estate, store):
    """A VM spec with every default filled in and every value checked (ValueError names the problem)."""
    label = raw.get("name") or raw.get("namePrefix")
    subscriptions = [str(entry["id"]) for entry in estate.get("subscriptions") or []]
    subscription = str(raw.get("subscription") or (subscriptions[0] if subscriptions else ""))
    group = store.get(resource_group_id(subscription, raw.get("resourceGroup", "")))
    if group is None:
        raise ValueError(f"virtualMachines {label}: resource group {raw.get('resourceGroup')!r} is not in the estate")
    agent = dict(raw.get("agent") or {})
    spec = {
        "subscription": subscription,
        "resourceGroup": group["name"],
        "location": normalise_location(raw.get("location") or group["location"]),
        "osType": _choice(raw, "osType", OS_TYPES, "Linux"),
        "powerState": _choice(raw, "powerState", POWER_STATES, "running"),
        "vmSize": raw.get("vmSize", "Standard_D2s_v3"),
        "agent": {"provisioned": bool(agent.get("provisioned", True)),
                  "status": _choice(agent, "status", AGENT_STATES, "Ready"),
                  "version": str(agent.get("version", DEFAULT_AGENT_VERSION))},
        "specialisedDisk": bool(raw.get("specialisedDisk", False)),
        "tags": raw.get("tags") or {},
        "protectedBy": raw.get("protectedBy"),
    }
    spec["extensions"] = []
    for entry in raw.get("extensions") or []:
        if entry.get("type") not in SNAPSHOT_EXTENSIONS:
            raise ValueError(f"virtualMachines {label}: extension type must be one of {', '.join(SNAPSHOT_EXTENSIONS)}")
        spec["extensions"].append({"type": entry["type"], "state": _choice(entry, "state", EXTENSION_STATES, "succeeded")})
    return spec


def expand_specs(estate, store):
    """Every VM spec of the estate, ``generate`` entries expanded, defaults filled in."""
    specs = []
    for raw in estate.get("virtualMachines") or []:
        if "generate" in raw:
            template = dict(raw["generate"])
            count, prefix = int(template.pop("count")), template["namePrefix"]
            base = normalise_spec(template, estate, store)
            # Shallow copies: a spec is only read, and the store keeps its own deep copy of each body.
            specs.extend(dict(base, name=f"{prefix}{number:04d}") for number in range(1, count + 1))
        else:
            if not raw.get("name"):
                raise ValueError("virtualMachines: every entry needs a name (or use generate)")
            specs.append(dict(normalise_spec(raw, estate, store), name=raw["name"]))
    return specs


def load_estate(store, estate):
    for spec in expand_specs(estate, store):
        body = vm_body(spec)
        store.put(body["id"], body)


# --- what the backup files change ------------------------------------------------------------------

def install_snapshot_extension(store, resource_id):
    """Azure Backup's first backup installs VMSnapshot(Linux) on the VM (a no-op if it is there)."""
    with store.lock:
        body = store.get(resource_id)
        if body is None:
            return
        os_type = body["properties"]["storageProfile"]["osDisk"]["osType"]
        name = snapshot_extension_name(os_type)
        if any(extension["name"] == name for extension in body.get("resources") or []):
            return
        body.setdefault("resources", []).append(extension_resource(body["id"], body["location"], name, "succeeded"))
        handler, extension = extension_views(name, "succeeded", iso(utc_now()))
        view = body["properties"]["instanceView"]
        if "vmAgent" in view:
            view["vmAgent"]["extensionHandlers"].append(handler)
            view.setdefault("extensions", []).append(extension)
        store.put(resource_id, body)


# --- routes ---------------------------------------------------------------------------------------

def _without_instance_view(body):
    body["properties"].pop("instanceView", None)
    return body


def _require_vm(req):
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    body = req.emu.store.get(vm_id(req.params["subscriptionId"], req.params["resourceGroupName"], req.params["vmName"]))
    if body is None:
        raise ArmError(404, "ResourceNotFound",
                       f"The Resource '{VM_TYPE}/{req.params['vmName']}' under resource group '{req.params['resourceGroupName']}' "
                       "was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    return body


@route("GET", VM)
def get_vm(req):
    body = _require_vm(req)
    expand = (req.query_value("$expand") or "").lower()
    if expand not in ("", "instanceview", "userdata", "resiliencyview"):
        raise ArmError(400, "InvalidParameter", f"The value '{req.query_value('$expand')}' of parameter '$expand' is invalid.")
    return json_response(200, body if expand == "instanceview" else _without_instance_view(body))


@route("GET", VM + "/instanceView")
def get_instance_view(req):
    return json_response(200, _require_vm(req)["properties"]["instanceView"])


def _model(body):
    """A listed VM without its instance view, as a copy (the listings pass the store's own bodies)."""
    return copy.deepcopy(dict(body, properties={key: value for key, value in body["properties"].items() if key != "instanceView"}))


@route("GET", GROUP_VMS)
def list_vms_in_group(req):
    """VirtualMachines_List: the models, or with ``$expand=instanceView`` (ExpandTypeForListVMs) each with its instance view."""
    group = require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    expand = (req.query_value("$expand") or "").lower()
    if expand not in ("", "instanceview"):
        raise ArmError(400, "InvalidParameter", f"The value '{req.query_value('$expand')}' of parameter '$expand' is invalid.")
    prefix = f"{group['id'].lower()}/providers/{VM_TYPE.lower()}/"
    bodies = req.emu.store.find_shared(lambda key, _: key.startswith(prefix) and "/" not in key[len(prefix):])
    return paged_response(req, bodies, render=copy.deepcopy if expand else _model)


def _status_only(body):
    """What ``statusOnly=true`` lists of a VM: its identity and run-time status, not its model."""
    return copy.deepcopy({"name": body["name"], "id": body["id"], "type": body["type"], "location": body["location"],
                          "properties": {"instanceView": body["properties"]["instanceView"]}})


def _subscription_vms(req):
    prefix = f"/subscriptions/{req.params['subscriptionId'].lower()}/"
    return req.emu.store.find_shared(lambda key, _: key.startswith(prefix) and VM_ID_KEY.match(key))


@route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines")
def list_vms_in_subscription(req):
    bodies = _subscription_vms(req)
    if (req.query_value("statusOnly") or "").lower() == "true":
        return paged_response(req, bodies, render=_status_only)
    return paged_response(req, bodies, render=_model)


@route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/virtualMachines")
def list_vms_in_location(req):
    location = normalise_location(req.params["location"])
    return paged_response(req, [body for body in _subscription_vms(req) if body["location"] == location], render=_model)
