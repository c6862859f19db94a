"""The emulator's own API under ``/_emulator`` (no auth, never logged).

- ``GET /_emulator/requests[?since=SEQ]`` / ``POST /_emulator/requests/reset``: the request log.
- ``GET|POST|DELETE /_emulator/faults``: list, add (``{"faults": [...]}``), clear injected faults.
- ``GET|POST /_emulator/settings``: read or change the settings (core/settings.py), ``{"profile": "azure"}`` included.
- ``GET /_emulator/costs[?since=SEQ]``: what the logged requests cost on Azure (core/costs.py).
- ``POST /_emulator/estate``: reset the world to an estate body, or ``{"path": FILE}``.
- ``GET /_emulator/state``: dump the store; ``POST /_emulator/state/save``: fold the state file's
  journal into a new snapshot now; ``GET /_emulator/health``: liveness.
"""

from .costs import cost_report
from .errors import ArmError
from .http import json_response
from .routing import route


def _json_object(req):
    body = req.json()
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestContent", "The control API expects a JSON object.")
    return body


@route("GET", "/_emulator/health", kind="control")
def health(req):
    return json_response(200, {"status": "ok", "endpoint": req.emu.endpoint})


@route("GET", "/_emulator/requests", kind="control")
def list_requests(req):
    return json_response(200, req.emu.log.summary(_since(req)))


@route("POST", "/_emulator/requests/reset", kind="control")
def reset_requests(req):
    req.emu.log.reset()
    return json_response(200, req.emu.log.summary())


def _since(req):
    try:
        return int(req.query_value("since", 0))
    except ValueError as err:
        raise ArmError(400, "InvalidSince", "since must be an integer sequence number") from err


@route("GET", "/_emulator/costs", kind="control")
def costs(req):
    since = _since(req)
    entries, last_seq = req.emu.log.entries(since)
    return json_response(200, cost_report(entries, req.emu.settings.throttle, last_seq, since))


@route("GET", "/_emulator/faults", kind="control")
def list_faults(req):
    return json_response(200, {"faults": req.emu.faults.list()})


@route("POST", "/_emulator/faults", kind="control")
def add_faults(req):
    specs = _json_object(req).get("faults")
    if not isinstance(specs, list):
        raise ArmError(400, "InvalidFaults", 'Send {"faults": [...]}.')
    try:
        added = req.emu.faults.add(specs)
    except (ValueError, TypeError, AttributeError) as err:
        raise ArmError(400, "InvalidFaults", str(err)) from err
    return json_response(200, {"faults": added})


@route("DELETE", "/_emulator/faults", kind="control")
def clear_faults(req):
    req.emu.faults.clear()
    return json_response(200, {"faults": []})


@route("GET", "/_emulator/settings", kind="control")
def get_settings(req):
    return json_response(200, req.emu.settings.as_dict())


@route("POST", "/_emulator/settings", kind="control")
def change_settings(req):
    try:
        req.emu.settings.update(_json_object(req))
    except ValueError as err:
        raise ArmError(400, "InvalidSettings", str(err)) from err
    return json_response(200, req.emu.settings.as_dict())


@route("POST", "/_emulator/estate", kind="control")
def reset_estate(req):
    body = _json_object(req)
    source = body["path"] if set(body) == {"path"} else body
    try:
        req.emu.load_estate(source)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ArmError(400, "InvalidEstate", str(err)) from err
    return json_response(200, {"status": "reloaded", "tenant": req.emu.tenant})


@route("GET", "/_emulator/state", kind="control")
def dump_state(req):
    return json_response(200, {"resources": req.emu.store.snapshot(), "settings": req.emu.settings.as_dict()})


@route("POST", "/_emulator/state/save", kind="control")
def save_state(req):
    if not req.emu.state_file:
        raise ArmError(409, "NoStateFile", "The emulator was started without --state-file.")
    req.emu.state_file.save()
    return json_response(200, {"status": "saved", "path": req.emu.state_file.path})
