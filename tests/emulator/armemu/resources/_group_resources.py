"""Reads every resource type in a resource group shares (disks, NICs, virtual networks): id, GET, list.

Not a resource file (the leading underscore keeps it out of route discovery).
"""

from armemu.core.arm import require_resource_group, resource_group_id
from armemu.core.errors import resource_not_found
from armemu.core.http import json_response
from armemu.core.paging import paged_response
from armemu.core.routing import route


def typed_id(subscription_id, resource_group, resource_type, name):
    return f"{resource_group_id(subscription_id, resource_group)}/providers/{resource_type}/{name}"


def request_resource_id(req, resource_type, name_param):
    """The id the request path names; 404 ResourceGroupNotFound when its group does not exist."""
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    return typed_id(req.params["subscriptionId"], req.params["resourceGroupName"], resource_type, req.params[name_param])


def require_resource(req, resource_type, name_param):
    """The stored body the path names, or ARM's 404 ResourceNotFound."""
    body = req.emu.store.get(request_resource_id(req, resource_type, name_param))
    if body is None:
        raise resource_not_found(resource_type, req.params[name_param], req.params["resourceGroupName"])
    return body


def get_response(req, resource_type, name_param):
    return json_response(200, require_resource(req, resource_type, name_param))


def list_response(req, resource_type):
    """All ``resource_type`` resources of the request's group, paged."""
    group = require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    return paged_response(req, req.emu.store.children(group["id"], f"providers/{resource_type}"))


def serve_reads(collection, item, resource_type, name_param):
    """Register ``GET item`` (one resource, 200 or 404) and ``GET collection`` (the group's list, paged)."""
    route("GET", item)(lambda req: get_response(req, resource_type, name_param))
    route("GET", collection)(lambda req: list_response(req, resource_type))
