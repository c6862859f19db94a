"""On-demand backup of a protected VM: ``POST I/backup`` (contract §3.5).

202 only, with ``I/operationsStatus`` + ``I/operationResults``, no Retry-After. The operation ends
after the LRO delay with the Backup job's id; the job itself runs twice as long (tasks "Take
Snapshot", then "Transfer data to vault"). When it completes: a recovery point appears, the item's
``lastBackupStatus``/``lastBackupTime``/``lastRecoveryPoint`` are set, an IRPending item becomes
Protected and the VM gets its VMSnapshot(Linux) extension. A cancelled job (backup_jobs.py) makes
no recovery point; a VM that no longer exists fails the job with ``UserErrorVmNotFoundV2``.

Body: ``{"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": "..."}}``;
the expiry is optional and must lie in the future, at most 99 years ahead.
"""

from datetime import timedelta

from armemu.core.lro import iso, utc_now
from armemu.core.routing import route
from armemu.resources import compute_vms
from armemu.resources._backup_support import ITEM, bms_error, item_not_found, parse_iso, request_item_id
from armemu.resources._vault_support import require_vault
from armemu.resources.backup_jobs import finish_job, job_status, snapshot_taken, start_job
from armemu.resources.backup_operations import item_accepted, start_backup_operation
from armemu.resources.backup_protected_items import record_backup, record_failed_backup
from armemu.resources.backup_recovery_points import add_recovery_point

BACKUPABLE_STATES = ("IRPending", "Protected", "ProtectionError")


def _checked_expiry(request):
    properties = request.get("properties") or {}
    if properties.get("objectType") != "IaasVMBackupRequest":
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs "
                                                    "(properties.objectType must be 'IaasVMBackupRequest').")
    expiry = properties.get("recoveryPointExpiryTimeInUTC")
    if expiry is None:
        return None
    try:
        moment = parse_iso(expiry)
    except ValueError as err:
        raise bms_error("BMSUserErrorInvalidInput", f"recoveryPointExpiryTimeInUTC '{expiry}' is not a date-time.") from err
    now = utc_now()
    if moment.tzinfo is None or not now < moment <= now + timedelta(days=99 * 365):
        raise bms_error("BMSUserErrorInvalidRetentionDate",
                        "The retention date of the on-demand backup must be in the future and at most 99 years away.")
    return iso(moment)


def _job_finisher(store, job, item_resource_id, vm_resource_id, expiry):
    """What happens when the Backup job's time is up."""
    def finish():
        if job_status(store, job) in ("Cancelling", "Cancelled"):
            finish_job(store, job, "Cancelled")
            return
        item, vm = store.get(item_resource_id), store.get(vm_resource_id)
        if item is None or vm is None:
            failure = ("UserErrorVmNotFoundV2", "The virtual machine doesn't exist anymore.")
            record_failed_backup(store, item_resource_id, failure)
            finish_job(store, job, "Failed", failure)
            return
        point = add_recovery_point(store, item, vm, utc_now(), "snapshot", expiry)
        record_backup(store, item_resource_id, point)
        compute_vms.install_snapshot_extension(store, vm_resource_id)
        finish_job(store, job)
    return finish


@route("POST", ITEM + "/backup")
def trigger_backup(req):
    vault = require_vault(req)["id"]
    store = req.emu.store
    item = store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    properties = item["properties"]
    if properties["isScheduledForDeferredDelete"] or properties["protectionState"] not in BACKUPABLE_STATES:
        raise bms_error("BMSUserErrorProtectionStopped",
                        f"Backup cannot be triggered: protection of '{properties['friendlyName']}' is {properties['protectionState']}.\r\n"
                        "Resume protection of the item first.")
    expiry = _checked_expiry(req.json())
    job = start_job(store, vault, "Backup", properties["friendlyName"], properties["containerName"])
    finish = _job_finisher(store, job, item["id"], properties["sourceResourceId"], expiry)
    req.emu.ops.start(job, on_complete=finish, kind="backup_job")
    operation = start_backup_operation(req, lambda: snapshot_taken(store, job), job, kind="backup_trigger")
    return item_accepted(req, operation, item["id"])
