# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backup helpers' former home, kept so existing imports work: each name now lives in the module of its concern.

``_names`` (ids, names, VM references), ``_listings`` (vault listings and their filters) and ``_jobs``
(writes, jobs, parallel runs). New code imports from those; this module only re-exports them.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import (  # noqa: F401  (re-exported)
    JOB_POLL_SECONDS, JOB_RUNNING_STATUSES, finish_write, get_job, InitialResponseOnly, item_delete, item_put, job_container, job_outcome, JobWatch,
    newest_job_by_container, refresh_containers, run_parallel, trigger_backup, wait_for_job,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import (  # noqa: F401  (re-exported)
    FILTER_DATE_FORMAT, PROTECTABLE_VMS_FILTER, PROTECTED_VMS_FILTER, backup_client, filter_date, get_policy, index_by_vm_id, list_all,
    list_containers, list_jobs_since, list_policies, list_protectable_vms, list_protected_vms, newest_point, odata_filter, parse_time, read_vault,
    recovery_point_time,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import (  # noqa: F401  (re-exported)
    FABRIC, IAAS_VM, VM_ARGUMENT_SPEC, VM_ITEM_TYPE, VM_REF_OPTIONS, container_name, item_name, item_vm_id, names_from_item_id, normalise_location,
    resolve_vm_ref, short_container_name, vault_name_from_id, vm_resource_id,
)

__all__ = [
    "JOB_POLL_SECONDS", "JOB_RUNNING_STATUSES", "finish_write", "get_job", "InitialResponseOnly", "item_delete", "item_put", "job_container",
    "job_outcome", "JobWatch", "newest_job_by_container", "refresh_containers", "run_parallel", "trigger_backup", "wait_for_job",
    "FILTER_DATE_FORMAT", "PROTECTABLE_VMS_FILTER", "PROTECTED_VMS_FILTER", "backup_client", "filter_date", "get_policy", "index_by_vm_id",
    "list_all", "list_containers", "list_jobs_since", "list_policies", "list_protectable_vms", "list_protected_vms", "newest_point", "odata_filter",
    "parse_time", "read_vault", "recovery_point_time", "FABRIC", "IAAS_VM", "VM_ARGUMENT_SPEC", "VM_ITEM_TYPE", "VM_REF_OPTIONS", "container_name",
    "item_name", "item_vm_id", "names_from_item_id", "normalise_location", "resolve_vm_ref", "short_container_name", "vault_name_from_id",
    "vm_resource_id",
]
