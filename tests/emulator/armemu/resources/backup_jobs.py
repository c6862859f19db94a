"""Backup jobs of a vault (``V/backupJobs``, api-version 2026-10-01), contract §3.6.

Jobs are made by the other backup files (``start_job``/``finish_job``): ConfigureBackup when
protection is enabled, modified or resumed; DisableBackup on stop; DeleteBackupData on delete;
Undelete; Backup for on-demand backups. Routes:

- ``GET V/backupJobs[?$filter=...]`` (``operation``, ``status``, ``backupManagementType`` eq terms,
  ``startTime``/``endTime`` as ``'yyyy-MM-dd hh:mm:ss tt'``): paged with ``$skiptoken``, newest first.
- ``GET V/backupJobs/{job}``: an ``AzureIaaSVMJob`` (``duration`` ISO-8601, running jobs included).
- ``POST V/backupJobs/{job}/cancel``: 202 + ``Location: V/backupJobs/{job}/operationResults/{op}``;
  the job is Cancelling at once and Cancelled when the operation ends (only InProgress Backup
  jobs are cancellable, as ``actionsInfo`` says). ``GET`` that Location: 202 then 204.
"""

import uuid

from armemu.core.http import json_response
from armemu.core.lro import accepted, iso, result_response, status_response, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._backup_support import (bms_error, filter_terms, filter_window, in_window, iso_duration, parse_iso, request_vault,
                                              without_retry_after)
from armemu.resources._vault_support import VAULT, require_vault

JOB_TYPE = "Microsoft.RecoveryServices/vaults/backupJobs"
JOB = VAULT + "/backupJobs/{jobName}"
FINISHED = ("Completed", "Failed", "CompletedWithWarnings", "Cancelled")
BACKUP_TASKS = ("Take Snapshot", "Transfer data to vault")
GET_ONLY_FIELDS = ("extendedInfo", "errorDetails", "isUserTriggered")


def job_id(vault, name):
    return f"{vault}/backupJobs/{name}"


def start_job(store, vault, operation, vm_name, container, property_bag=None, user_triggered=True):
    """Store a new InProgress ``AzureIaaSVMJob`` and return its id."""
    name = str(uuid.uuid4())
    tasks = [{"taskId": task, "status": "InProgress" if index == 0 else "NotStarted", "duration": "PT0S"}
             for index, task in enumerate(BACKUP_TASKS)] if operation == "Backup" else []
    body = {
        "id": job_id(vault, name), "name": name, "type": JOB_TYPE,
        "properties": {
            "jobType": "AzureIaaSVMJob", "entityFriendlyName": vm_name, "backupManagementType": "AzureIaasVM",
            "operation": operation, "status": "InProgress", "startTime": iso(utc_now()), "activityId": str(uuid.uuid4()),
            "duration": "PT0S", "virtualMachineVersion": "Compute", "containerName": container, "isUserTriggered": user_triggered,
            "actionsInfo": ["Cancellable"] if operation == "Backup" else [],
            "errorDetails": [],
            "extendedInfo": {"tasksList": tasks, "propertyBag": {"VM Name": vm_name, **(property_bag or {})},
                             "progressPercentage": 0.0, "dynamicErrorMessage": ""},
        },
    }
    store.put(body["id"], body)
    return body["id"]


def finish_job(store, resource_id, status="Completed", error=None):
    """End a job (tasks done, endTime, duration); ``error`` = (code, message) for a failed job."""
    with store.lock:
        body = store.get(resource_id)
        if body is None:
            return None
        properties = body["properties"]
        now = utc_now()
        properties.update(status=status, endTime=iso(now), actionsInfo=[],
                          duration=iso_duration((now - parse_iso(properties["startTime"])).total_seconds()))
        for task in properties["extendedInfo"]["tasksList"]:
            if task["status"] != "Completed":
                task["status"] = status
        if status == "Completed":
            properties["extendedInfo"]["progressPercentage"] = 100.0
        if error:
            properties["errorDetails"] = [{"errorCode": 0, "errorString": error[1], "errorTitle": error[0], "recommendations": []}]
            properties["extendedInfo"]["dynamicErrorMessage"] = error[1]
        store.put(resource_id, body)
        return body


def job_status(store, resource_id):
    body = store.get(resource_id)
    return body["properties"]["status"] if body else None


def _served(body):
    """A job as served: a running job's duration grows with time."""
    properties = body["properties"]
    if properties["status"] not in FINISHED:
        properties["duration"] = iso_duration((utc_now() - parse_iso(properties["startTime"])).total_seconds())
    return body


def _listed(body):
    """A job as a list shows it: without ``extendedInfo``, ``errorDetails`` and ``isUserTriggered``,
    which only a job GET carries (Azure's recorded list answers)."""
    for field in GET_ONLY_FIELDS:
        body["properties"].pop(field, None)
    return body


def snapshot_taken(store, resource_id):
    """The Backup job once its snapshot is taken: the first task done, the transfer running and
    ``progressPercentage`` at 100 while the job is still InProgress, as Azure's answers show it
    (clients must decide "done" from ``status``)."""
    with store.lock:
        body = store.get(resource_id)
        if body is None or body["properties"]["status"] != "InProgress":
            return
        info = body["properties"]["extendedInfo"]
        for task in info["tasksList"]:
            task["status"] = "Completed" if task["taskId"] == BACKUP_TASKS[0] else "InProgress"
        info["progressPercentage"] = 100.0
        store.put(resource_id, body)


def _matches(body, terms, since, until):
    properties = body["properties"]
    for key, field in (("operation", "operation"), ("status", "status"), ("backupmanagementtype", "backupManagementType")):
        if key in terms and properties.get(field, "").lower() != terms[key].lower():
            return False
    return in_window(properties["startTime"], since, until)


@route("GET", VAULT + "/backupJobs")
def list_jobs(req):
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    since, until = filter_window(terms, "starttime", "endtime")
    jobs = [_listed(_served(body)) for body in req.emu.store.children(vault["id"], "backupJobs") if _matches(body, terms, since, until)]
    jobs.sort(key=lambda body: body["properties"]["startTime"], reverse=True)
    return paged_response(req, jobs)


def _require_job(req):
    require_vault(req)
    body = req.emu.store.get(job_id(request_vault(req), req.params["jobName"]))
    if body is None:
        raise bms_error("BMSUserErrorJobNotFound", f"Job '{req.params['jobName']}' not found.\r\nPlease check the job id.", 404)
    return body


@route("GET", JOB)
def get_job(req):
    return json_response(200, _served(_require_job(req)))


@route("POST", JOB + "/cancel")
def cancel_job(req):
    body = _require_job(req)
    properties = body["properties"]
    if properties["status"] != "InProgress" or "Cancellable" not in properties.get("actionsInfo", []):
        raise bms_error("BMSUserErrorJobNotCancellable",
                        f"Job '{body['name']}' cannot be cancelled in its current state ({properties['status']}).")
    store = req.emu.store
    properties.update(status="Cancelling", actionsInfo=[])
    store.put(body["id"], body)

    def cancelled():
        if job_status(store, body["id"]) == "Cancelling":
            finish_job(store, body["id"], "Cancelled")
    operation = req.emu.ops.start(body["id"], on_complete=cancelled, kind="cancel_job")
    query = {"api-version": req.api_version}
    return without_retry_after(accepted(req.emu.ops, operation, req.url_for(f"{body['id']}/operationsStatus/{operation.id}", query),
                                        req.url_for(f"{body['id']}/operationResults/{operation.id}", query)))


@route("GET", JOB + "/operationResults/{operationId}")
def cancel_result(req):
    operation = req.emu.ops.get(req.params["operationId"], _require_job(req)["id"])
    return without_retry_after(result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)}))


@route("GET", JOB + "/operationsStatus/{operationId}")
def cancel_status(req):
    job = _require_job(req)
    operation = req.emu.ops.get(req.params["operationId"], job["id"])
    return without_retry_after(status_response(req.emu.ops, operation, f"{job['id']}/operationsStatus/{operation.id}"))
