"""Fault injection: make matching requests fail, slow down, or lose their connection.

A fault is ``{"method": "GET"|"*", "path_regex": "...", "status": 429|500|503, "retry_after": s,
"share": 0..1, "times": n, "delay": s, "drop": bool, "drop_after": bool, "mix": {...}, "seed": n,
"code": "...", "message": "..."}``.
``path_regex`` is searched (case-insensitively) in the decoded path. ``times`` is how many
requests the fault hits before it expires (unlimited when absent); ``share`` is the probability
that a matching request is hit. A fault with only ``delay`` slows the request down and then lets
it through.

``drop`` closes the connection before the request is applied. ``drop_after`` is the fault Azure
really has on writes: the request IS applied (the resource changes, the operation starts), then
the connection closes without the answer, so the client cannot tell whether its write landed.

``mix`` draws one outcome per matching request, e.g. ``{"429": 0.02, "500": 0.02, "503": 0.02,
"drop": 0.02, "drop_after": 0.02}`` faults 10% of requests; the rest pass untouched. Outcomes are
an HTTP status (429, 500, 502, 503, 504), ``drop`` or ``drop_after``. ``seed`` makes the draws
repeatable.
"""

import random
import re
import threading
import time
import uuid

from .errors import ArmError
from .http import Response, dropped_connection, error_response

DEFAULT_CODES = {
    429: ("SubscriptionRequestsThrottled", "Number of requests for this subscription exceeded the limit. Please try again later."),
    500: ("InternalServerError", "Encountered internal server error. Diagnostic information: timestamp, request id, correlation id."),
    502: ("BadGateway", "The gateway did not receive a response within the specified time period."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
    504: ("GatewayTimeout", "The gateway did not receive a response from the service within the specified time period."),
}
FAULT_KEYS = frozenset({"method", "path_regex", "status", "retry_after", "share", "times", "delay", "drop", "drop_after",
                        "mix", "seed", "code", "message"})
DROP_AFTER = -1  # the status of the marker response meaning "serve it, then lose the answer"
MIX_OUTCOMES = frozenset({"429", "500", "502", "503", "504", "drop", "drop_after"})


def _checked_mix(mix):
    if not isinstance(mix, dict) or not mix or set(mix) - MIX_OUTCOMES:
        raise ValueError(f"mix must be an object with keys among {sorted(MIX_OUTCOMES)}")
    if any(isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0 for share in mix.values()) \
            or sum(mix.values()) > 1:
        raise ValueError("mix shares must be non-negative numbers adding up to at most 1")
    return dict(mix)


class Fault:

    def __init__(self, spec):
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}; known: {sorted(FAULT_KEYS)}")
        if not any(spec.get(key) for key in ("status", "drop", "drop_after", "delay", "mix")):
            raise ValueError("a fault needs at least one of status, drop, drop_after, delay, mix")
        self.mix = _checked_mix(spec["mix"]) if "mix" in spec else None
        self.random = random.Random(spec.get("seed"))
        self.id = str(uuid.uuid4())
        self.spec = dict(spec)
        self.outcomes = {}
        self.method = spec.get("method", "*").upper()
        self.path = re.compile(spec.get("path_regex", ".*"), re.IGNORECASE)
        self.remaining = spec.get("times")
        self.hits = 0

    def matches(self, method, path):
        if self.method not in ("*", method):
            return False
        if not self.path.search(path):
            return False
        return self.random.random() < self.spec.get("share", 1.0)

    def outcome(self):
        """What this hit does: ``drop``, ``drop_after``, a status, or None (pass, or delay only)."""
        if self.mix is None:
            return "drop" if self.spec.get("drop") else "drop_after" if self.spec.get("drop_after") else self.spec.get("status")
        draw, total = self.random.random(), 0.0
        for outcome, share in self.mix.items():
            total += share
            if draw < total:
                return outcome if outcome.startswith("drop") else int(outcome)
        return None

    def response(self, settings, outcome):
        """The injected answer for ``outcome`` (None lets the request through)."""
        if outcome == "drop":
            return dropped_connection()
        if outcome == "drop_after":
            return Response(DROP_AFTER)
        status = outcome
        if not status:
            return None
        default_code, default_message = DEFAULT_CODES.get(status, ("InjectedFault", "Injected fault."))
        headers = {}
        if status == 429 or "retry_after" in self.spec:
            headers["Retry-After"] = settings.retry_after_header(self.spec.get("retry_after", settings.retry_after))
        err = ArmError(status, self.spec.get("code", default_code), self.spec.get("message", default_message), headers)
        return error_response(err)

    def describe(self):
        return {"id": self.id, **self.spec, "hits": self.hits, "remaining": self.remaining, "outcomes": dict(self.outcomes)}


class FaultInjector:

    def __init__(self):
        self._faults = []
        self._lock = threading.Lock()

    def add(self, specs):
        faults = [Fault(spec) for spec in specs]
        with self._lock:
            self._faults.extend(faults)
        return [fault.describe() for fault in faults]

    def clear(self):
        with self._lock:
            self._faults.clear()

    def list(self):
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def _take(self, method, path):
        """The first fault that hits this request and its outcome, counted and expired under the lock.

        A ``mix`` draw that picks no outcome is no hit: the request goes on to the next fault."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                outcome = fault.outcome()
                if outcome is None and not fault.spec.get("delay"):
                    continue
                fault.hits += 1
                fault.outcomes[str(outcome)] = fault.outcomes.get(str(outcome), 0) + 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault, outcome
        return None, None

    def apply(self, req, settings):
        """(fault id, injected Response or None). Sleeps first when the fault has a delay.

        A ``drop_after`` outcome answers a marker Response with status ``DROP_AFTER``: the pipeline
        serves the request and then drops the connection."""
        fault, outcome = self._take(req.method, req.path)
        if fault is None:
            return None, None
        if fault.spec.get("delay"):
            time.sleep(fault.spec["delay"])
        return fault.id, fault.response(settings, outcome)
