"""Creating and deleting storage accounts (Microsoft.Storage/storageAccounts, api-version 2023-05-01).

A VM restore stages its data in a storage account of the vault's region; a restore drill may
create one. GET and the estate section ``storageAccounts`` live in monitoring_destinations.py
(same body). Routes (StorageAccounts_Create / StorageAccounts_Delete):

- ``PUT .../storageAccounts/{name}`` with ``{sku: {name}, kind, location, tags}``: a new account answers
  202 with ``Location: /subscriptions/{s}/providers/Microsoft.Storage/locations/{loc}/asyncoperations/{op}?monitor=true``
  (+ Retry-After); that URL answers 202 while running, then 200 with the account. An existing account
  answers 200 at once (tags/sku updated). 400 ``AccountNameInvalid`` for names that are not 3-24 lower-case
  letters and digits (Azure's message).
- ``DELETE .../storageAccounts/{name}``: 200 (its file shares and locks go with it), or 204 when there is no such account;
  409 ``ScopeLocked`` while a management lock (Azure Backup's ``AzureBackupProtectionLock``, say) is on it.
"""

import re

from armemu.core.arm import normalise_location, require_resource_group
from armemu.core.errors import bad_request
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, result_response
from armemu.core.routing import route
from armemu.resources.monitoring_destinations import GROUP, STORAGE_TYPE, storage_body
from armemu.resources.storage_file_shares import refuse_delete_if_locked

ACCOUNT = GROUP + "/providers/Microsoft.Storage/storageAccounts/{name}"
ASYNC_OPERATION = "/subscriptions/{subscriptionId}/providers/Microsoft.Storage/locations/{location}/asyncoperations/{operationId}"
VALID_NAME = re.compile(r"^[a-z0-9]{3,24}$")
KINDS = ("StorageV2", "Storage", "BlobStorage", "BlockBlobStorage", "FileStorage")


def _scope(subscription_id, location):
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Storage/locations/{location}"


def _account_id(req):
    return f"/subscriptions/{req.params['subscriptionId']}/resourceGroups/{req.params['resourceGroupName']}/providers/{STORAGE_TYPE}/{req.params['name']}"


@route("PUT", ACCOUNT)
def put_storage_account(req):
    group = require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    name = req.params["name"]
    if not VALID_NAME.match(name):
        raise bad_request(f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in "
                          "length and use numbers and lower-case letters only.", "AccountNameInvalid")
    request = req.json()
    kind = request.get("kind") or "StorageV2"
    if kind not in KINDS:
        raise bad_request(f"Values for request parameters are invalid: kind. Allowed values are {', '.join(KINDS)}.", "InvalidValuesForRequestParameters")
    store = req.emu.store
    current = store.get(_account_id(req))
    spec = {"subscription": req.params["subscriptionId"], "resourceGroup": group["name"], "name": name,
            "location": normalise_location(request.get("location") or group["location"]),
            "sku": (request.get("sku") or {}).get("name") or "Standard_LRS", "tags": request.get("tags")}
    body = storage_body(spec)
    body["kind"] = kind
    if current:
        body["location"], body["properties"]["primaryLocation"] = current["location"], current["location"]
        store.put(body["id"], body)
        return json_response(200, body)
    operation = req.emu.ops.start(_scope(req.params["subscriptionId"], body["location"]), on_complete=lambda: store.put(body["id"], body),
                                  result=lambda: json_response(200, store.get(body["id"])))
    location = req.url_for(f"{_scope(req.params['subscriptionId'], body['location'])}/asyncoperations/{operation.id}",
                           {"monitor": "true", "api-version": req.api_version})
    return accepted(req.emu.ops, operation, None, location)


@route("GET", ASYNC_OPERATION)
def storage_operation_result(req):
    operation = req.emu.ops.get(req.params["operationId"], _scope(req.params["subscriptionId"], req.params["location"]))
    return result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)})


@route("DELETE", ACCOUNT)
def delete_storage_account(req):
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    refuse_delete_if_locked(req.emu.store, _account_id(req))  # e.g. Azure Backup's lock on a registered account (storage_file_shares.py)
    return empty_response(200 if req.emu.store.delete_tree(_account_id(req)) else 204)
