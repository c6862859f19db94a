# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backup-side helpers shared by the VM backup modules.

Private to the collection.  Everything that knows Azure Backup's name forms, list filters
and "202 + headers" write pattern lives here, so the modules stay short and agree:

* name builders for Azure-VM containers and protected items (contract §3.1);
* one-call listings (policies, protected items, protectable items, containers), every page;
* ``refresh_containers`` (discovery: POST, then poll the Location URL until 204);
* ``start_write`` / ``finish_write`` / ``run_parallel``: start many item writes with bounded
  concurrency, then await them, reading the job id Azure puts in the finished status.

Backup responses are always read as mappings (``as_mapping``): the 11.2 SDK deserialises
Azure-VM items, containers and protectable items to base models (contract §7.1).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import (
    AzureOperationError,
    as_mapping,
    parse_resource_id,
)

FABRIC = "Azure"
VM_ITEM_TYPE = "Microsoft.Compute/virtualMachines"
PROTECTED_VMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"
PROTECTABLE_VMS_FILTER = "backupManagementType eq 'AzureIaasVM' and workloadType eq 'VM'"
IAAS_VM = "AzureIaasVM"
JOB_RUNNING_STATUSES = ("inprogress", "cancelling")
JOB_POLL_SECONDS = 2
FILTER_DATE_FORMAT = "%Y-%m-%d %I:%M:%S %p"  # Azure Backup's 'yyyy-MM-dd hh:mm:ss tt'


def parse_time(value):
    """A UTC datetime from ISO-8601 text ("2026-01-01", "2026-01-01 10:00", "...T22:48:25.4353958Z").

    Times without a zone are UTC. Raises ValueError naming the value.
    """
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValueError(f"'{value}' is not a date or time: use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' or ISO-8601") from error
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def recovery_point_time(point):
    """When a recovery point (mapping) was taken, or None when Azure gives no time."""
    text = (point.get("properties") or {}).get("recoveryPointTime")
    return parse_time(text) if text else None


def newest_point(points, before=None):
    """The newest recovery point, or the newest taken at or before ``before``; None when there is none."""
    timed = [point for point in points if recovery_point_time(point) is not None]
    if before is not None:
        timed = [point for point in timed if recovery_point_time(point) <= before]
    return max(timed, key=recovery_point_time, default=None)


def filter_date(moment):
    """A datetime as Azure Backup's list filters want it, e.g. '2026-01-01 10:30:00 PM' (UTC)."""
    return moment.astimezone(timezone.utc).strftime(FILTER_DATE_FORMAT)


def odata_filter(terms):
    """"a eq 'x' and b eq 'y'" from {a: x, b: y}, skipping unset terms (None when nothing is set)."""
    text = " and ".join(f"{key} eq '{value}'" for key, value in terms.items() if value is not None)
    return text or None


# How a VM is named in module options: by resource id, or by name and resource group (resolve_vm_ref).
VM_REF_OPTIONS = dict(id=dict(type="str"), name=dict(type="str"), resource_group=dict(type="str"))
# The ``vm`` option of the modules that act on one VM (documented by the azure_backup.recovery_services.vm fragment).
VM_ARGUMENT_SPEC = dict(vm=dict(type="dict", required=True, options=VM_REF_OPTIONS))


def container_name(vm_resource_group, vm_name):
    """Azure's protection container name of a Resource Manager VM."""
    return f"IaasVMContainer;iaasvmcontainerv2;{vm_resource_group};{vm_name}"


def item_name(vm_resource_group, vm_name):
    """Azure's protected item name of a Resource Manager VM."""
    return f"VM;iaasvmcontainerv2;{vm_resource_group};{vm_name}"


def vm_resource_id(subscription_id, resource_group, name):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.Compute/virtualMachines/{name}"


def resolve_vm_ref(entry, subscription_id):
    """A VM given as ``{id}`` or ``{name, resource_group}`` -> id, name, resource group, subscription, key.

    ``key`` is the lower-cased id: protected and protectable items are matched to VMs by it.
    Raises ValueError naming what is missing, or the mix of both forms (which one wins would be a guess).
    """
    mixed = [option for option in ("name", "resource_group") if entry.get(option)]
    if entry.get("id") and mixed:
        raise ValueError(f"give a VM by id, or by name and resource_group, not both: got id '{entry['id']}' and {' and '.join(mixed)} "
                         f"'{entry[mixed[0]]}'")
    if entry.get("id"):
        parsed = parse_resource_id(entry["id"])
        if not parsed.get("virtualmachines") or not parsed.get("resourcegroups") or not parsed.get("subscriptions"):
            raise ValueError(f"'{entry['id']}' is not a virtual machine id "
                             "(/subscriptions/.../resourceGroups/.../providers/Microsoft.Compute/virtualMachines/NAME)")
        name, resource_group, subscription = parsed["virtualmachines"], parsed["resourcegroups"], parsed["subscriptions"]
    elif entry.get("name") and entry.get("resource_group"):
        name, resource_group, subscription = entry["name"], entry["resource_group"], subscription_id
    else:
        raise ValueError(f"a VM needs id, or name and resource_group: got {entry}")
    vm_id = vm_resource_id(subscription, resource_group, name)
    return {"id": vm_id, "name": name, "resource_group": resource_group, "subscription_id": subscription,
            "key": vm_id.lower(), "label": f"{resource_group}/{name}"}


def normalise_location(location):
    """"West Europe" and "westeurope" are the same region."""
    return (location or "").replace(" ", "").lower()


def names_from_item_id(resource_id):
    """(container name, item name) from a protected or protectable item id."""
    parsed = parse_resource_id(resource_id)
    return parsed.get("protectioncontainers"), parsed.get("protecteditems") or parsed.get("protectableitems")


def item_vm_id(item):
    """The lower-cased VM id a protected or protectable item stands for ('' if none)."""
    properties = item.get("properties") or {}
    return (properties.get("sourceResourceId") or properties.get("virtualMachineId") or "").lower()


def vault_name_from_id(vault_id):
    parsed = parse_resource_id(vault_id)
    return parsed.get("vaults"), parsed.get("resourcegroups")


def list_all(session, operation, list_function, *args, **kwargs):
    """Every page of an SDK list call, each entry as a mapping."""
    return session.call(operation, lambda: [as_mapping(entry) for entry in list_function(*args, **kwargs)])


def backup_client(session):
    return session.client("backup")


def read_vault(session, resource_group, name):
    """The vault's id and location (one GET); AzureOperationError when it does not exist."""
    vault = as_mapping(session.call(f"read vault {name}", session.client("recoveryservices").vaults.get, resource_group, name))
    return {"id": vault["id"], "name": vault["name"], "location": normalise_location(vault.get("location"))}


def list_policies(session, vault, resource_group, backup_management_type=None):
    """The vault's backup policies (one call, all pages), optionally of one management type."""
    kwargs = {"filter": f"backupManagementType eq '{backup_management_type}'"} if backup_management_type else {}
    return list_all(session, f"list backup policies of vault {vault}", backup_client(session).backup_policies.list,
                    vault, resource_group, **kwargs)


def get_policy(session, vault, resource_group, name):
    found = session.get_or_none(f"read backup policy {name} of vault {vault}", backup_client(session).protection_policies.get,
                                vault, resource_group, name)
    return as_mapping(found)


def list_protected_vms(session, vault, resource_group):
    """Every Azure-VM protected item of the vault, all pages, in ONE listing."""
    return list_all(session, f"list protected VMs of vault {vault}", backup_client(session).backup_protected_items.list,
                    vault, resource_group, filter=PROTECTED_VMS_FILTER)


def list_protectable_vms(session, vault, resource_group):
    """VMs discovery found for the vault (same subscription and region, not protected elsewhere)."""
    return list_all(session, f"list protectable VMs of vault {vault}", backup_client(session).backup_protectable_items.list,
                    vault, resource_group, filter=PROTECTABLE_VMS_FILTER)


def list_containers(session, vault, resource_group, backup_filter):
    return list_all(session, f"list protection containers of vault {vault}",
                    backup_client(session).backup_protection_containers.list, vault, resource_group, filter=backup_filter)


def index_by_vm_id(items):
    """{lower-cased VM id: item} for protected or protectable items."""
    return {item_vm_id(item): item for item in items if item_vm_id(item)}


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


def short_container_name(container):
    """'IaasVMContainer;iaasvmcontainerv2;rg;vm' -> 'iaasvmcontainerv2;rg;vm': how a job names its container."""
    parts = (container or "").split(";")
    return ";".join(parts[1:] if len(parts) == 4 else parts).lower()


def list_jobs_since(session, vault, resource_group, operation, since, backup_management_type=IAAS_VM):
    """The vault's jobs of one ``operation`` and management type (Azure VMs unless told) started at or after ``since``
    (every page, newest first)."""
    window = odata_filter({"backupManagementType": backup_management_type, "operation": operation, "startTime": filter_date(since),
                           "endTime": filter_date(datetime.now(timezone.utc) + timedelta(days=1))})
    return list_all(session, f"list {operation} jobs of vault {vault}", backup_client(session).backup_jobs.list,
                    vault, resource_group, filter=window)


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
