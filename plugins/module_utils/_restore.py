# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restoring an Azure VM from a recovery point: request bodies, what a finished job created, and Azure's calls.

Three restore types (Azure's ``recoveryType``): ``restore_disks`` (RestoreDisks: managed disks in a target group,
plus the config and ARM template Azure stages in a storage account), ``new_vm`` (AlternateLocation: a VM made
from the restored disks, in a target group, virtual network and subnet), ``replace_disks`` (OriginalLocation:
the source VM's disks are swapped for the restored ones).

How Azure runs a restore (Restores_Trigger; azure-cli's ``restore_disks`` follows it the same way):
``POST I/recoveryPoints/{rp}/restore`` answers 202; the operation ends with a job id (``properties.jobId``)
*before* the job ends; the job (``operation: Restore``) ends later, and only its GET carries
``extendedInfo.propertyBag``, the ids of what it created ("Restored Disk Ids", "Target VM Id", ...).

Cross-region restore (CRR, the vault's paired region, api-version 2021-11-15, not in the 11.2 SDK): the paired
region's recovery points are read on the same paths with that api-version; then ``backupAadProperties`` ->
``accessToken`` -> ``backupCrossRegionRestore`` (202, status with ``jobId``) -> ``backupCrrJob`` (its own job list).

Idempotence: a restore is an action; "already done" means a finished job of the same type, source and point
whose resources are still there (the job list is read from the point's time on, then each candidate's GET).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import get_job, InitialResponseOnly
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import (
    backup_client, filter_date, list_jobs_since, odata_filter, parse_time,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import (
    FABRIC, IAAS_VM, container_name, item_name, normalise_location, short_container_name,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping, parse_resource_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._polling import poll_delays
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import ARCHIVE, choose_point, usable_tier
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import read_vault

RESTORE_DISKS, NEW_VM, REPLACE_DISKS = "restore_disks", "new_vm", "replace_disks"
RECOVERY_TYPES = {RESTORE_DISKS: "RestoreDisks", NEW_VM: "AlternateLocation", REPLACE_DISKS: "OriginalLocation"}
JOB_TYPES = {RESTORE_DISKS: "Recover disks", NEW_VM: "Recover VM", REPLACE_DISKS: "Replace disks"}
RESTORE_OPERATION, CRR_OPERATION = "Restore", "CrossRegionRestore"
CRR_API_VERSION = "2021-11-15"
STORAGE_API_VERSION = "2023-05-01"
NETWORK_API_VERSION = "2024-05-01"
GROUP_API_VERSION = "2021-04-01"
VM_API_VERSION = "2024-07-01"
DISK_API_VERSION = "2025-01-02"
FINISHED_OK = ("completed", "completedwithwarnings")
RUNNING = ("inprogress", "cancelling")
# Azure Backup cannot stage a restore in premium or zone-redundant storage (Azure Backup's "Restore VMs" page:
# a staging location must be a standard, non-zone-redundant account in the vault's region).
UNSUPPORTED_STAGING_SKUS = ("Premium_LRS", "Premium_ZRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS")
ZONES = ("1", "2", "3")
# Azure's cross-region replication pairs that cross-region restore restores into (both ways unless listed one way).
REGION_PAIRS = (
    ("westeurope", "northeurope"), ("uksouth", "ukwest"), ("francecentral", "francesouth"), ("germanywestcentral", "germanynorth"),
    ("switzerlandnorth", "switzerlandwest"), ("norwayeast", "norwaywest"), ("swedencentral", "swedensouth"), ("eastus", "westus"),
    ("eastus2", "centralus"), ("northcentralus", "southcentralus"), ("westus2", "westcentralus"), ("canadacentral", "canadaeast"),
    ("eastasia", "southeastasia"), ("japaneast", "japanwest"), ("koreacentral", "koreasouth"), ("australiaeast", "australiasoutheast"),
    ("centralindia", "southindia"), ("southafricanorth", "southafricawest"), ("uaenorth", "uaecentral"),
)
ONE_WAY_PAIRS = {"westus3": "eastus", "brazilsouth": "southcentralus"}
# The propertyBag's keys (Azure writes "Recovery point time " with a trailing space).
BAG_POINT_TIME = "Recovery point time "


def paired_region(location):
    """The region cross-region restore restores into, or None when Azure pairs the region with none."""
    location = normalise_location(location)
    for first, second in REGION_PAIRS:
        if location in (first, second):
            return second if location == first else first
    return ONE_WAY_PAIRS.get(location)


def group_id(subscription_id, name):
    return f"/subscriptions/{subscription_id}/resourceGroups/{name}"


def resource_id(subscription_id, group, provider_type, name):
    return f"{group_id(subscription_id, group)}/providers/{provider_type}/{name}"


def id_or_name(value, subscription_id, group, provider_type):
    """A resource given by its id or by its name in ``group``: its id."""
    return value if str(value).startswith("/subscriptions/") else resource_id(subscription_id, group, provider_type, value)


def vcpus_of(size):
    """vCPUs of a VM size from its name (Standard_D4s_v5 -> 4, as Azure's size names count them); None when unreadable."""
    family = str(size or "").split("_", 1)[-1]
    digits = ""
    for char in family.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"):
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


# --- request bodies -------------------------------------------------------------------------------

def restore_properties(kind, point_id, source_vm_id, region, targets, rehydration=None):
    """The ``properties`` of a restore request (IaasVMRestoreRequest, or ...WithRehydrationRequest for an archive point).

    ``targets``: ``storage_account_id``, ``resource_group_id``, ``vm_id``, ``virtual_network_id``, ``subnet_id``, ``zone``
    (the ones the restore type uses). Field names as in the spec examples (TriggerRestore_*) and azure-cli.
    """
    properties = {"objectType": "IaasVMRestoreRequest", "recoveryType": RECOVERY_TYPES[kind], "recoveryPointId": point_id,
                  "sourceResourceId": source_vm_id, "region": region, "originalStorageAccountOption": False,
                  "createNewCloudService": False, "encryptionDetails": {"encryptionEnabled": False}}
    if targets.get("storage_account_id"):
        properties["storageAccountId"] = targets["storage_account_id"]
    if kind in (RESTORE_DISKS, NEW_VM):
        properties["targetResourceGroupId"] = targets["resource_group_id"]
    if kind == NEW_VM:
        properties.update(targetVirtualMachineId=targets["vm_id"], virtualNetworkId=targets["virtual_network_id"], subnetId=targets["subnet_id"])
        if targets.get("zone"):
            properties["zones"] = [str(targets["zone"])]
    if rehydration:
        properties["objectType"] = "IaasVMRestoreWithRehydrationRequest"
        properties["recoveryPointRehydrationInfo"] = {"rehydrationPriority": rehydration["priority"],
                                                      "rehydrationRetentionDuration": f"P{rehydration['retention_days']}D"}
    return properties


# --- jobs -----------------------------------------------------------------------------------------

def bag_of(job):
    return ((job.get("properties") or {}).get("extendedInfo") or {}).get("propertyBag") or {}


def bag_point_time(text):
    """The point time a job's propertyBag gives ('11/28/2026 9:05:00 AM', UTC) as a datetime; None when unreadable."""
    try:
        return datetime.strptime(str(text).strip(), "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def same_second(first, second):
    return first is not None and second is not None and first.replace(microsecond=0) == second.replace(microsecond=0)


def created_ids(job):
    """What a finished restore job created, from its propertyBag (lists and ids; empty when absent)."""
    bag = bag_of(job)

    def ids(key):
        return [part.strip() for part in str(bag.get(key) or "").split(",") if part.strip()]
    return {"disk_ids": ids("Restored Disk Ids"), "vm_id": bag.get("Target VM Id"), "nic_id": bag.get("Restored NIC Id"),
            "replaced_disk_ids": ids("Replaced Disk Ids"), "template_blob_uri": bag.get("Template Blob Uri"),
            "config_blob_uri": bag.get("Config Blob Uri"), "staging_storage_account": bag.get("Target Storage Account Name")}


def job_matches(job, kind, point, targets):
    """True when a restore job (with its propertyBag) restored ``point`` the way ``kind`` and ``targets`` ask."""
    bag = bag_of(job)
    if bag.get("Job Type") != JOB_TYPES[kind] or not same_second(bag_point_time(bag.get(BAG_POINT_TIME)), point_time_of(point)):
        return False
    if kind == NEW_VM:
        return str(bag.get("Target VM Id") or "").lower() == targets["vm_id"].lower()
    if kind == RESTORE_DISKS:
        wanted = parse_resource_id(targets["resource_group_id"]).get("resourcegroups", "")
        return str(bag.get("Target resource group") or "").lower() == wanted.lower()
    return True


def point_time_of(point):
    text = (point.get("properties") or {}).get("recoveryPointTime")
    return parse_time(text) if text else None


def job_seconds(job):
    """Seconds from the job's start to its end (or to now while it runs)."""
    properties = job.get("properties") or {}
    if not properties.get("startTime"):
        return None
    end = parse_time(properties["endTime"]) if properties.get("endTime") else datetime.now(timezone.utc)
    return round((end - parse_time(properties["startTime"])).total_seconds(), 1)


def job_summary(job):
    """The job as the modules return it: id, operation, status, times, duration, error."""
    properties = job.get("properties") or {}
    errors = properties.get("errorDetails") or []
    summary = {"id": job.get("name"), "operation": properties.get("operation"), "status": properties.get("status"),
               "start_time": properties.get("startTime"), "end_time": properties.get("endTime"), "duration_seconds": job_seconds(job)}
    if errors:
        summary.update(error_code=errors[0].get("errorTitle") or errors[0].get("errorCode"), error_message=errors[0].get("errorString"))
    return summary


def job_status(job):
    return str((job.get("properties") or {}).get("status") or "").lower()


# --- Azure ----------------------------------------------------------------------------------------

def get_resource(session, what, resource, api_version):
    """GET one ARM resource by id; None on 404."""
    try:
        return session.send(f"read {what}", "GET", resource, api_version).json()
    except AzureOperationError as error:
        if error.status == 404:
            return None
        raise


class VmRestoreSource:
    """One protected VM of one vault, in the primary region or (``cross_region``) its vault's paired region."""

    def __init__(self, session, vault_name, vault_group, vm_ref, cross_region=False):
        self.session, self.vault_name, self.vault_group, self.vm = session, vault_name, vault_group, vm_ref
        self.cross_region = cross_region
        self.names = (container_name(vm_ref["resource_group"], vm_ref["name"]), item_name(vm_ref["resource_group"], vm_ref["name"]))
        self.vault = None
        self.region = None

    # --- reads

    def item_path(self):
        return (f"{self.vault['id']}/backupFabrics/{FABRIC}/protectionContainers/{quote(self.names[0])}"
                f"/protectedItems/{quote(self.names[1])}")

    def secondary_scope(self):
        return f"/subscriptions/{self.session.subscription_id}/providers/Microsoft.RecoveryServices/locations/{self.region}"

    def read_vault(self, known=None):
        """The vault (``_vault.read_vault``, or ``known`` when the caller read it) and the region the restore lands in.

        Refuses cross-region restore for a vault that does not offer it.
        """
        self.vault = known or read_vault(self.session, self.vault_group, self.vault_name)
        self.region = self.vault["location"]
        if self.cross_region:
            pair = paired_region(self.vault["location"])
            if not self.vault["cross_region_restore"] or pair is None:
                reason = (f"its region {self.vault['location']} has no paired region" if pair is None else
                          "cross-region restore is not enabled on it")
                raise Refusal(f"cross_region: vault {self.vault_name} cannot restore into its paired region: {reason}. Enable it with "
                              "rsv_vault cross_region_restore: true (geo-redundant storage), then allow up to 12 hours for points to "
                              "replicate; or restore in the primary region (cross_region: false)")
            self.region = pair
        return self.vault

    def read_item(self):
        """The VM's protected item; refuses a VM the vault does not protect, or a soft-deleted item."""
        found = self.session.get_or_none(f"read protected item of VM {self.vm['label']}", backup_client(self.session).protected_items.get,
                                         self.vault_name, self.vault_group, FABRIC, *self.names)
        if found is None:
            raise Refusal(f"vm: VM {self.vm['label']} is not protected by vault {self.vault_name} (no protected item {self.names[1]}); "
                          "check the VM name and resource group")
        item = as_mapping(found)
        if (item.get("properties") or {}).get("isScheduledForDeferredDelete"):
            raise Refusal(f"vm: the backup of VM {self.vm['label']} is soft-deleted in vault {self.vault_name}; undelete it first "
                          "(vm_protection state: present with the same policy), then restore")
        return item

    def list_points(self):
        if self.cross_region:
            return self._secondary_points()
        return self.session.call(f"list recovery points of VM {self.vm['label']}",
                                 lambda: [as_mapping(point) for point in backup_client(self.session).recovery_points.list(
                                     self.vault_name, self.vault_group, FABRIC, *self.names)])

    def _secondary_points(self):
        """The points replicated to the paired region (same path, the passive stamp's api-version), every page."""
        return self.session.send_paged(f"list recovery points of VM {self.vm['label']} in {self.region}", "GET",
                                       f"{self.item_path()}/recoveryPoints/", CRR_API_VERSION)

    def get_point(self, point_id):
        if self.cross_region:
            return get_resource(self.session, f"recovery point {point_id} of VM {self.vm['label']} in {self.region}",
                                f"{self.item_path()}/recoveryPoints/{point_id}", CRR_API_VERSION)
        found = self.session.get_or_none(f"read recovery point {point_id} of VM {self.vm['label']}", backup_client(self.session).recovery_points.get,
                                         self.vault_name, self.vault_group, FABRIC, *self.names, point_id)
        return as_mapping(found)

    def choose_point(self, recovery_point, before):
        where = f"vault {self.vault_name}" + (f" (replicated to {self.region})" if self.cross_region else "")
        try:
            return choose_point(recovery_point, before, self.list_points, self.get_point, self.vm["label"], where)
        except LookupError as error:
            raise Refusal(str(error)) from error

    def restore_jobs(self, since):
        """The vault's Restore (or CRR) jobs of this VM started at or after ``since``, newest first, without their extended info."""
        if self.cross_region:
            jobs = self._crr_jobs(since)
        else:
            jobs = list_jobs_since(self.session, self.vault_name, self.vault_group, RESTORE_OPERATION, since)
        container = short_container_name(self.names[0])
        return [job for job in jobs if str((job.get("properties") or {}).get("containerName") or "").lower() == container]

    def _crr_jobs(self, since):
        window = odata_filter({"backupManagementType": IAAS_VM, "operation": CRR_OPERATION, "startTime": filter_date(since),
                               "endTime": filter_date(datetime.now(timezone.utc) + timedelta(days=1))})
        return self.session.send_paged(f"list cross-region restore jobs of vault {self.vault_name}", "POST",
                                       f"{self.secondary_scope()}/backupCrrJobs?$filter={quote(window)}", CRR_API_VERSION,
                                       body={"resourceId": self.vault["id"]})

    def read_job(self, job_id):
        if self.cross_region:
            return self.session.send(f"read cross-region restore job {job_id}", "POST", f"{self.secondary_scope()}/backupCrrJob", CRR_API_VERSION,
                                     body={"resourceId": self.vault["id"], "jobName": job_id}).json()
        return get_job(self.session, self.vault_name, self.vault_group, job_id)

    def find_restore(self, kind, point, targets):
        """The newest job that restored ``point`` this way (running or finished well), with its extended info; None if none."""
        since = point_time_of(point) or datetime.now(timezone.utc)
        for listed in self.restore_jobs(since):
            if job_status(listed) not in RUNNING + FINISHED_OK:
                continue
            job = self.read_job(listed["name"])
            if job_matches(job, kind, point, targets):
                return job
        return None

    # --- writes

    def trigger(self, point, properties, timeout):
        """Start the restore; return the job id once Azure's operation has handed it over."""
        operation = f"restore VM {self.vm['label']} from recovery point {point['name']}"
        if self.cross_region:
            response = self._trigger_cross_region(point, properties, operation)
        else:
            poller = self.session.call(operation, backup_client(self.session).restores.begin_trigger, self.vault_name, self.vault_group, FABRIC,
                                       *self.names, point["name"], {"properties": properties}, polling=InitialResponseOnly())
            response = poller.result()
        status = self.session.wait_for_operation(operation, response, timeout) or {}
        job_id = (status.get("properties") or {}).get("jobId")
        if not job_id:
            raise AzureOperationError(operation, "Azure's operation ended without the restore job's id")
        return job_id

    def _trigger_cross_region(self, point, properties, operation):
        """AAD properties of the paired region -> an access token for the point -> backupCrossRegionRestore (202)."""
        aad_filter = quote(f"backupManagementType eq '{IAAS_VM}'")
        aad = self.session.send(f"read Azure Backup's AAD properties in {self.region}", "GET",
                                f"{self.secondary_scope()}/backupAadProperties?$filter={aad_filter}", CRR_API_VERSION).json()
        token = self.session.send(f"get a cross-region restore access token for point {point['name']}", "POST",
                                  f"{self.item_path()}/recoveryPoints/{point['name']}/accessToken", CRR_API_VERSION,
                                  body={"properties": aad.get("properties") or {}}).json()
        return self.session.send(operation, "POST", f"{self.secondary_scope()}/backupCrossRegionRestore", CRR_API_VERSION,
                                 body={"crossRegionRestoreAccessDetails": token.get("properties") or {}, "restoreRequest": properties})

    def wait_for_job(self, job_id, deadline):
        """Poll the job until it leaves InProgress or the monotonic ``deadline`` passes; return the last job read.

        Azure's job reads carry no Retry-After: the pause grows from a second to ``poll_delays``' cap, so a
        restore of minutes costs a few reads and one of hours some hundreds, not one per second.
        """
        delays = poll_delays()
        while True:
            job = self.read_job(job_id)
            delay = next(delays)
            if job_status(job) not in RUNNING or time.monotonic() + delay > deadline:
                return job
            time.sleep(delay)


def check_targets(session, kind, targets, region, vm_size=None, source_vm_id=None):
    """Refuse, with GETs only, a target Azure would refuse: the VM whose disks are replaced, group, staging account,
    network, subnet, regional vCPUs.

    ``region`` is where the restore lands (the vault's region, or its pair for cross-region restore).
    """
    if kind == REPLACE_DISKS and get_resource(session, "the VM whose disks are replaced", source_vm_id, VM_API_VERSION) is None:
        raise Refusal(f"vm: {source_vm_id.rsplit('/', 1)[-1]} no longer exists, so its disks cannot be replaced; restore it as a new VM "
                      "(restore_type=new_vm) or restore its disks instead")
    if kind in (RESTORE_DISKS, NEW_VM) and get_resource(session, "target resource group", targets["resource_group_id"], GROUP_API_VERSION) is None:
        raise Refusal(f"target_resource_group: resource group {targets['resource_group_id'].rsplit('/', 1)[-1]} does not exist; create it first")
    if targets.get("storage_account_id"):
        check_staging_account(session, targets["storage_account_id"], region)
    if kind == NEW_VM:
        check_network(session, targets, region)
        check_cores(session, region, vm_size)


def check_staging_account(session, account_id, region):
    account = get_resource(session, "staging storage account", account_id, STORAGE_API_VERSION)
    name = account_id.rsplit("/", 1)[-1]
    if account is None:
        raise Refusal(f"staging_storage_account: storage account {account_id} does not exist; give a standard account in {region}")
    if normalise_location(account.get("location")) != region:
        raise Refusal(f"staging_storage_account: {name} is in {normalise_location(account.get('location'))}; the restore stages its data in "
                      f"{region}, so the staging account must be in {region}")
    sku = (account.get("sku") or {}).get("name")
    if sku in UNSUPPORTED_STAGING_SKUS:
        raise Refusal(f"staging_storage_account: {name} is {sku}; Azure Backup cannot stage in premium or zone-redundant storage, "
                      "use a Standard_LRS or Standard_GRS account")


def check_network(session, targets, region):
    vnet = get_resource(session, "virtual network", targets["virtual_network_id"], NETWORK_API_VERSION)
    if vnet is None:
        raise Refusal(f"virtual_network: {targets['virtual_network_id']} does not exist; create it (in {region}) first")
    if normalise_location(vnet.get("location")) != region:
        raise Refusal(f"virtual_network: {vnet.get('name')} is in {normalise_location(vnet.get('location'))}; the restored VM is created "
                      f"in {region}, so its network must be there")
    if get_resource(session, "subnet", targets["subnet_id"], NETWORK_API_VERSION) is None:
        raise Refusal(f"subnet: virtual network {vnet.get('name')} has no subnet {targets['subnet_id'].rsplit('/', 1)[-1]}")


def check_cores(session, region, vm_size):
    """The region's vCPU quota must leave room for the VM (Azure fails the job with OperationNotAllowed otherwise)."""
    needed = vcpus_of(vm_size)
    if not needed:
        return
    usages = session.call(f"read compute usage in {region}", lambda: [as_mapping(usage) for usage in session.client("compute").usage.list(region)])
    cores = next((usage for usage in usages if (usage.get("name") or {}).get("value") == "cores"), None)
    if cores and cores.get("limit", 0) - cores.get("currentValue", 0) < needed:
        raise Refusal(f"the restored VM ({vm_size}, {needed} vCPUs) would exceed the regional vCPU quota in {region}: "
                      f"{cores.get('currentValue')} of {cores.get('limit')} in use; raise the quota or free vCPUs first")


def describe_point(point, crr_region=None):
    """What a restore reports about its point: id, time and the tier it reads."""
    properties = point.get("properties") or {}
    tier = usable_tier(point)
    return {"id": point.get("name"), "time": properties.get("recoveryPointTime"), "tier": tier, "rehydrated": tier == ARCHIVE,
            "replicated_to": crr_region}
