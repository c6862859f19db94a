# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What vm_protection, file_share_protection and sql_protection do for one item, decided from the vault's protected-items listing.

Private to the collection.  Pure functions, unit tested without Azure:

* ``plan_item(item, wanted)`` -> the action (``protect``, ``change_policy``, ``resume``,
  ``undelete_and_protect``, ``undelete``, ``stop``, ``delete`` or ``none``), the ordered write
  steps, a reason, and the before/after the diff shows;
* the REST bodies of the item writes (contract §3.4, §3.5), one builder for every item type: the item's identity
  (``vm_item``, ``_file_shares.share_item``, ``_sql_protection.SQL_DATABASE_ITEM``) and the policy or protection state;
* ``backup_expiry`` for on-demand backups.

The listing already carries ``sourceResourceId``, ``policyId``/``policyName``,
``protectionState`` and ``isScheduledForDeferredDelete``, so an idempotent run needs no
per-VM read at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_ITEM_TYPE
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import NONE as NO_CHANGE, plan

PROTECT, CHANGE_POLICY, RESUME = "protect", "change_policy", "resume"
UNDELETE_AND_PROTECT, UNDELETE = "undelete_and_protect", "undelete"
STOP, DELETE, NONE, BACKUP = "stop", "delete", "none", "backup"
STOP_STATES = {"forever": "ProtectionStopped", "as_per_policy": "BackupsSuspended"}
STOPPED_STATES = ("protectionstopped", "backupssuspended")
NOT_PROTECTED = "NotProtected"
BACKUP_RETENTION_DAYS = (1, 36135)  # one day to 99 years, as Azure allows for on-demand VM backups


def item_properties(item):
    return (item or {}).get("properties") or {}


def item_state(item):
    return item_properties(item).get("protectionState") or "Invalid"


def is_soft_deleted(item):
    return bool(item_properties(item).get("isScheduledForDeferredDelete"))


def item_policy_name(item):
    properties = item_properties(item)
    return properties.get("policyName") or (properties.get("policyId") or "").rstrip("/").split("/")[-1] or None


def item_view(item):
    """What the diff shows of a VM's protection."""
    if item is None:
        return {"protection_state": NOT_PROTECTED, "policy": None}
    state = "SoftDeleted" if is_soft_deleted(item) else item_state(item)
    return {"protection_state": state, "policy": item_policy_name(item)}


def _plan(action, steps, reason, before, after):
    return {"action": action, "steps": steps, "reason": reason, "before": before, "after": after, "error": None}


def _spelled_as(wanted, current):
    """``wanted``, spelled as ``current`` when they differ only in case (Azure's names are not case-sensitive)."""
    return current if wanted and current and wanted.lower() == current.lower() else wanted


def desired_view(item, wanted, before):
    """The view ``wanted`` asks of the item: None when it is to have no protection (state absent)."""
    if wanted["state"] == "absent":
        return None
    if wanted["state"] == "stopped":
        return {"protection_state": _spelled_as(STOP_STATES[wanted.get("retain") or "forever"], item_state(item)), "policy": before["policy"]}
    # An item Azure protects (Protected, IRPending, ProtectionError...) keeps its state; stopped, soft-deleted or new ones become Protected.
    protected = item is not None and not is_soft_deleted(item) and item_state(item).lower() not in STOPPED_STATES
    return {"protection_state": before["protection_state"] if protected else "Protected",
            "policy": _spelled_as(wanted.get("policy"), before["policy"]) or (before["policy"] if protected else None)}


def plan_present(item, reason_policy, before, after):
    """Protect, resume, undelete or move to the wanted policy (``_reconcile.plan`` found a difference)."""
    if item is None:
        return _plan(PROTECT, ["protect"], f"not protected; protect with policy {reason_policy}", before, after)
    if is_soft_deleted(item):
        return _plan(UNDELETE_AND_PROTECT, ["undelete", "protect"], f"soft-deleted; undelete, then protect with policy {reason_policy}", before, after)
    if item_state(item).lower() in STOPPED_STATES:
        return _plan(RESUME, ["protect"], f"protection is {item_state(item)}; resume with policy {reason_policy}", before, after)
    return _plan(CHANGE_POLICY, ["protect"], f"protected with policy {before['policy']}; move to policy {reason_policy}", before, after)


def plan_stopped(item, before, after):
    """Stop protection and keep the data (undeleting a soft-deleted item keeps its data too)."""
    stop_state = after["protection_state"]
    if is_soft_deleted(item):
        steps = ["undelete"] + (["stop"] if stop_state.lower() != "protectionstopped" else [])
        return _plan(UNDELETE, steps, "soft-deleted; undelete to keep its backup data", before, after)
    return _plan(STOP, ["stop"], f"protection is {item_state(item)}; stop it as {stop_state}, keeping the backup data", before, after)


def unchanged_reason(item, state, before):
    if state == "present":
        return f"already protected with policy {before['policy']}"
    if item is None:
        return "not protected; " + ("nothing to stop" if state == "stopped" else "no backup data to delete")
    if state == "stopped":
        return f"protection already {before['protection_state']}"
    return "backup data already deleted (soft-deleted, pending purge)"


def plan_item(item, wanted):
    """Decide one item's action (a VM, a file share or a database) from its protected item (or None) and ``wanted``.

    ``wanted``: ``state`` (present|stopped|absent), ``policy`` (name or None), ``retain`` (forever|as_per_policy),
    ``backup_now``.  Whether anything is to change is ``_reconcile.plan``'s answer on the views (protection state and
    policy), as for every resource; which writes make the change (``steps``) depends on the item's state.
    An item that does not exist, or is soft-deleted when its data is to be deleted, counts as absent.
    """
    state = wanted["state"]
    before = item_view(item)
    desired = desired_view(item, wanted, before)
    exists = item is not None and not (state == "absent" and is_soft_deleted(item))
    action, _diff = plan(before if exists else None, desired, "absent" if state == "absent" or (item is None and state == "stopped") else "present")
    if action == NO_CHANGE:
        result = _plan(NONE, [], unchanged_reason(item, state, before), before, dict(before))
    elif state == "absent":
        result = _plan(DELETE, ["delete"], "stop protection and delete the backup data", before, {"protection_state": NOT_PROTECTED, "policy": None})
    elif state == "stopped":
        result = plan_stopped(item, before, desired)
    else:
        result = plan_present(item, wanted.get("policy"), before, desired)
        if not wanted.get("policy"):
            result["error"] = f"policy is required to {result['action'].replace('_', ' ')} (the VM is {before['protection_state']})"
    if state == "present" and wanted.get("backup_now"):
        result["steps"] = result["steps"] + ["backup"]
        if result["action"] == NONE:
            result.update(action=BACKUP, reason=result["reason"] + "; back up now")
    return result


# --- request bodies ----------------------------------------------------------------------------

def vm_item(vm_id):
    """A VM's protected-item identity: its type and the VM's id."""
    return {"protectedItemType": VM_ITEM_TYPE, "sourceResourceId": vm_id}


def protect_body(item, policy_id):
    """Protect (or change the policy of) an item; ``item`` is its identity (``vm_item``, ``share_item``, ``SQL_DATABASE_ITEM``)."""
    return {"properties": dict(item, policyId=policy_id)}


def stop_body(item, stop_state, policy_id=""):
    """Stop protection keeping data; ``BackupsSuspended`` keeps the policy that decides how long."""
    body = protect_body(item, policy_id if stop_state == "BackupsSuspended" else "")
    body["properties"]["protectionState"] = stop_state
    return body


def undelete_body(item):
    body = stop_body(item, "ProtectionStopped")
    body["properties"]["isRehydrate"] = True
    return body


def backup_expiry(retention_days=None, expiry_date=None, now=None):
    """The on-demand recovery point's expiry as Azure wants it (UTC, ISO-8601), or raise ValueError."""
    now = now or datetime.now(timezone.utc)
    low, high = BACKUP_RETENTION_DAYS
    if expiry_date:
        # A date, or a time as azure.azcollection's recovery_point_expiry_time takes it (2027-02-09T06:00:00Z).
        try:
            expiry = datetime.fromisoformat(str(expiry_date).strip())
        except ValueError as error:
            raise ValueError(f"backup_expiry '{expiry_date}' is not a date: use YYYY-MM-DD, or a time such as 2027-12-31T06:00:00Z") from error
        expiry = expiry.replace(tzinfo=timezone.utc) if expiry.tzinfo is None else expiry.astimezone(timezone.utc)
        if expiry.date() <= now.date() or expiry > now + timedelta(days=high):
            raise ValueError(f"backup_expiry {expiry_date} must be between tomorrow and {high} days (99 years) from today")
    else:
        days = 30 if retention_days is None else retention_days
        if not low <= days <= high:
            raise ValueError(f"backup_retention_days is {days}; allowed {low}-{high} (1 day to 99 years)")
        expiry = now + timedelta(days=days)
    return expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
