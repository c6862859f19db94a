"""Where diagnostic settings send logs: read-only resources from the estate, ``GET`` by id.

- ``Microsoft.OperationalInsights/workspaces/{name}`` (api-version 2023-09-01): id, name, type,
  location, ``properties.customerId`` (the workspace GUID), sku, retention.
- ``Microsoft.Storage/storageAccounts/{name}`` (api-version 2023-05-01): location, sku, kind,
  primaryEndpoints.
- ``Microsoft.EventHub/namespaces/{name}`` and ``.../authorizationRules/{rule}`` (api-version 2024-01-01).

Missing ones answer ARM's 404 ResourceNotFound. Estate sections::

    logAnalyticsWorkspaces: [{subscription: ..., resourceGroup: rg-monitor, name: law-weu, location: westeurope}]
    storageAccounts:        [{subscription: ..., resourceGroup: rg-monitor, name: stbackupweu, location: westeurope}]
    eventHubNamespaces:     [{subscription: ..., resourceGroup: rg-monitor, name: evhns-weu, location: westeurope,
                              authorizationRules: [RootManageSharedAccessKey]}]
"""

import uuid

from armemu.core.arm import normalise_location, require_resource_group
from armemu.core.errors import resource_not_found
from armemu.core.http import json_response
from armemu.core.routing import route

ESTATE_SECTIONS = ("logAnalyticsWorkspaces", "storageAccounts", "eventHubNamespaces")
GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces"
STORAGE_TYPE = "Microsoft.Storage/storageAccounts"
NAMESPACE_TYPE = "Microsoft.EventHub/namespaces"
RULE_TYPE = "Microsoft.EventHub/namespaces/authorizationRules"


def _resource_id(spec, resource_type, name=None):
    return f"/subscriptions/{spec['subscription']}/resourceGroups/{spec['resourceGroup']}/providers/{resource_type}/{name or spec['name']}"


def workspace_body(spec):
    return {
        "id": _resource_id(spec, WORKSPACE_TYPE), "name": spec["name"], "type": WORKSPACE_TYPE,
        "location": normalise_location(spec["location"]), "tags": dict(spec.get("tags") or {}),
        "properties": {"provisioningState": "Succeeded", "customerId": str(spec.get("customerId") or uuid.uuid4()),
                       "sku": {"name": "PerGB2018"}, "retentionInDays": 30, "publicNetworkAccessForIngestion": "Enabled",
                       "publicNetworkAccessForQuery": "Enabled"},
    }


def storage_body(spec):
    name = spec["name"]
    return {
        "id": _resource_id(spec, STORAGE_TYPE), "name": name, "type": STORAGE_TYPE,
        "location": normalise_location(spec["location"]), "tags": dict(spec.get("tags") or {}),
        "sku": {"name": spec.get("sku", "Standard_LRS"), "tier": "Standard"}, "kind": "StorageV2",
        "properties": {"provisioningState": "Succeeded", "accessTier": "Hot", "minimumTlsVersion": "TLS1_2",
                       "primaryLocation": normalise_location(spec["location"]), "statusOfPrimary": "available",
                       "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/", "table": f"https://{name}.table.core.windows.net/"}},
    }


def namespace_bodies(spec):
    """The namespace and its authorization rules (RootManageSharedAccessKey unless the estate lists others)."""
    namespace = {
        "id": _resource_id(spec, NAMESPACE_TYPE), "name": spec["name"], "type": NAMESPACE_TYPE,
        "location": normalise_location(spec["location"]), "tags": dict(spec.get("tags") or {}),
        "sku": {"name": "Standard", "tier": "Standard", "capacity": 1},
        "properties": {"provisioningState": "Succeeded", "status": "Active",
                       "serviceBusEndpoint": f"https://{spec['name']}.servicebus.windows.net:443/"},
    }
    rules = [{"id": f"{namespace['id']}/authorizationRules/{rule}", "name": rule, "type": RULE_TYPE,
              "location": namespace["location"], "properties": {"rights": ["Listen", "Manage", "Send"]}}
             for rule in spec.get("authorizationRules") or ["RootManageSharedAccessKey"]]
    return [namespace, *rules]


def load_estate(store, estate):
    bodies = [workspace_body(spec) for spec in estate.get("logAnalyticsWorkspaces") or []]
    bodies += [storage_body(spec) for spec in estate.get("storageAccounts") or []]
    for spec in estate.get("eventHubNamespaces") or []:
        bodies += namespace_bodies(spec)
    for body in bodies:
        store.put(body["id"], body)


def _get(req, resource_type, path):
    """The resource at ``providers/{path}`` of the request's group, if it is a ``resource_type``."""
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    body = req.emu.store.get(f"/subscriptions/{req.params['subscriptionId']}/resourceGroups/{req.params['resourceGroupName']}/providers/{path}")
    name = path.split("/", 2)[2]
    if body is None or body["type"] != resource_type:
        raise resource_not_found(resource_type, name, req.params["resourceGroupName"])
    return json_response(200, body)


@route("GET", GROUP + "/providers/Microsoft.OperationalInsights/workspaces/{name}")
def get_workspace(req):
    return _get(req, WORKSPACE_TYPE, f"{WORKSPACE_TYPE}/{req.params['name']}")


@route("GET", GROUP + "/providers/Microsoft.Storage/storageAccounts/{name}")
def get_storage_account(req):
    return _get(req, STORAGE_TYPE, f"{STORAGE_TYPE}/{req.params['name']}")


@route("GET", GROUP + "/providers/Microsoft.EventHub/namespaces/{name}")
def get_event_hub_namespace(req):
    return _get(req, NAMESPACE_TYPE, f"{NAMESPACE_TYPE}/{req.params['name']}")


@route("GET", GROUP + "/providers/Microsoft.EventHub/namespaces/{name}/authorizationRules/{rule}")
def get_event_hub_rule(req):
    return _get(req, RULE_TYPE, f"{NAMESPACE_TYPE}/{req.params['name']}/authorizationRules/{req.params['rule']}")
