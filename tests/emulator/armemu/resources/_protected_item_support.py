"""What every protected item answers, whatever its workload: the change a PUT asks for, the change when its operation
ends, DELETE with soft delete, and the item as GET serves it (contract §3.4).

Azure VMs (backup_protected_items.py), Azure file shares (backup_file_share_items.py) and SQL databases in VMs
(backup_sql_items.py) share these answers: the Backup RP takes ``PUT I`` to enable, modify, resume, stop
(``ProtectionStopped`` / ``BackupsSuspended``) or undelete (``isRehydrate``) protection and ``DELETE I`` to stop it and
delete the data, each with a 202, a job and an operation whose end applies the change. Each workload's file checks
the request its own way (names, policy kind, what must exist, its refusals), builds a new item and says how it starts
its jobs and what a DELETE without soft delete removes; the rest is here:

- ``requested_change``: enable, modify, resume, stop or undelete, and the refusals every workload shares.
- ``change_applier`` and ``accept_change``: the 202 (``I/operationsStatus`` + ``I/operationResults``) whose operation
  applies the change and ends the job.
- ``delete_protected_item``: the 202 (vault-scoped ``V/backupOperations`` + ``V/backupOperationResults``); with the
  vault's soft delete Enabled/AlwaysON the item stays, soft-deleted, for the retention days.
- ``served``: an item as GET returns it.
"""

from datetime import timedelta

from armemu.core.http import empty_response, json_response
from armemu.core.lro import iso, utc_now
from armemu.resources._backup_support import bms_error, item_not_found, parse_iso, request_item_id, soft_delete_settings, timespan
from armemu.resources._vault_support import require_vault
from armemu.resources.backup_jobs import finish_job
from armemu.resources.backup_operations import item_accepted, start_backup_operation, vault_accepted
from armemu.resources.backup_recovery_points import recovery_points

STOPPED_STATES = ("ProtectionStopped", "BackupsSuspended")
PROTECTION_STATES = ("Invalid", "IRPending", "Protected", "ProtectionError", "ProtectionStopped", "ProtectionPaused", "BackupsSuspended")
NEVER_BACKED_UP = "2001-01-01T00:00:00Z"  # Azure's placeholder lastBackupTime for an item never backed up (recorded answers, REST docs)
# The job each change starts (its operation name in the vault's jobs).
JOB_OPERATIONS = {"enable": "ConfigureBackup", "modify": "ConfigureBackup", "resume": "ConfigureBackup", "stop": "DisableBackup",
                  "undelete": "Undelete"}
SOFT_DELETE_ON = ("Enabled", "AlwaysON")


def served(store, item, expand):
    """An item as GET returns it; ``extendedInfo`` only when asked for (``expand eq 'extendedinfo'``)."""
    properties = item["properties"]
    if properties["isScheduledForDeferredDelete"]:
        purge = parse_iso(properties["deferredDeleteTimeInUTC"]) + timedelta(days=properties["softDeleteRetentionPeriod"])
        properties["deferredDeleteTimeRemaining"] = timespan((purge - utc_now()).total_seconds())
    if expand:
        points = recovery_points(store, item["id"])
        info = {"recoveryPointCount": len(points), "policyInconsistent": False}
        if points:
            info["oldestRecoveryPoint"] = points[-1]["properties"]["recoveryPointTime"]
        item["properties"]["extendedInfo"] = info
    return item


# --- PUT I ----------------------------------------------------------------------------------------

def requested_change(current, requested):
    """What a PUT asks for: ``enable``, ``modify``, ``resume``, ``stop`` or ``undelete``.

    A soft-deleted item takes only an undelete; stopping an item that does not exist is 404 (Azure's answers).
    """
    if current and current["properties"]["isScheduledForDeferredDelete"]:
        if requested.get("isRehydrate"):
            return "undelete"
        raise bms_error("BMSUserErrorItemSoftDeleted", "The backup item is in soft deleted state. Undelete the item before you "
                                                       "modify its protection.")
    if requested.get("protectionState") in STOPPED_STATES:
        if current is None:
            raise item_not_found()
        return "stop"
    if current is None:
        return "enable"
    return "resume" if current["properties"]["protectionState"] in STOPPED_STATES else "modify"


def set_policy_name(properties, policy):
    """The policy fields of an item of a workload whose items carry ``policyId`` and ``policyName``."""
    properties.update(policyId=policy["id"], policyName=policy["name"])


def change_applier(store, change, resource_id, requested, policy, enable, set_policy=set_policy_name):
    """The function that makes ``change`` to the item ``resource_id`` when its operation ends.

    ``enable()`` stores the new item (and whatever the workload creates with it); ``set_policy(properties, policy)``
    writes the policy fields of a modified or resumed item. An item deleted meanwhile stays deleted.
    """
    def apply():
        if change == "enable":
            enable()
            return
        current = store.get(resource_id)
        if current is None:
            return
        properties = current["properties"]
        if change == "stop":
            properties["protectionState"] = requested["protectionState"]
            if requested["protectionState"] == "ProtectionStopped":
                properties.update(policyId="", policyName="")
        elif change == "undelete":
            properties.update(isScheduledForDeferredDelete=False, protectionState="ProtectionStopped", policyId="", policyName="",
                              softDeleteRetentionPeriodInDays=properties.pop("softDeleteRetentionPeriod", 14))
            for field in ("deferredDeleteTimeInUTC", "deferredDeleteTimeRemaining", "isDeferredDeleteScheduleUpcoming"):
                properties.pop(field, None)
        else:
            set_policy(properties, policy)
            if change == "resume":
                properties["protectionState"] = "Protected" if properties.get("lastRecoveryPoint") else "IRPending"
        store.put(resource_id, current)
    return apply


def accept_change(req, change, job, apply, resource_id):
    """202 for a PUT I: an operation that ``apply()``-es the change and ends ``job``; its result is the item."""
    store = req.emu.store

    def complete():
        apply()
        finish_job(store, job)
    operation = start_backup_operation(req, complete, job, result=lambda: json_response(200, served(store, store.get(resource_id), False)),
                                       kind="undelete" if change == "undelete" else "protect")
    return item_accepted(req, operation, resource_id)


# --- DELETE I -------------------------------------------------------------------------------------

def soft_delete(properties, retention_days, store_time_remaining=True):
    """An item's properties once soft-deleted: ProtectionStopped, no policy, kept ``retention_days``.

    As Azure's recorded answers show, ``deferredDeleteTimeInUTC`` is the time of deletion (not the purge time) and
    the retention reads ``softDeleteRetentionPeriod`` (days) on a soft-deleted item. ``deferredDeleteTimeRemaining``
    is recomputed by ``served`` on every read; ``store_time_remaining=False`` (file shares) leaves it to the first
    read, which places it last among the properties, as that workload's answers have always had it.
    """
    properties.pop("softDeleteRetentionPeriodInDays", None)
    properties.update(isScheduledForDeferredDelete=True, deferredDeleteTimeInUTC=iso(utc_now()), softDeleteRetentionPeriod=retention_days)
    if store_time_remaining:
        properties["deferredDeleteTimeRemaining"] = timespan(retention_days * 86400)
    properties.update(isDeferredDeleteScheduleUpcoming=False, protectionState="ProtectionStopped", policyId="", policyName="")


def delete_protected_item(req, start_delete_job, purge, store_time_remaining=True):
    """DELETE I: 204 when there is no item; 202 and nothing to do for an item already soft-deleted; else 202 with a
    DeleteBackupData job (``start_delete_job(store, vault, item)`` returns its id) and an operation that, when it ends,
    soft-deletes the item (the vault's soft delete Enabled or AlwaysON) or ``purge(store, item_resource_id)``-s it."""
    vault = require_vault(req)["id"]
    store = req.emu.store
    item = store.get(request_item_id(req))
    if item is None:
        return empty_response(204)
    if item["properties"]["isScheduledForDeferredDelete"]:
        return vault_accepted(req, start_backup_operation(req, None, kind="unprotect"))
    job = start_delete_job(store, vault, item)

    def complete():
        current = store.get(item["id"])
        if current is not None:
            state, retention_days = soft_delete_settings(store, vault)
            if state in SOFT_DELETE_ON:
                soft_delete(current["properties"], retention_days, store_time_remaining)
                store.put(item["id"], current)
            else:
                purge(store, item["id"])
        finish_job(store, job)
    return vault_accepted(req, start_backup_operation(req, complete, job, kind="unprotect"))
