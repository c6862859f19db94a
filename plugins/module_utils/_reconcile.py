# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one reconcile pattern every state module follows.

read current -> build desired from the options the user set -> diff -> check (a write Azure would
refuse) -> (check mode stops here) -> apply -> wait -> return ``changed``, ``diff`` and the resource.

A module describes its resource with a ``Resource`` subclass; ``reconcile()`` does the rest, the
resource's writes wait through ``finish()``, and ``returned()`` gives the resource the module returns, in one
shape whatever the mode (check mode, a waited write, ``wait: false``). Module code never calls ``fail_json``: it raises ``Refusal``
(before any write) or ``TaskFailure`` (after), and ``AzureBackupModule.run()`` ends the task.
"""

from __future__ import annotations

CREATE, UPDATE, DELETE, NONE = "create", "update", "delete", "none"


class TaskFailure(Exception):
    """The task fails with ``message`` as ``msg`` and ``details`` as extra result keys.

    Module code raises it instead of calling ``fail_json``, so one place (``AzureBackupModule.run()``)
    ends every task; use it for outcomes found after a write (a job that failed, items left unfinished).
    """

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class Refusal(TaskFailure):
    """Input the module refuses, or a write Azure would refuse, found before any write."""


def changed_paths(before, after, prefix=""):
    """List the dotted paths whose values differ between two dicts."""
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in sorted(set(before) | set(after)):
            paths.extend(changed_paths(before.get(key), after.get(key), f"{prefix}{key}."))
        return paths
    return [] if before == after else [prefix.rstrip(".")]


def plan(current_view, desired_view, state):
    """Decide what to do for one resource; returns (action, diff)."""
    before = current_view or {}
    if state == "absent":
        return (DELETE if current_view is not None else NONE), {"before": before, "after": {}}
    after = desired_view or {}
    if current_view is None:
        return CREATE, {"before": {}, "after": after}
    return (UPDATE if before != after else NONE), {"before": before, "after": after}


class Resource:
    """What a state module tells ``reconcile()`` about its resource.

    ``read`` returns the settings the module manages (a plain dict, the "view") or None when
    the resource does not exist; ``desired`` builds the wanted view from the current one and
    the options the user set; ``create``/``update``/``delete`` write and wait.  ``azure`` holds
    Azure's resource as last read or returned by a waited write; ``planned`` builds it as Azure will
    return it after a write not (yet) awaited.  ``returned()`` chooses between them.
    """

    azure = None

    def read(self):
        raise NotImplementedError

    def desired(self, current):
        raise NotImplementedError

    def create(self, desired):
        raise NotImplementedError

    def update(self, current, desired):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    def planned(self, current, desired):
        """Azure's resource as it will be once the write from ``current`` to ``desired`` is applied (see ``overlay``)."""
        raise NotImplementedError

    def check(self, action, current, desired):
        """Raise ``Refusal`` for a planned write Azure would refuse, when what ``read`` saw tells.

        Runs in check mode too, so check mode reports the refusal a real run would meet.
        """


def finish(session, operation, started, params, confirm=None):
    """Await a write as the task's ``wait``/``wait_timeout`` say; the one wait path of the resources.

    ``started`` is what the write returned: an azure-core poller (awaited by ``session.finish``, which
    fails rather than return while it still runs) or a raw 202 response (``session.wait_for_operation``,
    with ``confirm`` asked when the status cannot be read). Returns the poller's result or the final
    status body; None when ``wait`` is false, so a caller reports what it planned instead.
    """
    if not params.get("wait", True):
        return None
    if hasattr(started, "polling_method"):
        return session.finish(operation, started, params["wait_timeout"])
    return session.wait_for_operation(operation, started, params["wait_timeout"], confirm=confirm)


def overlay(resource, body):
    """``resource`` (Azure's JSON) with a request ``body`` written over it: top-level keys replaced, ``properties`` merged key by key.

    What a GET returns once Azure has applied the write, as far as the request tells (values Azure computes, such as a
    new identity's principal id, are unknown until then).
    """
    merged = dict(resource or {}, **{key: value for key, value in body.items() if key != "properties"})
    if "properties" in body:
        merged["properties"] = dict((resource or {}).get("properties") or {}, **body["properties"])
    return merged


def returned(module, resource, result):
    """The resource a state module returns after ``reconcile()``: the same shape in check mode, real mode and ``wait: false``.

    Azure's resource as read (nothing to change) or as the awaited write returned it (``resource.azure``); in check mode
    or with ``wait: false``, Azure's resource with the planned write over it (``resource.planned``); None once deleted.
    """
    if result["action"] == DELETE:
        return None
    if result["action"] == NONE or (not module.check_mode and module.params.get("wait", True)):
        return resource.azure
    return resource.planned(result["diff"]["before"] or None, result["diff"]["after"])


def apply(resource, action, current, desired):
    """Perform one planned action."""
    if action == CREATE:
        resource.create(desired)
    elif action == UPDATE:
        resource.update(current, desired)
    elif action == DELETE:
        resource.delete(current)


def reconcile(module, resource, state):
    """Run the reconcile pattern for one resource; return changed, action, changes and diff."""
    current = resource.read()
    desired = resource.desired(current) if state == "present" else None
    action, diff = plan(current, desired, state)
    if action != NONE:
        resource.check(action, current, desired)
    if not module.check_mode:
        apply(resource, action, current, desired)
    return {
        "changed": action != NONE,
        "action": action,
        "changes": changed_paths(diff["before"], diff["after"]),
        "diff": diff,
    }
