"""A world that survives a restart: ``--state-file PATH``.

``PATH`` holds a snapshot (resources, operations, issued tokens, tenant and principals) and
``PATH.journal`` one JSON line per request that changed something since the snapshot. The journal
line is written and flushed before the answer leaves, so a ``kill -9`` keeps every change a
client saw answered (the page cache survives the process; only a power cut needs fsync). Every
``SNAPSHOT_EVERY`` lines, on ``POST /_emulator/state/save`` and at a clean stop, the journal is
folded into a new snapshot, written to a temporary file, fsynced and renamed over the old one.

An operation still running when its state is saved cannot keep its completion callback (code
is not data), so it keeps the *effect* the callback would have: the resources it would write,
worked out on a scratch copy of the world when the operation starts (``Store.effect_of``).
After a restart it completes on its original deadline by writing that effect; its result URL
then answers 204 (the body a live one would build is not saved). ARM's token buckets start full
again after a restart.
"""

import json
import os
import sys
import threading
import time
import traceback
from datetime import datetime, timezone

from .lro import Operation

SNAPSHOT_EVERY = 5000
FORMAT_VERSION = 1


class StateFile:

    def __init__(self, path, emu):
        self.path = str(path)
        self.journal_path = self.path + ".journal"
        self.emu = emu
        self._lock = threading.Lock()
        self._journal = None
        self._lines = 0

    def open(self):
        """Load the saved world if there is one (True), then journal every change from now on."""
        loaded = self._load()
        emu = self.emu
        emu.store.track_changes()
        emu.ops.journal = []
        emu.directory.new_tokens = []
        for operation in emu.ops.operations():
            if not operation.done:
                operation.on_end = emu.ops.journal.append
        self.save()
        return loaded

    def _load(self):
        if not os.path.exists(self.path):
            return False
        with open(self.path, encoding="utf-8") as handle:
            snapshot = json.load(handle)
        emu = self.emu
        emu.ops.clear()
        emu.directory.load(snapshot["tenant"], snapshot["principals"])
        emu.directory.restore_tokens(snapshot["tokens"])
        emu.store.clear()
        emu.store.apply_changes(snapshot["resources"])
        records = {record["id"]: record for record in snapshot["operations"]}
        for entry in self._journal_entries():
            emu.store.apply_changes(entry["resources"])
            emu.directory.restore_tokens(entry["tokens"])
            records.update({record["id"]: record for record in entry["operations"]})
        for record in records.values():
            emu.ops.add(self._operation(record))
        return True

    def _journal_entries(self):
        if not os.path.exists(self.journal_path):
            return
        with open(self.journal_path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield json.loads(line)
                except ValueError:
                    return  # a line torn by a kill: everything before it was answered, it was not

    def commit(self):
        """Journal what changed since the last call (called after every request)."""
        emu = self.emu
        with self._lock:
            if self._journal is None:
                return
            resources = emu.store.take_changes()
            operations = _drain(emu.ops.journal)
            tokens = _drain(emu.directory.new_tokens)
            if not (resources or operations or tokens):
                return
            records = {operation.id: self._record(operation) for operation in operations}
            line = {"resources": resources, "operations": list(records.values()), "tokens": tokens}
            self._journal.write(json.dumps(line) + "\n")
            self._journal.flush()
            self._lines += 1
            if self._lines >= SNAPSHOT_EVERY:
                self._snapshot()

    def save(self):
        """Fold everything into a new snapshot and start an empty journal."""
        with self._lock:
            self._snapshot()

    def close(self):
        self.save()
        with self._lock:
            if self._journal:
                self._journal.close()
                self._journal = None

    def _snapshot(self):
        emu = self.emu
        emu.store.take_changes()
        _drain(emu.ops.journal or [])
        _drain(emu.directory.new_tokens or [])
        snapshot = {
            "version": FORMAT_VERSION, "saved": time.time(), "tenant": emu.directory.tenant_id,
            "principals": emu.directory.principal_specs, "tokens": emu.directory.tokens(),
            "resources": emu.store.snapshot(),
            "operations": [self._record(operation) for operation in emu.ops.operations()],
        }
        temporary = f"{self.path}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(snapshot, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        if self._journal:
            self._journal.close()
        self._journal = open(self.journal_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        self._lines = 0

    def _record(self, operation):
        return {
            "id": operation.id, "kind": operation.kind, "scope": operation.scope,
            "started": operation.started.timestamp(), "ended": operation.ended.timestamp() if operation.ended else None,
            "due": operation.due_wall, "error": operation.error, "properties": operation.properties,
            "effect": None if operation.done else self._effect(operation),
        }

    def _effect(self, operation):
        """The resources the operation will write when it completes (worked out once)."""
        if operation.saved_effect is None:
            effect = {}
            if operation.on_complete and not operation.error:
                try:
                    effect = self.emu.store.effect_of(operation.on_complete)
                except Exception:  # pylint: disable=broad-except
                    traceback.print_exc(file=sys.stderr)
            operation.saved_effect = effect
        return operation.saved_effect

    def _operation(self, record):
        """A live Operation from a saved record: it completes by writing its saved effect."""
        effect = record.get("effect") or {}
        store = self.emu.store
        operation = Operation(record["scope"], max(0.0, record["due"] - time.time()),
                              on_complete=(lambda: store.apply_changes(effect)) if effect else None,
                              error=record["error"], properties=record["properties"], kind=record["kind"])
        operation.id = record["id"]
        operation.started = datetime.fromtimestamp(record["started"], timezone.utc)
        operation.ended = datetime.fromtimestamp(record["ended"], timezone.utc) if record["ended"] is not None else None
        operation.due_wall = record["due"]
        operation.saved_effect = effect
        return operation


def _drain(items):
    """Take the items collected so far (other threads may append meanwhile)."""
    taken = items[:]
    del items[:len(taken)]
    return taken
