# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What vm_protection does for one VM, decided from the vault's protected-items listing.

Private to the collection.  Pure functions, unit tested without Azure:

* ``plan_vm(item, wanted)`` -> the action (``protect``, ``change_policy``, ``resume``,
  ``undelete_and_protect``, ``undelete``, ``stop``, ``delete`` or ``none``), the ordered write
  steps, a reason, and the before/after the diff shows;
* the REST bodies of each step (contract §3.4, §3.5);
* ``backup_expiry`` for on-demand backups.

The listing already carries ``sourceResourceId``, ``policyId``/``policyName``,
``protectionState`` and ``isScheduledForDeferredDelete``, so an idempotent run needs no
per-VM read at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_ITEM_TYPE

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


def plan_present(item, policy_name, before):
    """Protect, resume, undelete or move to ``policy_name``."""
    after = {"protection_state": "Protected", "policy": policy_name}
    if item is None:
        return _plan(PROTECT, ["protect"], f"not protected; protect with policy {policy_name}", before, after)
    if is_soft_deleted(item):
        return _plan(UNDELETE_AND_PROTECT, ["undelete", "protect"], f"soft-deleted; undelete, then protect with policy {policy_name}", before, after)
    if item_state(item).lower() in STOPPED_STATES:
        return _plan(RESUME, ["protect"], f"protection is {item_state(item)}; resume with policy {policy_name}", before, after)
    current_policy = item_policy_name(item)
    if policy_name and (current_policy or "").lower() != policy_name.lower():
        return _plan(CHANGE_POLICY, ["protect"], f"protected with policy {current_policy}; move to policy {policy_name}", before, after)
    return _plan(NONE, [], f"already protected with policy {current_policy}", before, dict(before))


def plan_stopped(item, stop_state, before):
    """Stop protection and keep the data (undeleting a soft-deleted item keeps its data too)."""
    after = {"protection_state": stop_state, "policy": before["policy"]}
    if item is None:
        return _plan(NONE, [], "not protected; nothing to stop", before, dict(before))
    if is_soft_deleted(item):
        steps = ["undelete"] + (["stop"] if stop_state != "ProtectionStopped" else [])
        return _plan(UNDELETE, steps, "soft-deleted; undelete to keep its backup data", before, after)
    if item_state(item).lower() == stop_state.lower():
        return _plan(NONE, [], f"protection already {stop_state}", before, dict(before))
    return _plan(STOP, ["stop"], f"protection is {item_state(item)}; stop it as {stop_state}, keeping the backup data", before, after)


def plan_absent(item, before):
    if item is None:
        return _plan(NONE, [], "not protected; no backup data to delete", before, dict(before))
    if is_soft_deleted(item):
        return _plan(NONE, [], "backup data already deleted (soft-deleted, pending purge)", before, dict(before))
    return _plan(DELETE, ["delete"], "stop protection and delete the backup data", before, {"protection_state": NOT_PROTECTED, "policy": None})


def plan_vm(item, wanted):
    """Decide one VM's action from its protected item (or None) and ``wanted``.

    ``wanted``: ``state`` (present|stopped|absent), ``policy`` (name or None), ``retain``
    (forever|as_per_policy), ``backup_now`` (bool).
    """
    before = item_view(item)
    if wanted["state"] == "present":
        plan = plan_present(item, wanted.get("policy"), before)
        if plan["steps"] and not wanted.get("policy"):
            plan["error"] = f"policy is required to {plan['action'].replace('_', ' ')} (the VM is {before['protection_state']})"
        if wanted.get("backup_now"):
            plan["steps"] = plan["steps"] + ["backup"]
            if plan["action"] == NONE:
                plan.update(action=BACKUP, reason=plan["reason"] + "; back up now")
    elif wanted["state"] == "stopped":
        plan = plan_stopped(item, STOP_STATES[wanted.get("retain") or "forever"], before)
    else:
        plan = plan_absent(item, before)
    return plan


# --- request bodies ----------------------------------------------------------------------------

def protect_body(vm_id, policy_id):
    return {"properties": {"protectedItemType": VM_ITEM_TYPE, "sourceResourceId": vm_id, "policyId": policy_id}}


def stop_body(vm_id, stop_state, policy_id=""):
    """Stop protection keeping data; ``BackupsSuspended`` keeps the policy that decides how long."""
    body = protect_body(vm_id, policy_id if stop_state == "BackupsSuspended" else "")
    body["properties"]["protectionState"] = stop_state
    return body


def undelete_body(vm_id):
    body = stop_body(vm_id, "ProtectionStopped")
    body["properties"]["isRehydrate"] = True
    return body


def backup_expiry(retention_days=None, expiry_date=None, now=None):
    """The on-demand recovery point's expiry as Azure wants it (UTC, ISO-8601), or raise ValueError."""
    now = now or datetime.now(timezone.utc)
    low, high = BACKUP_RETENTION_DAYS
    if expiry_date:
        try:
            expiry = datetime.strptime(str(expiry_date), "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError as error:
            raise ValueError(f"backup_expiry '{expiry_date}' is not a date: use YYYY-MM-DD") from error
        if expiry.date() <= now.date() or expiry > now + timedelta(days=high):
            raise ValueError(f"backup_expiry {expiry_date} must be between tomorrow and {high} days (99 years) from today")
    else:
        days = 30 if retention_days is None else retention_days
        if not low <= days <= high:
            raise ValueError(f"backup_retention_days is {days}; allowed {low}-{high} (1 day to 99 years)")
        expiry = now + timedelta(days=days)
    return expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
