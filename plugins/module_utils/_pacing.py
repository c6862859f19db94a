# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pace requests by ARM's own rate-limit headers, so a large run slows down before Azure throttles it.

ARM throttles with token buckets per subscription, principal and kind of request (reads 250
refilling 25/s, writes 200 refilling 10/s, deletes 200 refilling 10/s; POST actions count as
writes) and reports what is left in ``x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}``
(and ``-global-...`` on newer ARM instances) on every answer. ``RateLimitPacer`` keeps an estimate
of each bucket from those headers; while a bucket is above its reserve requests go at once, below
it they are spaced at the refill rate. A run therefore goes near the refill rate instead of
emptying the bucket and collecting a storm of 429s. Threads share one pacer (one per task).

The buckets are per subscription and principal, not per process: the roles run one module per vault at
once, and each would otherwise pace itself at the full refill rate, together several times it. So the
estimates live in a small file in the collection's cache directory (``_cache.cache_directory``), one per
principal (``AZURE_CLIENT_ID``), read and updated under an exclusive lock for each request: every task
of this controller signed in as that principal draws on one estimate. Where the file cannot be used,
each task paces on its own, as before.

Where the headers show a larger bucket (the older hourly model: 12,000 reads), nothing is paced.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: each task paces on its own
    fcntl = None

try:
    from azure.core.pipeline.policies import HTTPPolicy
except ImportError:  # pragma: no cover - modules check the SDKs (missing_required_lib) before _client imports this file
    HTTPPolicy = object

# Bucket -> (size, refill per second), from Azure's "Request limits and throttling" (token bucket model).
ARM_BUCKETS = {"reads": (250, 25.0), "writes": (200, 10.0), "deletes": (200, 10.0)}
# Keep this share of a bucket for other clients of the same principal (another task, a person in the portal).
RESERVE_SHARE = 0.1
REMAINING_HEADER = "x-ms-ratelimit-remaining-subscription-{}"
GLOBAL_REMAINING_HEADER = "x-ms-ratelimit-remaining-subscription-global-{}"


def bucket_of(method):
    """The ARM bucket a request of ``method`` draws from."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


def subscription_of(url):
    """The lower-cased subscription id in an ARM URL ('' when there is none)."""
    parts = url.split("?", 1)[0].split("/")
    for index, part in enumerate(parts[:-1]):
        if part.lower() == "subscriptions":
            return parts[index + 1].lower()
    return ""


def remaining_from_headers(headers, bucket):
    """The smallest remaining count the answer reports for ``bucket`` (None when it reports none)."""
    values = []
    for template in (REMAINING_HEADER, GLOBAL_REMAINING_HEADER):
        value = headers.get(template.format(bucket))
        try:
            values.append(int(value))
        except (TypeError, ValueError):
            continue
    return min(values) if values else None


class BucketEstimate:
    """What we believe one ARM token bucket holds, from its last reported count and our own requests.

    ``tokens`` can go below zero: that is requests already promised a slot in the future.
    """

    def __init__(self, size, refill_per_second, clock=time.monotonic):
        self.size = size
        self.refill_per_second = refill_per_second
        self.reserve = size * RESERVE_SHARE
        self.clock = clock
        self.tokens = None  # unknown until the first answer reports it
        self.stamp = clock()
        self.issued = 0  # tickets handed out so far
        self.observed_ticket = -1

    def _refill(self, now):
        ceiling = max(self.size, self.tokens)
        self.tokens = min(ceiling, self.tokens + (now - self.stamp) * self.refill_per_second)
        self.stamp = now

    def take(self):
        """Reserve a token for one request: returns (ticket, seconds to wait before sending)."""
        ticket = self.issued
        self.issued += 1
        if self.tokens is None:
            return ticket, 0.0
        now = self.clock()
        self._refill(now)
        self.tokens -= 1
        if self.tokens >= self.reserve:
            return ticket, 0.0
        return ticket, (self.reserve - self.tokens) / self.refill_per_second

    def state(self):
        return {"tokens": self.tokens, "stamp": self.stamp, "issued": self.issued, "observed_ticket": self.observed_ticket}

    def restore(self, state):
        """Take over an estimate another task saved (``state``): its clock must be this one's (wall time)."""
        if not state or state.get("stamp", 0) > self.clock() + 1:  # a future stamp: another clock; start afresh
            return
        self.tokens, self.stamp = state["tokens"], state["stamp"]
        self.issued, self.observed_ticket = state["issued"], state["observed_ticket"]

    def observe(self, ticket, remaining):
        """Azure reported ``remaining`` after serving request ``ticket``.

        Requests reserved after it may or may not be in that count yet; counting them as not yet
        served keeps the estimate on the safe side. Older answers arriving late are ignored.
        """
        if ticket <= self.observed_ticket:
            return
        self.observed_ticket = ticket
        self.stamp = self.clock()
        self.tokens = remaining - (self.issued - ticket - 1)


def shared_estimates_path(principal=None, environ=None):
    """The file the tasks of one principal on this controller keep their estimates in.

    ARM's buckets are per principal, so the key is the ``client_id`` the task signs in with (an option, a
    profile or ``AZURE_CLIENT_ID``); without one (a user, a managed identity) all such tasks share one file.
    """
    from ansible_collections.azure_backup.recovery_services.plugins.module_utils._cache import (  # pylint: disable=import-outside-toplevel
        cache_directory,
    )

    env = os.environ if environ is None else environ
    principal = principal or env.get("AZURE_CLIENT_ID") or "default"
    return os.path.join(cache_directory(env), "ratelimit-" + quote(principal, safe="")[:100] + ".json")


class SharedEstimates:
    """Bucket estimates in a JSON file, updated under an exclusive ``flock``: shared by processes and threads alike."""

    def __init__(self, path):
        self.path = path

    @contextmanager
    def locked(self):
        """The estimates ({key: state}) to read and change, written back when the block ends; None when the file cannot be used."""
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # pylint: disable=consider-using-with
        except OSError:
            yield None
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            try:
                estimates = json.loads(handle.read() or "{}")
            except ValueError:  # a half-written file (a task killed mid-write): start afresh
                estimates = {}
            yield estimates
            try:
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(estimates))
                handle.flush()
            except OSError:
                pass  # the next request starts from the last estimate written

    @classmethod
    def open(cls, path):
        """The shared estimates at ``path``, or None when the file cannot be used (then each task paces alone)."""
        if fcntl is None:
            return None
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            with open(path, "a", encoding="utf-8"):
                os.chmod(path, 0o600)
        except OSError:
            return None
        return cls(path)


class RateLimitPacer:
    """The bucket estimates per (subscription, bucket); safe to share between threads.

    By default shared with the other tasks of this controller through ``SharedEstimates`` (wall-clock time, as
    processes share it). A pacer given its own ``clock`` (the unit tests) keeps its estimates in memory.
    """

    def __init__(self, clock=None, sleep=time.sleep, shared=None, principal=None):
        self._buckets = {}
        self._lock = threading.Lock()
        self._clock = clock or time.time
        self._sleep = sleep
        self._shared = shared if shared is not None or clock else SharedEstimates.open(shared_estimates_path(principal))
        self.waited_seconds = 0.0

    def _bucket(self, key):
        if key not in self._buckets:
            size, refill = ARM_BUCKETS[key[1]]
            self._buckets[key] = BucketEstimate(size, refill, self._clock)
        return self._buckets[key]

    @contextmanager
    def _estimate(self, key):
        """The estimate of ``key``, up to date with what the other tasks did when it is shared."""
        with self._lock:
            bucket = self._bucket(key)
            if self._shared is None:
                yield bucket
                return
            name = "/".join(key)
            with self._shared.locked() as estimates:
                if estimates is None:  # the file went away: pace alone from here
                    self._shared = None
                    yield bucket
                    return
                bucket.restore(estimates.get(name))
                yield bucket
                estimates[name] = bucket.state()

    def before_request(self, method, url):
        """Wait until the request may go; returns the ticket to hand to ``after_response``."""
        # The host too: tasks against two ARM endpoints (two clouds, two emulators) do not share buckets.
        key = (subscription_of(url), bucket_of(method), urlsplit(url).netloc.lower())
        with self._estimate(key) as bucket:
            ticket, delay = bucket.take()
            self.waited_seconds += delay
        if delay > 0:
            self._sleep(delay)
        return key, ticket

    def after_response(self, ticket, headers):
        key, number = ticket
        remaining = remaining_from_headers(headers, key[1])
        if remaining is None:
            return
        with self._estimate(key) as bucket:
            bucket.observe(number, remaining)


class RateLimitPacingPolicy(HTTPPolicy):
    """An azure-core per-retry policy: every attempt waits for its turn at ``pacer``, then reports the headers."""

    def __init__(self, pacer):
        super().__init__()
        self.pacer = pacer

    def send(self, request):
        http_request = request.http_request
        ticket = self.pacer.before_request(http_request.method, http_request.url)
        response = self.next.send(request)
        self.pacer.after_response(ticket, response.http_response.headers)
        return response
