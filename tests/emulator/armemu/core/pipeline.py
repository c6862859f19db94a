"""What happens to one request, in order.

1. Route it (percent-decoded, case-insensitive). Control routes are served at once: no auth,
   no faults, no log.
2. Settle due operations, so the world is current.
3. Injected faults (delay, drop, or an error status) take precedence over everything else; a
   ``drop_after`` fault lets the request through and loses the answer (step 7).
4. ARM routes: bearer token (401), subscription exists (404) and is granted (403),
   ``api-version`` present (400), a token from ARM's bucket (429), then the profile's latency.
5. The handler; ArmError becomes an ARM error body; anything else a 500.
6. ARM headers (request ids, rate-limit counters), then the request log.
7. With a state file, the changes are journalled before the answer leaves (so a kill -9 keeps
   every write a client saw answered); a ``drop_after`` fault then drops the connection.
"""

import sys
import time
import traceback
import uuid

from . import routing
from .auth import authorization_failed
from .errors import ArmError
from .faults import DROP_AFTER
from .http import Request, dropped_connection, error_response
from .lro import utc_now
from .validation import check_subscription_id

SUBSCRIPTION_NOT_FOUND = "The subscription '{}' could not be found."


def dispatch(emu, method, target, headers, body):
    req = Request(emu, method, target, headers, body)
    req.route, params = routing.match(req.method, req.segments, req)
    req.params = params or {}
    if req.route is not None and req.route.kind == "control":
        return _run_handler(req)
    emu.ops.settle()
    kind = req.route.kind if req.route else "arm"
    write = req.route.write if req.route else req.method in routing.WRITE_METHODS
    fault_id, response = emu.faults.apply(req, emu.settings)
    lost_answer = response is not None and response.status == DROP_AFTER
    if response is None or lost_answer:
        response = _serve(emu, req, kind)
    if kind == "arm" and not response.drop:
        _add_arm_headers(req, response)
    emu.log.record(req, response, kind, write, fault_id, answer_lost=lost_answer)
    emu.persist()
    return dropped_connection() if lost_answer else response


def _serve(emu, req, kind):
    try:
        if req.route is None:
            raise _no_route(req)
        if kind == "arm":
            _check_arm_request(emu, req)
        return _run_handler(req)
    except ArmError as err:
        return error_response(err)


def _run_handler(req):
    try:
        return req.route.handler(req)
    except ArmError as err:
        return error_response(err)
    except Exception as err:  # pylint: disable=broad-except
        traceback.print_exc(file=sys.stderr)
        return error_response(ArmError(500, "InternalServerError", f"armemu handler failed: {err!r}"))


def _no_route(req):
    """404 for a path nothing emulates, 405 for a known path with another method. A resource
    provider namespace nothing serves is ARM's 404 ``InvalidResourceNamespace`` (recorded answer);
    an unknown type in a served namespace stays ``InvalidResourceType``."""
    if routing.path_exists(req.segments):
        return ArmError(405, "MethodNotAllowed", f"The emulator serves {req.path} but not with {req.method}.")
    namespace = _namespace(req.segments)
    if namespace and namespace.lower() not in routing.namespaces():
        return ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{namespace}' is invalid.")
    return ArmError(404, "InvalidResourceType", f"The emulator has no route for {req.method} {req.path}.")


def _namespace(segments):
    """The last resource provider namespace a path names (after its last ``providers`` segment), if any."""
    lowered = [segment.lower() for segment in segments]
    if "providers" not in lowered[:-1]:
        return None
    return segments[len(lowered) - 1 - lowered[::-1].index("providers") + 1]


def _check_arm_request(emu, req):
    req.principal = emu.directory.authenticate(req.headers.get("Authorization"), emu.endpoint)
    subscription_id = req.params.get("subscriptionId")
    if subscription_id:
        check_subscription_id(subscription_id)
        if not emu.store.exists(f"/subscriptions/{subscription_id}"):
            raise ArmError(404, "SubscriptionNotFound", SUBSCRIPTION_NOT_FOUND.format(subscription_id))
        if not req.principal.may_access(subscription_id):
            raise authorization_failed(req.principal, _action(req), req.path)
    if not req.api_version:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    try:
        req.ratelimit = emu.throttle.consume(req.principal.client_id, subscription_id, req.method)
    except ArmError:
        req.throttled = True
        raise
    pause = emu.settings.latency["read" if req.ratelimit[1] == "reads" else "write"]
    if pause:
        time.sleep(pause)


def _action(req):
    """The RBAC action a request needs, e.g. ``Microsoft.RecoveryServices/vaults/read``."""
    segments = req.segments
    verb = {"GET": "read", "HEAD": "read", "DELETE": "delete", "POST": "action"}.get(req.method, "write")
    if "providers" in [segment.lower() for segment in segments]:
        start = max(index for index, segment in enumerate(segments) if segment.lower() == "providers") + 1
        namespace, rest = segments[start], segments[start + 1:]
        return "/".join([namespace, *rest[0::2], verb])
    if len(segments) >= 3:
        return f"Microsoft.Resources/subscriptions/{segments[2]}/{verb}"
    return f"Microsoft.Resources/subscriptions/{verb}"


def _add_arm_headers(req, response):
    request_id = str(uuid.uuid4())
    response.headers.setdefault("x-ms-request-id", request_id)
    response.headers["x-ms-correlation-request-id"] = req.headers.get("x-ms-correlation-request-id") or str(uuid.uuid4())
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    response.headers["x-ms-routing-request-id"] = f"LOCAL:{stamp}:{request_id}"
    if req.ratelimit:
        scope, kind, remaining = req.ratelimit
        response.headers[f"x-ms-ratelimit-remaining-{scope}-{kind}"] = str(remaining)
