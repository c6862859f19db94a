"""The in-memory world: resources keyed by lower-cased ARM resource id.

Bodies keep the caller's casing; lookups ignore it (ARM ids are case-insensitive). Every read
returns a deep copy so handlers can edit what they got without racing other threads.

For a state file the store can remember which ids changed (``track_changes``) and work out what
a change would write without making it (``effect_of``).
"""

import copy
import threading


def _key(resource_id):
    return resource_id.rstrip("/").lower()


class Store:

    def __init__(self):
        self._items = {}
        self._changed = None  # a set of changed keys while changes are tracked
        self.lock = threading.RLock()

    def _touch(self, keys):
        if self._changed is not None:
            self._changed.update(keys)

    def track_changes(self):
        """Start remembering which ids change (for ``take_changes``)."""
        with self.lock:
            self._changed = set()

    def take_changes(self):
        """``{key: body or None (deleted)}`` for every id changed since the last call."""
        with self.lock:
            changed = self._changed or set()
            if self._changed is not None:
                self._changed = set()
            return {key: copy.deepcopy(self._items.get(key)) for key in sorted(changed)}

    def effect_of(self, change):
        """What ``change()`` would write, as ``{key: body or None}``, without writing it.

        ``change`` runs against a scratch copy of the world while the store is locked."""
        with self.lock:
            base, changed = self._items, self._changed
            self._items, self._changed = dict(base), None
            try:
                change()
                scratch = self._items
            finally:
                self._items, self._changed = base, changed
            effect = {key: copy.deepcopy(body) for key, body in scratch.items() if base.get(key) is not body}
            effect.update({key: None for key in base if key not in scratch})
            return effect

    def apply_changes(self, changes):
        """Write ``{key: body or None}`` (the form ``take_changes`` and ``effect_of`` return)."""
        with self.lock:
            for key, body in changes.items():
                if body is None:
                    self._items.pop(key, None)
                else:
                    self._items[key] = copy.deepcopy(body)
            self._touch(changes)

    def get(self, resource_id):
        with self.lock:
            body = self._items.get(_key(resource_id))
            return copy.deepcopy(body)

    def exists(self, resource_id):
        with self.lock:
            return _key(resource_id) in self._items

    def put(self, resource_id, body):
        with self.lock:
            self._items[_key(resource_id)] = copy.deepcopy(body)
            self._touch([_key(resource_id)])

    def delete(self, resource_id):
        """Remove one resource; True if it was there."""
        with self.lock:
            self._touch([_key(resource_id)])
            return self._items.pop(_key(resource_id), None) is not None

    def delete_tree(self, resource_id):
        """Remove a resource and everything whose id lies under it (child resources)."""
        prefix = _key(resource_id) + "/"
        with self.lock:
            doomed = [key for key in self._items if key == _key(resource_id) or key.startswith(prefix)]
            for key in doomed:
                del self._items[key]
            self._touch(doomed)
            return len(doomed)

    def children(self, parent_id, child_type):
        """Direct children ``{parent_id}/{child_type}/{name}`` in insertion order.

        ``child_type`` may span several segments, e.g. ``providers/Microsoft.RecoveryServices/vaults``.
        """
        prefix = f"{_key(parent_id)}/{child_type.strip('/').lower()}/"
        with self.lock:
            return [copy.deepcopy(body) for key, body in self._items.items()
                    if key.startswith(prefix) and "/" not in key[len(prefix):]]

    def find(self, predicate):
        """Every body for which ``predicate(lower_id, body)`` holds."""
        with self.lock:
            return [copy.deepcopy(body) for key, body in self._items.items() if predicate(key, body)]

    def find_shared(self, predicate):
        """Like ``find``, without the copies: the stored bodies themselves, for the caller to read only.

        Safe to read after the lock is released because the store never changes a body in place (every
        write stores a fresh copy). A paged listing copies only the page it serves (``paged_response``'s
        ``render``) instead of every item on every page.
        """
        with self.lock:
            return [body for key, body in self._items.items() if predicate(key, body)]

    def clear(self):
        with self.lock:
            self._touch(self._items)
            self._items.clear()

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self._items)
