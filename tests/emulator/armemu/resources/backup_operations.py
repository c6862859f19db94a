"""Backup operations: one operation id answered at four URLs (contract §3.4, §3.10, §8.7).

Item writes (enable/modify/stop/undelete protection, delete, on-demand backup and, later, file
recovery) start an operation with ``start_backup_operation``. Whichever pair of headers the 202
carried, clients may poll any of:

- ``GET I/operationsStatus/{op}`` and ``GET V/backupOperations/{op}``: always 200 with ``status``
  (``endTime`` is ``0001-01-01T00:00:00Z`` while running; the finished body carries
  ``properties: {objectType: OperationStatusJobExtendedInfo, jobId}`` when a job was made);
- ``GET I/operationResults/{op}`` and ``GET V/backupOperationResults/{op}``: 202 (+ Location,
  Azure-AsyncOperation; no Retry-After, as the Backup RP sends none) while running, then the operation's result (200 with the
  protected item after a PUT) or 204.

The Backup RP does not tie an operation id to the item in the path, so neither does the emulator:
an id belongs to its vault.
"""

from armemu.core.lro import accepted, result_response, status_response
from armemu.core.routing import route
from armemu.resources._backup_support import ITEM, request_vault, without_retry_after
from armemu.resources._vault_support import VAULT, require_vault


def operation_scope(vault):
    return f"{vault}/backupOperations"


def start_backup_operation(req, on_complete, job=None, result=None, delay=None, kind=None):
    """Start an operation of the request's vault; ``job`` (an id) goes into the finished status."""
    properties = {"objectType": "OperationStatusJobExtendedInfo", "jobId": job.rsplit("/", 1)[-1]} if job else None
    return req.emu.ops.start(operation_scope(request_vault(req)), on_complete=on_complete, result=result, delay=delay, kind=kind,
                             properties=properties)


def _polling_urls(req, base, status_segment, result_segment, operation):
    query = {"api-version": req.api_version}
    return (req.url_for(f"{base}/{status_segment}/{operation.id}", query),
            req.url_for(f"{base}/{result_segment}/{operation.id}", query))


def item_accepted(req, operation, item_path):
    """202 with item-scoped headers (PUT item, POST backup): ``I/operationsStatus``, ``I/operationResults``."""
    return without_retry_after(accepted(req.emu.ops, operation, *_polling_urls(req, item_path, "operationsStatus", "operationResults", operation)))


def vault_accepted(req, operation):
    """202 with vault-scoped headers (DELETE item): ``V/backupOperations``, ``V/backupOperationResults``."""
    return without_retry_after(accepted(req.emu.ops, operation,
                                        *_polling_urls(req, request_vault(req), "backupOperations", "backupOperationResults", operation)))


def _operation(req):
    require_vault(req)
    return req.emu.ops.get(req.params["operationId"], operation_scope(request_vault(req)))


def _status(req):
    operation = _operation(req)
    return without_retry_after(status_response(req.emu.ops, operation, operation.id, placeholder_end_time=True))


def _result(req, status_path):
    operation = _operation(req)
    headers = {"Location": req.url_for(req.path, req.query),
               "Azure-AsyncOperation": req.url_for(f"{status_path}/{operation.id}", req.query)}
    return without_retry_after(result_response(req.emu.ops, operation, headers))


@route("GET", ITEM + "/operationsStatus/{operationId}")
def item_operation_status(req):
    return _status(req)


@route("GET", ITEM + "/operationResults/{operationId}")
def item_operation_result(req):
    return _result(req, req.path.rsplit("/operationResults/", 1)[0] + "/operationsStatus")


@route("GET", VAULT + "/backupOperations/{operationId}")
def vault_operation_status(req):
    return _status(req)


@route("GET", VAULT + "/backupOperationResults/{operationId}")
def vault_operation_result(req):
    return _result(req, f"{request_vault(req)}/backupOperations")
