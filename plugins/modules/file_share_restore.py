#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_share_restore
short_description: Restore an Azure file share, or files and folders of it, from a recovery point
version_added: 1.0.0
description:
  - Restores a file share protected by a Recovery Services vault from one of its recovery points and waits for Azure's
    restore job. Returns the job and what was restored (share, account, items, conflict choice).
  - The whole share, or up to 99 files and folders (O(items)), to the original share or to another share (O(target)) of a
    storage account in the vault's region; existing files are overwritten or skipped (O(conflict)).
  - The recovery point is an id, the newest point (V(latest)), or the newest point taken at or before O(before).
  - An action, idempotent by Azure's jobs - when a restore of the same share from the same point, to the same target, with
    the same items and conflict choice already ran (or runs), the task reports C(changed=false), sends no write and returns that job.
  - Everything Azure would refuse is checked first with reads (the share is protected and not soft-deleted, the point exists,
    the target account's region and kind, the target share exists) and refused before any write. Check mode does the same
    reads and returns the request without writing.
options:
  share:
    description: The protected share.
  recovery_point:
    description: The recovery point, by its id or V(latest). Defaults to V(latest) unless O(before) is set.
    type: str
  before:
    description: Use the newest recovery point taken at or before this time, ISO 8601 (a time without a zone is UTC).
    type: str
  items:
    description: Files and folders to restore (1-99), paths inside the share. Left out, the whole share is restored.
    type: list
    elements: dict
    suboptions:
      path:
        description: Path inside the share, with C(/) between folders.
        type: str
        required: true
      type:
        description: Whether the path is a file or a directory.
        type: str
        default: file
        choices: [file, directory]
  target:
    description: Restore into another share (alternate location) instead of the original one.
    type: dict
    suboptions:
      storage_account:
        description: Name of the target storage account (with O(target.resource_group)), or its resource id; in the vault's region.
        type: str
        required: true
      resource_group:
        description: Resource group of the target storage account.
        type: str
      share:
        description: Name of the existing target share.
        type: str
        required: true
      folder:
        description: Folder of the target share the items are restored into (item-level restores).
        type: str
  conflict:
    description: What Azure does with a file that already exists at the destination.
    type: str
    required: true
    choices: [overwrite, skip]
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.file_share
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.azure.WAIT
attributes:
  check_mode:
    description: Reads and checks everything, returns the request Azure would get, and sends no write.
    support: full
  diff_mode:
    description: An action; no diff.
    support: none
  idempotent:
    description: A re-run finds the earlier identical restore in Azure's jobs and writes nothing.
    support: full
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Restore two files of the finance share, as they were before the incident, next to the originals
  azure_backup.recovery_services.file_share_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    share: {storage_account: stfinanceweu, resource_group: rg-files, name: finance}
    before: "2026-11-28T06:00:00Z"
    items:
      - {path: reports/2026-q3.xlsx}
      - {path: contracts, type: directory}
    conflict: overwrite

- name: Restore the whole share into another share, keeping what is there
  azure_backup.recovery_services.file_share_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    share: {storage_account: stfinanceweu, resource_group: rg-files, name: finance}
    target: {storage_account: strestoreweu, resource_group: rg-restore, share: finance-restored}
    conflict: skip
"""

RETURN = r"""
recovery_point:
  description: The point restored - C(id), C(time), C(type), C(tiers) (Azure's names) and C(usable_tier).
  returned: always
  type: dict
reused:
  description: True when an earlier identical restore was found (no write sent).
  returned: always
  type: bool
restored:
  description: What the restore writes - C(storage_account) and C(share) (the target), C(items) (paths; C(["/"]) for the whole share),
    C(conflict), C(location) (V(original) or V(alternate)).
  returned: always
  type: dict
  sample: {storage_account: stfinanceweu, share: finance, items: [reports/2026-q3.xlsx], conflict: overwrite, location: original}
job:
  description: Azure's restore job - C(id), C(operation), C(status), C(start_time), C(end_time), C(duration_seconds), and C(error_code) /
    C(error_message) when it failed.
  returned: when a restore was started or found
  type: dict
request:
  description: The restore request's C(properties) as sent to Azure (or, in check mode, as it would be sent).
  returned: always
  type: dict
"""

import time

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_share_restore import (
    ShareRestore, check_items, check_target, restore_request,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_shares import SHARE_REF_OPTIONS, resolve_share_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import check_point_options, point_summary
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._restore import FINISHED_OK, RUNNING, job_status, job_summary
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_wait_timeout
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options, read_vault

ARGUMENT_SPEC = dict(
    **VAULT_ARGUMENT_SPEC,
    share=dict(type="dict", required=True, options=SHARE_REF_OPTIONS),
    recovery_point=dict(type="str"),
    before=dict(type="str"),
    items=dict(type="list", elements="dict", options=dict(path=dict(type="str", required=True),
                                                          type=dict(type="str", default="file", choices=["file", "directory"]))),
    target=dict(type="dict", options=dict(storage_account=dict(type="str", required=True), resource_group=dict(type="str"),
                                          share=dict(type="str", required=True), folder=dict(type="str"))),
    conflict=dict(type="str", required=True, choices=["overwrite", "skip"]),
)


def check_options(params, subscription_id):
    """Everything that can be refused before the first request: (share reference, target or None, items)."""
    check_vault_options(params)
    check_wait_timeout(params)
    problem = check_point_options(params["recovery_point"], params["before"]) or check_items(params["items"] or [])
    if problem:
        raise Refusal(problem)
    try:
        share = resolve_share_ref(params["share"], subscription_id)
        target = None
        if params["target"]:
            spec = params["target"]
            target_ref = resolve_share_ref({"storage_account": spec["storage_account"], "resource_group": spec["resource_group"],
                                            "name": spec["share"]}, subscription_id)
            target = {"account_id": target_ref["account_id"], "account": target_ref["account"], "share": spec["share"], "folder": spec["folder"]}
    except ValueError as error:
        raise Refusal(f"share or target: {error}") from error
    if target and (target["account_id"].lower(), target["share"].lower()) == share["key"]:
        target = None  # the original share named as a target is the original location
    return share, target, params["items"] or []


def run_restore(module):
    params, session = module.params, module.session
    share, target, items = check_options(params, session.subscription_id)
    deadline = time.monotonic() + params["wait_timeout"]
    source = ShareRestore(session, params["vault_name"], params["resource_group"], share)
    source.read_item()
    point = source.choose_point(params["recovery_point"], params["before"])
    properties = restore_request(share, target, items, params["conflict"])
    target_account, target_share = (target["account"], target["share"]) if target else (share["account"], share["share"])
    result = {"recovery_point": point_summary(point), "request": properties, "reused": False,
              "restored": {"storage_account": target_account, "share": target_share, "items": [item["path"] for item in items] or ["/"],
                           "conflict": params["conflict"], "location": "alternate" if target else "original"}}
    earlier = source.earlier_restore(point, target_account, target_share, items, params["conflict"])
    if earlier is not None:
        return finish(module, source, dict(result, reused=True), earlier, deadline, changed=False)
    if target:
        check_target(session, target, read_vault(session, params["resource_group"], params["vault_name"])["location"])
    if module.check_mode:
        return dict(result, changed=True)
    job_id = source.trigger(point, properties, params["wait_timeout"])
    return finish(module, source, result, source.wait_for_job(job_id, deadline) if params["wait"] else {"name": job_id}, deadline, changed=True)


def finish(module, source, result, job, deadline, changed):
    """Await a running earlier job (unless wait=false) and report it; a failed or unfinished job fails the task."""
    if module.params["wait"] and job_status(job) in RUNNING and not module.check_mode:
        job = source.wait_for_job(job["name"], deadline)
    result.update(changed=changed, job=job_summary(job))
    if module.params["wait"] and not module.check_mode and job_status(job) not in FINISHED_OK:
        summary = result["job"]
        state = "is still running after wait_timeout" if job_status(job) in RUNNING else f"ended {summary['status']}"
        module.fail_json(msg=f"restore job {job['name']} of share {source.share['label']} {state}: {summary.get('error_code') or ''} "
                             f"{summary.get('error_message') or ''}".rstrip(), **result)
    return result


def main():
    module = AzureBackupModule(argument_spec=ARGUMENT_SPEC, clients=("recoveryservices", "backup"), wait_options=True, supports_check_mode=True,
                               mutually_exclusive=[("recovery_point", "before")])
    module.run(lambda: run_restore(module))


if __name__ == "__main__":
    main()
