#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_job_info
short_description: Read the backup jobs of a Recovery Services vault
version_added: 1.0.0
description:
  - Lists the vault's backup jobs (all pages), filtered by status, operation, backup management type and a
    start/end time window, or returns one job's details by O(job_id).
  - Each job carries its C(progress) (percent, when Azure reports it) and its C(errors) (Azure's error details
    that hold an actual error).
options:
  job_id:
    description: One job's id (its name); returns its details. The filters do not apply.
    type: str
  status:
    description: Only jobs with this status.
    type: str
    choices: [InProgress, Completed, Failed, CompletedWithWarnings, Cancelled, Cancelling]
  operation:
    description: Only jobs of this operation.
    type: str
    choices: [Backup, ConfigureBackup, DisableBackup, DeleteBackupData, Restore, Register, UnRegister, Undelete, CrossRegionRestore, UpdateCustomerManagedKey]
  backup_management_type:
    description: Only jobs of this backup management type.
    type: str
    choices: [AzureIaasVM, MAB, AzureWorkload, AzureStorage, AzureSql, DPM, AzureBackupServer]
  start_time:
    description: Jobs started from this time (UTC unless a zone is given), e.g. C(2026-11-01) or C(2026-11-01 08:00).
    type: str
  end_time:
    description: Jobs started until this time. Needs O(start_time); defaults to now when only O(start_time) is set.
    type: str
  entity_friendly_name:
    description: Only jobs of this item (for Azure VMs, the VM name), case-insensitive.
    type: str
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Failed backups of the last day
  azure_backup.recovery_services.backup_job_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    status: Failed
    operation: Backup
    start_time: "{{ '%Y-%m-%d %H:%M' | strftime(now(utc=true).timestamp() - 86400) }}"
  register: failed_backups

- name: One job's progress
  azure_backup.recovery_services.backup_job_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    job_id: 6a1c8f8e-0c7e-4b8e-9f0e-2b1f0f3f4a11
  register: job
"""

RETURN = r"""
jobs:
  description: The jobs as Azure returns them, keys in snake_case, plus C(progress) and C(errors).
  returned: always
  type: list
  elements: dict
  sample:
    - name: 6a1c8f8e-0c7e-4b8e-9f0e-2b1f0f3f4a11
      progress: 100.0
      errors: []
      properties:
        operation: Backup
        status: Completed
        entity_friendly_name: web-01
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import get_job
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, filter_date, list_all, odata_filter
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import snake_keys
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_time_window
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options


def job_errors(job):
    """Azure's error details that hold an error (Azure also sends an empty {errorCode: 0} entry)."""
    details = (job.get("properties") or {}).get("errorDetails") or []
    return [snake_keys(entry) for entry in details if entry.get("errorCode") or entry.get("errorString")]


def described(job):
    properties = job.get("properties") or {}
    result = snake_keys(job)
    result["progress"] = (properties.get("extendedInfo") or {}).get("progressPercentage")
    result["errors"] = job_errors(job)
    return result


def job_filter(params, now=None):
    """The OData filter of the job listing ('yyyy-MM-dd hh:mm:ss tt' dates, both ends of the window)."""
    start, end = check_time_window(params, now)
    return odata_filter({"backupManagementType": params["backup_management_type"], "operation": params["operation"],
                         "status": params["status"], "startTime": filter_date(start) if start else None,
                         "endTime": filter_date(end) if end else None})


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            job_id=dict(type="str"),
            status=dict(type="str", choices=["InProgress", "Completed", "Failed", "CompletedWithWarnings", "Cancelled", "Cancelling"]),
            operation=dict(type="str", choices=["Backup", "ConfigureBackup", "DisableBackup", "DeleteBackupData", "Restore", "Register",
                                                "UnRegister", "Undelete", "CrossRegionRestore", "UpdateCustomerManagedKey"]),
            backup_management_type=dict(type="str", choices=["AzureIaasVM", "MAB", "AzureWorkload", "AzureStorage", "AzureSql", "DPM",
                                                             "AzureBackupServer"]),
            start_time=dict(type="str"),
            end_time=dict(type="str"),
            entity_friendly_name=dict(type="str"),
        ),
        clients=("backup",),
        required_by={"end_time": "start_time"},
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(params)
        backup_filter = job_filter(params)
        if params["job_id"]:
            return {"changed": False, "jobs": [described(get_job(module.session, params["vault_name"], params["resource_group"], params["job_id"]))]}
        kwargs = {"filter": backup_filter} if backup_filter else {}
        jobs = list_all(module.session, f"list backup jobs of vault {params['vault_name']}", backup_client(module.session).backup_jobs.list,
                        params["vault_name"], params["resource_group"], **kwargs)
        if params["entity_friendly_name"]:
            wanted = params["entity_friendly_name"].lower()
            jobs = [job for job in jobs if ((job.get("properties") or {}).get("entityFriendlyName") or "").lower() == wanted]
        return {"changed": False, "jobs": [described(job) for job in jobs]}

    module.run(run)


if __name__ == "__main__":
    main()
