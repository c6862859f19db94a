# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restoring an Azure file share from a recovery point: the request, the checks Azure would make, and an earlier identical restore.

Private to the collection. Azure's ``AzureFileShareRestoreRequest`` (Restores_Trigger; azure-cli's ``restore_AzureFileShare``):
``recoveryType`` OriginalLocation or AlternateLocation (``targetDetails: {name: share, targetResourceId: account}``),
``copyOptions`` Overwrite or Skip, ``restoreRequestType`` FullShareRestore or ItemLevelRestore with ``restoreFileSpecs``
(``path``, ``fileSpecType`` File or Directory, ``targetFolderPath``), at most 99 of them (Azure Files backup support matrix).

Idempotence: a restore is an action. "Already done" is a Restore job of the same share, from the same point, to the same
target with the same items and conflict choice, running or finished well (the job list from the point's time on, then
each candidate's GET for its ``propertyBag``).
"""

from __future__ import annotations

import time

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import InitialResponseOnly, get_job
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, list_jobs_since, parse_time
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC, names_from_item_id, normalise_location
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_shares import (
    AZURE_STORAGE, STORAGE_API_VERSION, SUPPORTED_KINDS, item_share_key, list_protected_shares, share_job_key,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._polling import poll_delays
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import choose_point
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._restore import FINISHED_OK, RUNNING, get_resource, job_status

MAX_ITEMS = 99
CONFLICTS = {"overwrite": "Overwrite", "skip": "Skip"}
ITEM_TYPES = {"file": "File", "directory": "Directory"}


def restore_request(share_ref, target, items, conflict):
    """The ``properties`` of the restore request. ``target`` is None (original share) or {account_id, share, folder}."""
    properties = {"objectType": "AzureFileShareRestoreRequest", "recoveryType": "AlternateLocation" if target else "OriginalLocation",
                  "sourceResourceId": share_ref["account_id"], "copyOptions": CONFLICTS[conflict],
                  "restoreRequestType": "ItemLevelRestore" if items else "FullShareRestore"}
    if target:
        properties["targetDetails"] = {"name": target["share"], "targetResourceId": target["account_id"]}
    if items:
        folder = (target or {}).get("folder")
        properties["restoreFileSpecs"] = [{"path": item["path"], "fileSpecType": ITEM_TYPES[item["type"]],
                                           **({"targetFolderPath": folder} if folder else {})} for item in items]
    return properties


def check_items(items):
    """Refusal text for the ``items`` option, or None."""
    if len(items) > MAX_ITEMS:
        return f"items has {len(items)} entries; Azure restores at most {MAX_ITEMS} files or folders per item-level restore"
    for index, item in enumerate(items):
        path = str(item.get("path") or "")
        if not path.strip("/") or "\\" in path:
            return f"items[{index}].path '{path}' must be a path inside the share, with / between folders (for example reports/2026.xlsx)"
    return None


def job_bag(job):
    return ((job.get("properties") or {}).get("extendedInfo") or {}).get("propertyBag") or {}


def job_matches(job, point, target_account, target_share, items, conflict):
    """True when a Restore job (with its propertyBag) restored the same point, items and target, with the same conflict choice."""
    bag = job_bag(job)
    restored = bag.get("Restored Items") or "/"
    wanted = ",".join(item["path"] for item in items) if items else "/"
    point_time = (point.get("properties") or {}).get("recoveryPointTime")
    return (str(bag.get("Target Storage Account") or "").lower() == target_account.lower()
            and str(bag.get("Target File Share") or "").lower() == target_share.lower()
            and restored == wanted and bag.get("Copy Options") == CONFLICTS[conflict]
            and point_time is not None and bag.get("Recovery Point Time") is not None
            and parse_time(bag["Recovery Point Time"]).replace(microsecond=0) == parse_time(point_time).replace(microsecond=0))


class ShareRestore:
    """One share of one vault: its protected item, points, restore jobs, and the restore trigger."""

    def __init__(self, session, vault, resource_group, share_ref):
        self.session, self.vault, self.resource_group, self.share = session, vault, resource_group, share_ref
        self.names = None

    def read_item(self):
        """The share's protected item (from the protected-shares listing: its name is Azure's hash); refuses others."""
        items = {item_share_key(item): item for item in list_protected_shares(self.session, self.vault, self.resource_group)}
        item = items.get(self.share["key"])
        if item is None:
            raise Refusal(f"share: {self.share['label']} is not protected by vault {self.vault}; protect it (file_share_protection) or check "
                          "the storage account, resource group and share name")
        if (item.get("properties") or {}).get("isScheduledForDeferredDelete"):
            raise Refusal(f"share: the backup of {self.share['label']} is soft-deleted in vault {self.vault}; undelete it first "
                          "(file_share_protection state: present), then restore")
        self.names = names_from_item_id(item["id"])
        return item

    def list_points(self):
        return self.session.call(f"list recovery points of share {self.share['label']}",
                                 lambda: [as_mapping(point) for point in backup_client(self.session).recovery_points.list(
                                     self.vault, self.resource_group, FABRIC, *self.names)])

    def get_point(self, point_id):
        return as_mapping(self.session.get_or_none(f"read recovery point {point_id} of share {self.share['label']}",
                                                   backup_client(self.session).recovery_points.get, self.vault, self.resource_group, FABRIC,
                                                   *self.names, point_id))

    def choose_point(self, recovery_point, before):
        try:
            return choose_point(recovery_point, before, self.list_points, self.get_point, self.share["label"], f"vault {self.vault}")
        except LookupError as error:
            raise Refusal(str(error).replace("VM ", "share ", 1)) from error

    def earlier_restore(self, point, target_account, target_share, items, conflict):
        """The newest Restore job of this share that did (or is doing) the same restore, with its propertyBag; None if none."""
        since = parse_time((point.get("properties") or {}).get("recoveryPointTime"))
        wanted_key = (self.share["account"].lower(), self.share["share"].lower())
        for listed in list_jobs_since(self.session, self.vault, self.resource_group, "Restore", since, AZURE_STORAGE):
            if share_job_key(listed.get("properties") or {}) != wanted_key or job_status(listed) not in RUNNING + FINISHED_OK:
                continue
            job = get_job(self.session, self.vault, self.resource_group, listed["name"])
            if job_matches(job, point, target_account, target_share, items, conflict):
                return job
        return None

    def trigger(self, point, properties, timeout):
        operation = f"restore share {self.share['label']} from recovery point {point['name']}"
        poller = self.session.call(operation, backup_client(self.session).restores.begin_trigger, self.vault, self.resource_group, FABRIC,
                                   *self.names, point["name"], {"properties": properties}, polling=InitialResponseOnly())
        status = self.session.wait_for_operation(operation, poller.result(), timeout) or {}
        job_id = (status.get("properties") or {}).get("jobId")
        if not job_id:
            raise AzureOperationError(operation, "Azure's operation ended without the restore job's id")
        return job_id

    def wait_for_job(self, job_id, deadline):
        """Poll the job with growing pauses until it ends or the monotonic ``deadline`` passes; return the last job read."""
        delays = poll_delays()
        while True:
            job = get_job(self.session, self.vault, self.resource_group, job_id)
            delay = next(delays)
            if job_status(job) not in RUNNING or time.monotonic() + delay > deadline:
                return job
            time.sleep(delay)


def check_target(session, target, vault_location):
    """Refuse, with two GETs, a target Azure would refuse: an account of another region or kind, a share that does not exist."""
    account = get_resource(session, "target storage account", target["account_id"], STORAGE_API_VERSION)
    name = target["account_id"].rsplit("/", 1)[-1]
    if account is None:
        raise Refusal(f"target.storage_account: storage account {target['account_id']} does not exist")
    if normalise_location(account.get("location")) != vault_location:
        raise Refusal(f"target.storage_account: {name} is in {normalise_location(account.get('location'))}; a file share restore writes to a "
                      f"share of the vault's region ({vault_location})")
    if account.get("kind") not in SUPPORTED_KINDS:
        raise Refusal(f"target.storage_account: {name} is a {account.get('kind')} account, which has no Azure Files; use one of kind "
                      f"{', '.join(SUPPORTED_KINDS)}")
    share = get_resource(session, "target file share", f"{target['account_id']}/fileServices/default/shares/{target['share']}", STORAGE_API_VERSION)
    if share is None:
        raise Refusal(f"target.share: storage account {name} has no file share {target['share']}; create it first (Azure restores into an "
                      "existing share)")
