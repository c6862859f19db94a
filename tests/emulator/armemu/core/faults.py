"""Fault injection: make matching requests fail, slow down, or lose their connection.

A fault is ``{"method": "GET"|"*", "path_regex": "...", "status": 429|500|503, "retry_after": s,
"share": 0..1, "times": n, "delay": s, "drop": bool, "code": "...", "message": "..."}``.
``path_regex`` is searched (case-insensitively) in the decoded path. ``times`` is how many
requests the fault hits before it expires (unlimited when absent); ``share`` is the probability
that a matching request is hit. A fault with only ``delay`` slows the request down and then lets
it through.
"""

import random
import re
import threading
import time
import uuid

from .errors import ArmError
from .http import dropped_connection, error_response

DEFAULT_CODES = {
    429: ("SubscriptionRequestsThrottled", "Number of requests for this subscription exceeded the limit. Please try again later."),
    500: ("InternalServerError", "Encountered internal server error. Diagnostic information: timestamp, request id, correlation id."),
    502: ("BadGateway", "The gateway did not receive a response within the specified time period."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
    504: ("GatewayTimeout", "The gateway did not receive a response from the service within the specified time period."),
}
FAULT_KEYS = frozenset({"method", "path_regex", "status", "retry_after", "share", "times", "delay", "drop", "code", "message"})


class Fault:

    def __init__(self, spec):
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}; known: {sorted(FAULT_KEYS)}")
        if not (spec.get("status") or spec.get("drop") or spec.get("delay")):
            raise ValueError("a fault needs at least one of status, drop, delay")
        self.id = str(uuid.uuid4())
        self.spec = dict(spec)
        self.method = spec.get("method", "*").upper()
        self.path = re.compile(spec.get("path_regex", ".*"), re.IGNORECASE)
        self.remaining = spec.get("times")
        self.hits = 0

    def matches(self, method, path):
        if self.method not in ("*", method):
            return False
        if not self.path.search(path):
            return False
        return random.random() < self.spec.get("share", 1.0)

    def response(self, settings):
        """The injected answer (None when the fault only delays)."""
        if self.spec.get("drop"):
            return dropped_connection()
        status = self.spec.get("status")
        if not status:
            return None
        default_code, default_message = DEFAULT_CODES.get(status, ("InjectedFault", "Injected fault."))
        headers = {}
        if status == 429 or "retry_after" in self.spec:
            headers["Retry-After"] = settings.retry_after_header(self.spec.get("retry_after", settings.retry_after))
        err = ArmError(status, self.spec.get("code", default_code), self.spec.get("message", default_message), headers)
        return error_response(err)

    def describe(self):
        return {"id": self.id, **self.spec, "hits": self.hits, "remaining": self.remaining}


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
        """The first fault that hits this request, counted and expired under the lock."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def apply(self, req, settings):
        """(fault id, injected Response or None). Sleeps first when the fault has a delay."""
        fault = self._take(req.method, req.path)
        if fault is None:
            return None, None
        if fault.spec.get("delay"):
            time.sleep(fault.spec["delay"])
        return fault.id, fault.response(settings)
