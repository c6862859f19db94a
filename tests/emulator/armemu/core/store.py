"""The in-memory world: resources keyed by lower-cased ARM resource id.

Bodies keep the caller's casing; lookups ignore it (ARM ids are case-insensitive). Every read
returns a deep copy so handlers can edit what they got without racing other threads.
"""

import copy
import threading


def _key(resource_id):
    return resource_id.rstrip("/").lower()


class Store:

    def __init__(self):
        self._items = {}
        self.lock = threading.RLock()

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

    def delete(self, resource_id):
        """Remove one resource; True if it was there."""
        with self.lock:
            return self._items.pop(_key(resource_id), None) is not None

    def delete_tree(self, resource_id):
        """Remove a resource and everything whose id lies under it (child resources)."""
        prefix = _key(resource_id) + "/"
        with self.lock:
            doomed = [key for key in self._items if key == _key(resource_id) or key.startswith(prefix)]
            for key in doomed:
                del self._items[key]
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

    def clear(self):
        with self.lock:
            self._items.clear()

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self._items)
