"""Microsoft.Compute's operation endpoints: ``/subscriptions/{s}/providers/Microsoft.Compute/locations/{loc}/operations/{op}``.

Compute LROs (VM and disk DELETE, Run Command) answer 202 with polling URLs on this one path:

- without ``monitor=true`` it is the *status* URL (``Azure-AsyncOperation``): always 200 with
  ``{name, status, startTime[, endTime][, error]}``;
- with ``monitor=true`` it is the *result* URL (``Location``): 202 while running, then the
  operation's result (Run Command: 200 with the ``RunCommandResult``) or 204.

The Run Command spec example (VirtualMachineRunCommand.json) shows the ``monitor=true`` Location
with ``api-version``; DELETE sends both headers (the spec's 202 for VirtualMachines_Delete and
Disks_Delete lists no headers, so the pair is inferred, as compute LROs commonly answer).
"""

from armemu.core.lro import accepted, result_response, status_response
from armemu.core.routing import route

OPERATION = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}"


def operation_scope(subscription_id, location):
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Compute/locations/{location}"


def start_compute_operation(req, location, on_complete=None, result=None, error=None, delay=None):
    """An operation of the request's subscription in ``location``."""
    return req.emu.ops.start(operation_scope(req.params["subscriptionId"], location), on_complete=on_complete, result=result,
                             error=error, delay=delay)


def polling_urls(req, location, operation):
    """(status URL, result URL) of a compute operation, both absolute with the request's api-version."""
    path = f"{operation_scope(req.params['subscriptionId'], location)}/operations/{operation.id}"
    return (req.url_for(path, {"api-version": req.api_version}),
            req.url_for(path, {"monitor": "true", "api-version": req.api_version}))


def compute_accepted(req, location, operation, status_header=True):
    """The 202 of a compute LRO: Location (+ Azure-AsyncOperation unless ``status_header`` is False) + Retry-After."""
    status_url, result_url = polling_urls(req, location, operation)
    return accepted(req.emu.ops, operation, status_url if status_header else None, result_url)


@route("GET", OPERATION)
def get_compute_operation(req):
    operation = req.emu.ops.get(req.params["operationId"], operation_scope(req.params["subscriptionId"], req.params["location"]))
    if (req.query_value("monitor") or "").lower() == "true":
        return result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)})
    return status_response(req.emu.ops, operation, operation.id)
