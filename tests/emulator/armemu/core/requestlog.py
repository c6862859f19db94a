"""The request log tests read through ``GET /_emulator/requests``.

Counts cover ARM routes only (tokens, metadata and the control API are listed but not counted);
``writes`` counts ARM requests whose route is a write (PUT/PATCH/DELETE and POSTs not declared
read-like). Every request is counted as received, including ones answered by an injected fault.
``bucket`` names the ARM token bucket a request drew from (``scope/subscription/principal/kind``,
None when none was taken); ``throttled`` marks ARM's own 429s; ``answer_lost`` marks requests that
were applied and then lost their answer (a ``drop_after`` fault).
"""

import threading
import time
from collections import Counter

from .lro import iso, utc_now


class RequestLog:

    def __init__(self):
        self._records = []
        self._seq = 0
        self._lock = threading.Lock()

    def record(self, req, response, kind, write, fault=None, answer_lost=False):
        bucket = None
        if req.ratelimit:
            scope, bucket_kind, dummy = req.ratelimit
            bucket = "/".join((scope, (req.params.get("subscriptionId") or "").lower(), req.principal.client_id, bucket_kind))
        with self._lock:
            self._seq += 1
            self._records.append({
                "seq": self._seq,
                "time": iso(utc_now()),
                "method": req.method,
                "path": req.path,
                "query": dict(req.query),
                "status": None if response.drop else response.status,
                "dropped": response.drop or answer_lost,
                "answer_lost": answer_lost,
                "principal": req.principal.client_id if req.principal else None,
                "kind": kind,
                "write": write,
                "route": req.route.template if req.route else None,
                "fault": fault,
                "bucket": bucket,
                "throttled": req.throttled,
                "mono": time.monotonic(),
            })

    def entries(self, since=0):
        """(copies of the records after ``since``, the last sequence number)."""
        with self._lock:
            return [dict(entry) for entry in self._records if entry["seq"] > since], self._seq

    def summary(self, since=0):
        records, last_seq = self.entries(since)
        for entry in records:
            del entry["mono"]
        arm = [entry for entry in records if entry["kind"] == "arm"]
        return {
            "requests": records,
            "counts": dict(Counter(entry["method"] for entry in arm)),
            "writes": sum(1 for entry in arm if entry["write"]),
            "last_seq": last_seq,
        }

    def reset(self):
        """Forget the records; sequence numbers keep growing so old ``since`` values stay valid."""
        with self._lock:
            self._records.clear()
