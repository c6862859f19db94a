"""ARM's request throttling: token buckets per scope, principal and operation type, and the rate-limit headers.

Azure Resource Manager (since 2024, "Request limits and throttling") keeps one bucket per
subscription (or tenant, for requests without a subscription), per principal and per operation
type. A request takes one token; tokens come back at the refill rate up to the bucket size. A
request that finds no token gets 429 ``SubscriptionRequestsThrottled`` with ``Retry-After``, the
whole seconds until a token is back. GET and HEAD are reads, DELETE is a delete, everything else
(PUT, PATCH, and POST actions, read-like or not) is a write.

Every ARM answer carries ``x-ms-ratelimit-remaining-{subscription|tenant}-{reads|writes|deletes}``:
the tokens left in the bucket the request used. A kind without a configured bucket (the fast
profile) is never throttled and reports Azure's full bucket, so a client that paces itself on the
header never slows down there.
"""

import math
import threading
import time

from .errors import ArmError
from .settings import AZURE_BUCKETS


def bucket_kind(method):
    """The bucket an HTTP method draws from: POST actions count as writes."""
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


class TokenBucket:
    """``size`` tokens, refilled continuously at ``refill`` per second; starts full."""

    def __init__(self, size, refill, now):
        self.size = size
        self.refill = refill
        self.tokens = float(size)
        self.stamp = now

    def _top_up(self, now):
        self.tokens = min(self.size, self.tokens + (now - self.stamp) * self.refill)
        self.stamp = now

    def take(self, now):
        """(True, tokens left) if a token was taken, else (False, whole seconds until one is back)."""
        self._top_up(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True, int(self.tokens)
        return False, max(1, math.ceil((1 - self.tokens) / self.refill))


class Throttle:

    def __init__(self, settings):
        self.settings = settings
        self._buckets = {}
        self._lock = threading.Lock()

    def consume(self, principal_id, subscription_id, method):
        """Take a token; return ``(scope, kind, remaining)`` for the headers, or raise ARM's 429."""
        kind = bucket_kind(method)
        scope = "subscription" if subscription_id else "tenant"
        limit = self.settings.throttle.get(kind)
        if not limit:
            return scope, kind, AZURE_BUCKETS[kind]["bucket"]
        key = (scope, (subscription_id or "").lower(), principal_id, kind)
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.size, bucket.refill) != (limit["bucket"], limit["refill"]):
                bucket = self._buckets[key] = TokenBucket(limit["bucket"], limit["refill"], now)
            granted, value = bucket.take(now)
        if granted:
            return scope, kind, value
        target = f"subscription '{subscription_id}'" if subscription_id else "tenant"
        raise ArmError(
            429, "SubscriptionRequestsThrottled",
            f"Number of '{kind[:-1]}' requests for {target} actor '{principal_id}' exceeded. "
            f"Please try again after '{value}' seconds after additional tokens are available. "
            "Refer to https://aka.ms/arm-throttling",
            {"Retry-After": str(value), f"x-ms-ratelimit-remaining-{scope}-{kind}": "0"})

    def reset(self):
        with self._lock:
            self._buckets.clear()
