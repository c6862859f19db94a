"""Resource groups (Microsoft.Resources).

- ``PUT`` 201 create / 200 update; a different location than the existing group's is 409.
- ``PATCH`` 200 (tags); ``GET`` 200; ``HEAD`` 204 / 404 (no body).
- ``DELETE`` 202 + ``Location: /subscriptions/{s}/operationresults/{op}`` + Retry-After; the group and
  everything in it disappear when the operation completes; that Location answers 202 then 200.
- ``GET /subscriptions/{s}/resourcegroups`` paged.

Estate section::

    resourceGroups:
      - {subscription: ..., name: rg-backup-weu, location: westeurope, tags: {env: demo}}
"""

import re

from armemu.core.arm import normalise_location, resource_group_id
from armemu.core.errors import ArmError, resource_group_not_found
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, result_response
from armemu.core.paging import paged_response
from armemu.core.routing import route

ESTATE_SECTIONS = ("resourceGroups",)
ESTATE_PRIORITY = 20
GROUP = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}"
NAME_PATTERN = re.compile(r"^[-\w._()]{1,90}$")


def group_body(subscription_id, name, location, tags=None, managed_by=None):
    body = {
        "id": resource_group_id(subscription_id, name),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": normalise_location(location),
        "tags": dict(tags or {}),
        "properties": {"provisioningState": "Succeeded"},
    }
    if managed_by:
        body["managedBy"] = managed_by
    return body


def load_estate(store, estate):
    for spec in estate.get("resourceGroups") or []:
        body = group_body(str(spec["subscription"]), spec["name"], spec["location"], spec.get("tags"))
        store.put(body["id"], body)


def _group_id(req):
    return resource_group_id(req.params["subscriptionId"], req.params["resourceGroupName"])


def _existing(req):
    body = req.emu.store.get(_group_id(req))
    if body is None:
        raise resource_group_not_found(req.params["resourceGroupName"])
    return body


def _check_name(name):
    if not NAME_PATTERN.match(name) or name.endswith("."):
        raise ArmError(400, "InvalidResourceGroupName",
                       f"Resource group name '{name}' is invalid. It can contain letters, digits, underscores, periods, "
                       "parentheses and hyphens, up to 90 characters, and cannot end with a period.")


@route("PUT", GROUP)
def put_group(req):
    name = req.params["resourceGroupName"]
    _check_name(name)
    request = req.json()
    if not request.get("location"):
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    current = req.emu.store.get(_group_id(req))
    location = normalise_location(request["location"])
    if current and current["location"] != location:
        raise ArmError(409, "InvalidResourceGroupLocation",
                       f"Invalid resource group location '{location}'. The Resource group already exists in location "
                       f"'{current['location']}'.")
    stored_name = current["name"] if current else name
    body = group_body(req.params["subscriptionId"], stored_name, location, request.get("tags"), request.get("managedBy"))
    req.emu.store.put(body["id"], body)
    return json_response(200 if current else 201, body)


@route("PATCH", GROUP)
def patch_group(req):
    body = _existing(req)
    request = req.json()
    if "tags" in request:
        body["tags"] = dict(request["tags"] or {})
    req.emu.store.put(body["id"], body)
    return json_response(200, body)


@route("GET", GROUP)
def get_group(req):
    return json_response(200, _existing(req))


@route("HEAD", GROUP)
def group_exists(req):
    return empty_response(204 if req.emu.store.exists(_group_id(req)) else 404)


@route("DELETE", GROUP)
def delete_group(req):
    group_id = _group_id(req)
    if not req.emu.store.exists(group_id):
        raise resource_group_not_found(req.params["resourceGroupName"])
    subscription_id = req.params["subscriptionId"]
    operation = req.emu.ops.start(f"/subscriptions/{subscription_id}", on_complete=lambda: req.emu.store.delete_tree(group_id),
                                  result=lambda: empty_response(200), kind="resource_group_delete")
    location = req.url_for(f"/subscriptions/{subscription_id}/operationresults/{operation.id}", {"api-version": req.api_version})
    return accepted(req.emu.ops, operation, None, location)


@route("GET", "/subscriptions/{subscriptionId}/operationresults/{operationId}", write=False)
def group_operation_result(req):
    operation = req.emu.ops.get(req.params["operationId"], f"/subscriptions/{req.params['subscriptionId']}")
    return result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)})


@route("GET", "/subscriptions/{subscriptionId}/resourcegroups")
def list_groups(req):
    subscription_id = req.params["subscriptionId"]
    return paged_response(req, req.emu.store.children(f"/subscriptions/{subscription_id}", "resourceGroups"))
