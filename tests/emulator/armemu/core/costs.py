"""What the requests seen would cost on Azure: ``GET /_emulator/costs[?since=SEQ]``.

The throttle floor is the least wall time ARM's token buckets allow for a set of requests: a
bucket of ``size`` tokens refilled at ``refill`` per second serves ``n`` requests in no less than
``max(0, (n - size) / refill)`` seconds (it starts full), and the buckets run side by side, so the
floor of a run is the largest floor of its buckets. It is computed with the throttle settings in
force, or Azure's published buckets when throttling is off (the fast profile), so a benchmark on
the fast profile still learns what its requests would cost on Azure.
"""

from collections import Counter

from .settings import AZURE_BUCKETS


def bucket_floor(consumed, size, refill):
    """Least seconds a bucket of ``size`` tokens refilled at ``refill``/s needs to serve ``consumed`` requests."""
    return max(0.0, (consumed - size) / refill)


def throttle_floor(consumed_by_bucket, limits):
    """The floor of a run: the largest bucket floor.

    ``consumed_by_bucket`` maps a bucket name ending in ``/reads``, ``/writes`` or ``/deletes`` to the
    tokens it gave; ``limits`` maps those kinds to ``{"bucket": size, "refill": per second}``."""
    floors = [bucket_floor(consumed, **_limit(limits, name)) for name, consumed in consumed_by_bucket.items()]
    return max(floors, default=0.0)


def _limit(limits, bucket_name):
    limit = limits[bucket_name.rsplit("/", 1)[-1]]
    return {"size": limit["bucket"], "refill": limit["refill"]}


def cost_report(entries, throttle_settings, last_seq, since=0):
    """The cost summary of request-log ``entries`` (ARM requests only)."""
    limits = {**AZURE_BUCKETS, **throttle_settings}
    arm = [entry for entry in entries if entry["kind"] == "arm"]
    consumed = Counter(entry["bucket"] for entry in arm if entry["bucket"])
    kinds = Counter(entry["bucket"].rsplit("/", 1)[-1] for entry in arm if entry["bucket"])
    buckets = {name: {"consumed": count, **limits[name.rsplit("/", 1)[-1]],
                      "floor_seconds": round(bucket_floor(count, **_limit(limits, name)), 3)}
               for name, count in sorted(consumed.items())}
    times = [entry["mono"] for entry in arm]
    return {
        "since": since,
        "last_seq": last_seq,
        "requests": len(arm),
        "by_method": dict(Counter(entry["method"] for entry in arm)),
        "by_bucket": {kind: kinds.get(kind, 0) for kind in ("reads", "writes", "deletes")},
        "writes": sum(1 for entry in arm if entry["write"]),
        "throttled": sum(1 for entry in arm if entry["throttled"]),
        "status_429": sum(1 for entry in arm if entry["status"] == 429),
        "faulted": sum(1 for entry in arm if entry["fault"]),
        "dropped": sum(1 for entry in arm if entry["dropped"]),
        "answers_lost": sum(1 for entry in arm if entry["answer_lost"]),
        "elapsed_seconds": round(max(times) - min(times), 3) if times else 0.0,
        "throttle_floor_seconds": round(throttle_floor(consumed, limits), 3),
        "buckets": buckets,
        "limits": limits,
    }
