"""The request log tests read through ``GET /_emulator/requests``.

Counts cover ARM routes only (tokens, metadata and the control API are listed but not counted);
``writes`` counts ARM requests whose route is a write (PUT/PATCH/DELETE and POSTs not declared
read-like). Every request is counted as received, including ones answered by an injected fault.
"""

import threading
from collections import Counter

from .lro import iso, utc_now


class RequestLog:

    def __init__(self):
        self._records = []
        self._seq = 0
        self._lock = threading.Lock()

    def record(self, req, response, kind, write, fault=None):
        with self._lock:
            self._seq += 1
            self._records.append({
                "seq": self._seq,
                "time": iso(utc_now()),
                "method": req.method,
                "path": req.path,
                "query": dict(req.query),
                "status": None if response.drop else response.status,
                "dropped": response.drop,
                "principal": req.principal.client_id if req.principal else None,
                "kind": kind,
                "write": write,
                "route": req.route.template if req.route else None,
                "fault": fault,
            })

    def summary(self, since=0):
        with self._lock:
            records = [dict(entry) for entry in self._records if entry["seq"] > since]
            last_seq = self._seq
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
