"""ARM-style request budgets per principal and subscription, and the rate-limit headers.

Off by default. With ``settings.throttle = {"reads": n, "writes": n, "deletes": n, "window": s}``
a request over budget gets 429 ``SubscriptionRequestsThrottled`` with Retry-After. The
``x-ms-ratelimit-remaining-subscription-*`` headers are always sent; without a budget they count
down from ARM's hourly defaults (12,000 reads, 1,200 writes, 15,000 deletes).
"""

import threading
import time

from .errors import ArmError

DEFAULT_BUDGETS = {"reads": 12000, "writes": 1200, "deletes": 15000}
DEFAULT_WINDOW = 3600


def budget_kind(method):
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


class Throttle:

    def __init__(self, settings):
        self.settings = settings
        self._windows = {}
        self._lock = threading.Lock()

    def _limit(self, kind):
        return self.settings.throttle.get(kind, DEFAULT_BUDGETS[kind])

    def consume(self, principal_id, subscription_id, method):
        """Count one request; return the remaining budget or raise 429 when over it."""
        kind = budget_kind(method)
        window = self.settings.throttle.get("window", DEFAULT_WINDOW)
        key = (principal_id, (subscription_id or "").lower(), kind)
        now = time.monotonic()
        with self._lock:
            started, used = self._windows.get(key, (now, 0))
            if now - started >= window:
                started, used = now, 0
            used += 1
            self._windows[key] = (started, used)
            remaining = self._limit(kind) - used
            wait = max(1, int(window - (now - started)))
        if remaining < 0 and self.settings.throttle.get(kind) is not None:
            retry_after = self.settings.throttle.get("retry_after", wait)
            raise ArmError(
                429, "SubscriptionRequestsThrottled",
                f"Number of '{kind[:-1]}' requests for subscription '{subscription_id}' actor '{principal_id}' exceeded. "
                f"Please try again after '{retry_after}' seconds after additional tokens are available. "
                "Refer to https://aka.ms/arm-throttling",
                {"Retry-After": self.settings.retry_after_header(retry_after)})
        return kind, max(remaining, 0)

    def reset(self):
        with self._lock:
            self._windows.clear()
