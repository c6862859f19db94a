"""Virtual networks, subnets and network interfaces (Microsoft.Network, api-version 2024-05-01).

What a VM restore needs (a target virtual network and subnet, the NIC Azure Backup creates) and
what a restore drill makes and removes (an isolated network). Routes:

- ``PUT .../virtualNetworks/{vnet}`` with ``{location, tags, properties: {addressSpace: {addressPrefixes},
  subnets: [{name, properties: {addressPrefix}}]}}``: 201 (new) or 200, body ``provisioningState: Updating``
  and ``Azure-AsyncOperation`` (+ Retry-After); ``Succeeded`` when the operation ends. 400
  ``NetcfgSubnetRangeOutsideVnet`` for a subnet outside the address space, ``InUseSubnetCannotBeDeleted``
  when an update drops a subnet a NIC uses, ``LocationRequired`` without a location.
- ``GET .../virtualNetworks/{vnet}``, ``.../virtualNetworks/{vnet}/subnets/{subnet}``, the group list.
- ``GET .../networkInterfaces/{nic}`` and the group list (NICs are made by restores only).
- ``DELETE`` of a virtual network or NIC: 202 with ``Azure-AsyncOperation`` (``.../locations/{loc}/operations/{op}``)
  and ``Location`` (``.../locations/{loc}/operationResults/{op}``), gone when the operation ends; 204 if absent.
  400 ``InUseSubnetCannotBeDeleted`` (a NIC still uses a subnet) and ``NicInUse`` (a VM still uses the NIC),
  with Azure's messages.
- ``GET .../providers/Microsoft.Network/locations/{loc}/operations/{op}``: 200 ``{"status": ...}`` (the
  network RP's status body has only ``status`` and, on failure, ``error``);
  ``.../operationResults/{op}``: 202 while running, then 204.

Estate section ``virtualNetworks``::

    virtualNetworks:
      - {resourceGroup: rg-drill, name: vnet-drill, location: westeurope,        # location: default the group's
         addressPrefixes: [10.20.0.0/16], subnets: [{name: default, addressPrefix: 10.20.0.0/24}]}
"""

import ipaddress
import uuid

from armemu.core.arm import normalise_location, resource_group_id
from armemu.core.errors import ArmError, bad_request, resource_not_found
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, result_response
from armemu.core.routing import route
from armemu.resources._group_resources import request_resource_id, require_resource, serve_reads, typed_id

ESTATE_SECTIONS = ("virtualNetworks",)
ESTATE_PRIORITY = 25
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
VNETS = GROUP + "/providers/Microsoft.Network/virtualNetworks"
VNET = VNETS + "/{vnetName}"
NICS = GROUP + "/providers/Microsoft.Network/networkInterfaces"
NIC = NICS + "/{nicName}"
NETWORK_OPERATIONS = "/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}"
AZURE_RESERVED_HOSTS = 4  # Azure keeps the first four addresses of every subnet


def etag():
    return f'W/"{uuid.uuid4()}"'


def vnet_id(subscription_id, resource_group, name):
    return typed_id(subscription_id, resource_group, VNET_TYPE, name)


def nic_id(subscription_id, resource_group, name):
    return typed_id(subscription_id, resource_group, NIC_TYPE, name)


# --- bodies ---------------------------------------------------------------------------------------

def subnet_body(vnet_resource_id, name, prefix, in_use=()):
    body = {"id": f"{vnet_resource_id}/subnets/{name}", "name": name, "etag": etag(), "type": SUBNET_TYPE,
            "properties": {"provisioningState": "Succeeded", "addressPrefix": prefix, "delegations": [],
                           "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"}}
    if in_use:
        body["properties"]["ipConfigurations"] = [{"id": config_id} for config_id in in_use]
    return body


def _in_use(subnet):
    return [entry["id"] for entry in subnet["properties"].get("ipConfigurations") or []]


def _checked_subnets(vnet_resource_id, vnet_name, prefixes, requested, current):
    """Subnet bodies for a PUT; a subnet outside the address space, or a used subnet left out, is refused like Azure."""
    networks = []
    for prefix in prefixes:
        try:
            networks.append(ipaddress.ip_network(prefix))
        except ValueError as err:
            raise bad_request(f"Address prefix '{prefix}' of virtual network '{vnet_name}' is not valid.", "InvalidAddressPrefixFormat") from err
    existing = {subnet["name"].lower(): subnet for subnet in current}
    subnets = []
    for entry in requested:
        name, prefix = entry.get("name"), (entry.get("properties") or {}).get("addressPrefix")
        try:
            subnet_net = ipaddress.ip_network(prefix or "")
        except ValueError as err:
            raise bad_request(f"Subnet '{name}' has an invalid address prefix '{prefix}'.", "InvalidAddressPrefixFormat") from err
        if not any(subnet_net.subnet_of(network) for network in networks if network.version == subnet_net.version):
            raise bad_request(f"Subnet '{name}' is not valid because its IP address range is outside the IP address range of "
                              f"virtual network '{vnet_name}'.", "NetcfgSubnetRangeOutsideVnet")
        previous = existing.pop(str(name).lower(), None)
        subnets.append(subnet_body(vnet_resource_id, name, prefix, _in_use(previous) if previous else ()))
    for dropped in existing.values():
        if _in_use(dropped):
            raise in_use_subnet(dropped)
    return subnets


def in_use_subnet(subnet):
    user = _in_use(subnet)[0]
    return bad_request(f"Subnet {subnet['name']} is in use by {user} and cannot be deleted. In order to delete the subnet, "
                       "delete all the resources within the subnet. See aka.ms/deletesubnet.", "InUseSubnetCannotBeDeleted")


def vnet_body(resource_id, location, tags, prefixes, subnets, state="Succeeded", previous=None):
    return {"id": resource_id, "name": resource_id.rsplit("/", 1)[-1], "type": VNET_TYPE, "location": location, "tags": dict(tags or {}),
            "etag": etag(),
            "properties": {"provisioningState": state,
                           "resourceGuid": (previous or {}).get("properties", {}).get("resourceGuid") or str(uuid.uuid4()),
                           "addressSpace": {"addressPrefixes": list(prefixes)}, "subnets": subnets,
                           "virtualNetworkPeerings": [], "enableDdosProtection": False}}


def load_estate(store, estate):
    subscriptions = [str(entry["id"]) for entry in estate.get("subscriptions") or []]
    for spec in estate.get("virtualNetworks") or []:
        subscription = str(spec.get("subscription") or (subscriptions[0] if subscriptions else ""))
        group = store.get(resource_group_id(subscription, spec.get("resourceGroup", "")))
        if group is None:
            raise ValueError(f"virtualNetworks {spec.get('name')}: resource group {spec.get('resourceGroup')!r} is not in the estate")
        resource_id = vnet_id(subscription, group["name"], spec["name"])
        prefixes = spec.get("addressPrefixes") or ["10.0.0.0/16"]
        requested = [{"name": subnet["name"], "properties": {"addressPrefix": subnet["addressPrefix"]}}
                     for subnet in spec.get("subnets") or [{"name": "default", "addressPrefix": prefixes[0]}]]
        subnets = _checked_subnets(resource_id, spec["name"], prefixes, requested, [])
        store.put(resource_id, vnet_body(resource_id, normalise_location(spec.get("location") or group["location"]), spec.get("tags"),
                                         prefixes, subnets))


# --- what restores use ----------------------------------------------------------------------------

def find_subnet(store, subnet_resource_id):
    """(virtual network body, subnet body) for a subnet id, or (None, None)."""
    vnet_resource_id, separator, name = subnet_resource_id.rpartition("/subnets/")
    vnet = store.get(vnet_resource_id) if separator else None
    subnet = next((entry for entry in (vnet or {}).get("properties", {}).get("subnets", []) if entry["name"].lower() == name.lower()), None)
    return (vnet, subnet) if subnet else (None, None)


def _next_address(subnet):
    network = ipaddress.ip_network(subnet["properties"]["addressPrefix"])
    return str(network.network_address + AZURE_RESERVED_HOSTS + len(_in_use(subnet)))


def _set_subnet_users(store, subnet_resource_id, change):
    """Apply ``change(list of ipConfiguration ids)`` to a subnet inside its stored virtual network."""
    with store.lock:
        vnet, subnet = find_subnet(store, subnet_resource_id)
        if vnet is None:
            return
        users = change(_in_use(subnet))
        for entry in vnet["properties"]["subnets"]:
            if entry["id"].lower() == subnet["id"].lower():
                entry["properties"].pop("ipConfigurations", None)
                if users:
                    entry["properties"]["ipConfigurations"] = [{"id": user} for user in users]
        store.put(vnet["id"], vnet)


def create_nic(store, resource_id, location, subnet_resource_id, vm_resource_id):
    """Store a NIC with one dynamic IP configuration in the subnet, used by ``vm_resource_id``; return it."""
    with store.lock:
        dummy, subnet = find_subnet(store, subnet_resource_id)
        config_id = f"{resource_id}/ipConfigurations/ipconfig1"
        body = {"id": resource_id, "name": resource_id.rsplit("/", 1)[-1], "type": NIC_TYPE, "location": location, "tags": {},
                "etag": etag(),
                "properties": {"provisioningState": "Succeeded", "resourceGuid": str(uuid.uuid4()),
                               "ipConfigurations": [{"id": config_id, "name": "ipconfig1", "etag": etag(),
                                                     "type": f"{NIC_TYPE}/ipConfigurations",
                                                     "properties": {"provisioningState": "Succeeded", "privateIPAddress": _next_address(subnet),
                                                                    "privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet["id"]},
                                                                    "primary": True, "privateIPAddressVersion": "IPv4"}}],
                               "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
                               "macAddress": "00-0D-3A-" + "-".join(uuid.uuid4().hex[index:index + 2].upper() for index in (0, 2, 4)),
                               "enableAcceleratedNetworking": False, "enableIPForwarding": False, "primary": True,
                               "virtualMachine": {"id": vm_resource_id}, "nicType": "Standard"}}
        store.put(resource_id, body)
        _set_subnet_users(store, subnet["id"], lambda users: [*users, config_id])
        return body


def release_nic(store, resource_id):
    """A VM no longer uses the NIC (it was deleted)."""
    with store.lock:
        body = store.get(resource_id)
        if body is not None:
            body["properties"].pop("virtualMachine", None)
            store.put(resource_id, body)


def remove_nic(store, body):
    def remove():
        for config in body["properties"]["ipConfigurations"]:
            _set_subnet_users(store, config["properties"]["subnet"]["id"],
                              lambda users, gone=config["id"]: [user for user in users if user.lower() != gone.lower()])
        store.delete(body["id"])
    return remove


# --- operations -----------------------------------------------------------------------------------

def _scope(subscription_id, location):
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Network/locations/{location}"


def _start_network_operation(req, location, on_complete):
    """(operation, status URL, result URL) of a new network operation in ``location``."""
    base = _scope(req.params["subscriptionId"], location)
    operation = req.emu.ops.start(base, on_complete=on_complete)
    query = {"api-version": req.api_version}
    return (operation, req.url_for(f"{base}/operations/{operation.id}", query),
            req.url_for(f"{base}/operationResults/{operation.id}", query))


def _network_accepted(req, location, on_complete):
    """The 202 of a network DELETE: Azure-AsyncOperation + Location + Retry-After."""
    operation, status_url, result_url = _start_network_operation(req, location, on_complete)
    return accepted(req.emu.ops, operation, status_url, result_url)


@route("GET", NETWORK_OPERATIONS + "/operations/{operationId}")
def network_operation_status(req):
    operation = req.emu.ops.get(req.params["operationId"], _scope(req.params["subscriptionId"], req.params["location"]))
    body = {"status": operation.status}
    if operation.error and operation.done:
        body["error"] = dict(operation.error)
    return json_response(200, body, {} if operation.done else req.emu.ops.retry_after())


@route("GET", NETWORK_OPERATIONS + "/operationResults/{operationId}")
def network_operation_result(req):
    operation = req.emu.ops.get(req.params["operationId"], _scope(req.params["subscriptionId"], req.params["location"]))
    return result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)})


# --- virtual networks -----------------------------------------------------------------------------

@route("PUT", VNET)
def put_vnet(req):
    resource_id = request_resource_id(req, VNET_TYPE, "vnetName")
    store = req.emu.store
    request = req.json()
    if not request.get("location"):
        raise bad_request("The location property is required for this definition.", "LocationRequired")
    properties = request.get("properties") or {}
    prefixes = (properties.get("addressSpace") or {}).get("addressPrefixes") or []
    if not prefixes:
        raise bad_request(f"Virtual network '{req.params['vnetName']}' needs at least one address prefix in "
                          "properties.addressSpace.addressPrefixes.", "InvalidAddressPrefixFormat")
    current = store.get(resource_id)
    if current and normalise_location(request["location"]) != current["location"]:
        raise ArmError(400, "InvalidResourceLocation", f"The resource '{req.params['vnetName']}' already exists in location "
                                                       f"'{current['location']}'. A resource with the same name cannot be created in location "
                                                       f"'{normalise_location(request['location'])}'.")
    subnets = _checked_subnets(resource_id, req.params["vnetName"], prefixes, properties.get("subnets") or [],
                               (current or {}).get("properties", {}).get("subnets", []))
    body = vnet_body(resource_id, normalise_location(request["location"]), request.get("tags"), prefixes, subnets, "Updating", current)
    store.put(resource_id, body)

    def provisioned():
        with store.lock:
            stored = store.get(resource_id)
            if stored is not None:
                stored["properties"]["provisioningState"] = "Succeeded"
                store.put(resource_id, stored)
    dummy, status_url, dummy_result = _start_network_operation(req, body["location"], provisioned)
    return json_response(200 if current else 201, body, {"Azure-AsyncOperation": status_url, **req.emu.ops.retry_after()})


serve_reads(VNETS, VNET, VNET_TYPE, "vnetName")


@route("GET", VNET + "/subnets/{subnetName}")
def get_subnet(req):
    vnet = require_resource(req, VNET_TYPE, "vnetName")
    dummy, subnet = find_subnet(req.emu.store, f"{vnet['id']}/subnets/{req.params['subnetName']}")
    if subnet is None:
        raise resource_not_found(SUBNET_TYPE, f"{req.params['vnetName']}/{req.params['subnetName']}", req.params["resourceGroupName"])
    return json_response(200, subnet)


@route("DELETE", VNET)
def delete_vnet(req):
    resource_id = request_resource_id(req, VNET_TYPE, "vnetName")
    body = req.emu.store.get(resource_id)
    if body is None:
        return empty_response(204)
    for subnet in body["properties"]["subnets"]:
        if _in_use(subnet):
            raise in_use_subnet(subnet)
    store = req.emu.store
    return _network_accepted(req, body["location"], lambda: store.delete(resource_id))


# --- network interfaces ---------------------------------------------------------------------------

serve_reads(NICS, NIC, NIC_TYPE, "nicName")


@route("DELETE", NIC)
def delete_nic(req):
    body = req.emu.store.get(request_resource_id(req, NIC_TYPE, "nicName"))
    if body is None:
        return empty_response(204)
    user = (body["properties"].get("virtualMachine") or {}).get("id")
    if user:
        raise bad_request(f"Network Interface {body['id']} is used by existing resource {user}. In order to delete the network "
                          "interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.", "NicInUse")
    return _network_accepted(req, body["location"], remove_nic(req.emu.store, body))
