#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: recovery_point_info
short_description: List the recovery points of a protected Azure VM
version_added: 1.0.0
description:
  - Lists a protected VM's recovery points, newest first, optionally within a time window; or returns the
    latest one, or the closest one at or before a given time.
options:
  latest:
    description: Return only the newest recovery point (within the window, if one is set).
    type: bool
    default: false
  before:
    description: Return only the newest recovery point taken at or before this time (UTC unless a zone is given).
    type: str
  start_time:
    description: Window start (Azure filters by C(startDate)); needs O(end_time) or defaults it to now.
    type: str
  end_time:
    description: Window end. Needs O(start_time).
    type: str
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.vm
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: The point to restore web-01 to, as it was before the incident
  azure_backup.recovery_services.recovery_point_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-01, resource_group: rg-app}
    before: "2026-11-20 14:00"
  register: restore_point
"""

RETURN = r"""
recovery_points:
  description: The recovery points, newest first, as Azure returns them (snake_case keys), plus C(time).
  returned: always
  type: list
  elements: dict
  sample:
    - name: "22244821112382"
      time: "2026-11-20T13:02:11.4353958Z"
      properties:
        object_type: IaasVMRecoveryPoint
        recovery_point_type: AppConsistent
recovery_point:
  description: With O(latest) or O(before), the chosen point (null when there is none).
  returned: when O(latest) or O(before) is set
  type: dict
"""

from datetime import datetime, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, filter_date, list_all, odata_filter, parse_time
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC, VM_ARGUMENT_SPEC, container_name, item_name
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, snake_keys
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_time, check_time_window, check_vm_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options


def point_time(point):
    text = (point.get("properties") or {}).get("recoveryPointTime")
    return parse_time(text) if text else None


def newest_first(points):
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(points, key=lambda point: point_time(point) or oldest, reverse=True)


def choose(points, latest, before):
    """The newest point, or the newest at or before ``before`` (None when there is none)."""
    if before is not None:
        points = [point for point in points if point_time(point) and point_time(point) <= before]
    return points[0] if points and (latest or before is not None) else None


def window_filter(params, now=None):
    start, end = check_time_window(params, now)
    if start is None:
        return None
    return odata_filter({"startDate": filter_date(start), "endDate": filter_date(end)})


def described(point):
    return dict(snake_keys(point), time=(point.get("properties") or {}).get("recoveryPointTime"))


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            **VM_ARGUMENT_SPEC,
            latest=dict(type="bool", default=False),
            before=dict(type="str"),
            start_time=dict(type="str"),
            end_time=dict(type="str"),
        ),
        clients=("backup",),
        required_by={"end_time": "start_time"},
        mutually_exclusive=[("latest", "before")],
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(params)
        vm_ref = check_vm_ref(params["vm"], module.session.subscription_id, "vm")
        before = check_time(params["before"], "before")
        point_filter = window_filter(params)
        kwargs = {"filter": point_filter} if point_filter else {}
        container, item = container_name(vm_ref["resource_group"], vm_ref["name"]), item_name(vm_ref["resource_group"], vm_ref["name"])
        try:
            points = list_all(module.session, f"list recovery points of VM {vm_ref['label']}", backup_client(module.session).recovery_points.list,
                              params["vault_name"], params["resource_group"], FABRIC, container, item, **kwargs)
        except AzureOperationError as error:
            if error.status == 404:
                raise Refusal(f"VM {vm_ref['label']} is not protected by vault {params['vault_name']}", azure_error_code=error.code) from error
            raise
        points = newest_first(points)
        result = {"changed": False, "recovery_points": [described(point) for point in points]}
        if params["latest"] or before is not None:
            chosen = choose(points, params["latest"], before)
            result["recovery_point"] = described(chosen) if chosen else None
        return result

    module.run(run)


if __name__ == "__main__":
    main()
