# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Long-running backup writes and their jobs: start, await, and run many at once.

Item writes start with ``item_put``/``item_delete``/``trigger_backup`` and are awaited with
``finish_write`` (Azure's 202 status, through ``AzureSession.wait_for_operation``) or, for many items at
once, through the vault's jobs listing (``JobWatch``: one paged read per round, not one poll per item).
``run_parallel`` sends them with bounded concurrency; ``refresh_containers`` runs discovery.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, list_jobs_since
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC, IAAS_VM

JOB_RUNNING_STATUSES = ("inprogress", "cancelling")
JOB_POLL_SECONDS = 2


def refresh_containers(session, vault, resource_group, timeout, wait=True):
    """Run discovery once (POST refreshContainers → 202 + Location → 204); wait for it unless ``wait`` is False."""
    operation = f"refresh protection containers of vault {vault}"
    response = session.call_with_headers(operation, backup_client(session).protection_containers.refresh, vault, resource_group, FABRIC)
    if wait:
        session.wait_for_operation(operation, response, timeout)


class InitialResponseOnly:
    """An azure-core polling method that stops at the first response and hands it back.

    ``protected_items.begin_create_or_update`` is a poller in the 11.x SDK; with this polling
    method its ``result()`` is the raw 200/202 response, so every backup write is awaited the same
    way (``AzureSession.wait_for_operation``: Retry-After honoured, job id read from the status).
    """

    def __init__(self):
        self._response = None

    def initialize(self, client, initial_response, deserialization_callback):  # pylint: disable=unused-argument
        self._response = initial_response.http_response

    def run(self):
        return None

    def status(self):
        return "Succeeded"

    def finished(self):
        return True

    def resource(self):
        return self._response


def item_put(session, vault, resource_group, names, body):
    """Start a PUT of a protected item; returns the raw response (202 + headers, or 200)."""
    container, item = names
    poller = session.call(f"write protected item {item} in vault {vault}", backup_client(session).protected_items.begin_create_or_update,
                          vault, resource_group, FABRIC, container, item, body, polling=InitialResponseOnly())
    return poller.result()


def item_delete(session, vault, resource_group, names):
    """Start deleting a protected item and its backup data; returns the raw response."""
    container, item = names
    return session.call_with_headers(f"delete protected item {item} in vault {vault}", backup_client(session).protected_items.delete,
                                     vault, resource_group, FABRIC, container, item)


def trigger_backup(session, vault, resource_group, names, expiry_utc):
    """Start an on-demand backup; returns the raw 202 response."""
    container, item = names
    body = {"properties": {"objectType": "IaasVMBackupRequest", "recoveryPointExpiryTimeInUTC": expiry_utc}}
    return session.call_with_headers(f"back up {item} in vault {vault}", backup_client(session).backups.trigger,
                                     vault, resource_group, FABRIC, container, item, body)


def finish_write(session, operation, response, timeout):
    """Await a started write; return the job id Azure reports for it (or None)."""
    if response is None or response.status_code not in (201, 202):
        return None
    status = session.wait_for_operation(operation, response, timeout) or {}
    return (status.get("properties") or {}).get("jobId")


def get_job(session, vault, resource_group, job_id):
    return as_mapping(session.call(f"read backup job {job_id} of vault {vault}", backup_client(session).job_details.get,
                                   vault, resource_group, job_id))


def wait_for_job(session, vault, resource_group, job_id, timeout):
    """Poll a backup job until it leaves InProgress/Cancelling; return the job mapping."""
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(session, vault, resource_group, job_id)
        status = str((job.get("properties") or {}).get("status", "")).lower()
        if status not in JOB_RUNNING_STATUSES:
            return job
        if time.monotonic() + JOB_POLL_SECONDS > deadline:
            raise AzureOperationError(f"wait for backup job {job_id}", "timed out; raise wait_timeout")
        time.sleep(JOB_POLL_SECONDS)


def job_container(properties):
    """An Azure-VM job's key: its short container name, lower-cased."""
    return (properties.get("containerName") or "").lower()


def newest_job_by_container(jobs, job_key=job_container):
    """{job_key(job properties): the newest job} (jobs come newest first, but do not rely on it)."""
    newest = {}
    for job in jobs:
        properties = job.get("properties") or {}
        key = job_key(properties)
        if key and (key not in newest or (properties.get("startTime") or "") > (newest[key]["properties"].get("startTime") or "")):
            newest[key] = job
    return newest


def job_outcome(job):
    """None while the job runs; else (job id, None) when it succeeded or (job id, error text) when it did not."""
    properties = job.get("properties") or {}
    status = str(properties.get("status") or "")
    if status.lower() in JOB_RUNNING_STATUSES or not status:
        return None
    if status.lower() in ("completed", "completedwithwarnings"):
        return job.get("name"), None
    details = "; ".join(detail.get("errorString") or detail.get("errorTitle") or "" for detail in properties.get("errorDetails") or [])
    return job.get("name"), f"job {job.get('name')} {status}" + (f": {details}" if details else "")


class JobWatch:
    """Awaits many writes of one vault through the vault's jobs listing: one paged read per round, not one poll per item.

    ``awaiting`` maps each written item's job key (``job_key``: the short container name for Azure VMs) to a key of the caller's; ``rounds``
    counts the listings sent.  The pause between rounds starts at ``first_pause`` (Azure's
    Retry-After) and grows by half each round up to ``MAX_PAUSE``.
    """

    MAX_PAUSE = 10.0

    def __init__(self, session, vault, resource_group, operation, since, backup_management_type=IAAS_VM, job_key=job_container):
        self.session, self.vault, self.resource_group = session, vault, resource_group
        self.operation, self.since = operation, since
        self.backup_management_type, self.job_key = backup_management_type, job_key
        self.rounds = 0

    # Rounds in a row that show no job for an item (or fail) before ``settled`` is asked instead.
    ROUNDS_BEFORE_FALLBACK = 3

    def await_all(self, awaiting, deadline, first_pause, settled=None):
        """{key: (job id, error or None)} for the items whose job finished before ``deadline``; the others are missing.

        ``settled(keys)``, when given, returns the keys whose item already shows its wanted state: it is asked
        (one read) only after ROUNDS_BEFORE_FALLBACK rounds in a row that could not see every pending item's job,
        so a job Azure never lists (or a jobs listing that keeps failing) cannot hold the wait to the deadline.
        """
        outcomes, pause, blind_rounds = {}, max(first_pause, 0.5), 0
        while True:
            pending = {container: key for container, key in awaiting.items() if key not in outcomes}
            if not pending:
                return outcomes
            if settled and blind_rounds >= self.ROUNDS_BEFORE_FALLBACK:
                blind_rounds = 0
                outcomes.update((key, (None, None)) for key in settled(set(pending.values())))
                continue
            if time.monotonic() + pause > deadline:
                return outcomes
            time.sleep(pause)
            pause = min(pause * 1.5, self.MAX_PAUSE)
            self.rounds += 1
            try:
                jobs = newest_job_by_container(list_jobs_since(self.session, self.vault, self.resource_group, self.operation, self.since,
                                                               self.backup_management_type), self.job_key)
            except AzureOperationError:
                blind_rounds += 1
                continue  # a failed round is not a failed write: the next round (or the item listing) tells
            blind_rounds = blind_rounds + 1 if any(container not in jobs for container in pending) else 0
            for container, key in pending.items():
                finished = job_outcome(jobs[container]) if container in jobs else None
                if finished:
                    outcomes[key] = finished


def run_parallel(function, entries, max_parallel):
    """Run ``function(entry)`` for every entry, at most ``max_parallel`` at once.

    Returns ``[(entry, result, error)]`` in the order given; an Azure error of one entry is
    kept as its ``error`` and never stops the others.
    """
    def guarded(entry):
        try:
            return entry, function(entry), None
        except AzureOperationError as error:
            return entry, None, error

    if not entries:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(entries)))) as pool:
        return list(pool.map(guarded, entries))
