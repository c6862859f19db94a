#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sql_restore
short_description: Restore a SQL Server database in an Azure VM to a point in time or a recovery point
version_added: 1.0.0
description:
  - Restores a database that a Recovery Services vault protects (M(azure_backup.recovery_services.sql_protection)) and waits
    for Azure's restore job.
  - From a point in time its log backups cover (O(point_in_time), to the second), or from a full or differential recovery
    point (O(recovery_point), V(latest) by default).
  - O(target=original) overwrites the original database - it needs O(confirm_overwrite=true). O(target=alternate) restores it
    as O(target_database) on O(target_instance) of O(target_server), a VM registered to the same vault (the original VM
    too); an existing database of that name is overwritten only with O(overwrite=true). O(target=files) writes the backup
    files to O(target_directory) on O(target_server), to be attached by hand.
  - Everything Azure would refuse is checked first with reads - the database is protected, the point exists or the time is
    inside the log chain, the target VM is registered to the vault, the instance exists there, the database name is free -
    and refused before any write. Check mode does the same reads and returns the plan (RV(request)).
  - An action, idempotent by Azure's jobs - when a restore of the same database, to the same point and target, already
    ran (or runs), the task reports C(changed=false), sends no write and returns that job (awaited if still running).
options:
  server:
    description:
      - The VM holding the protected database, by O(server.id), or by O(server.name) and O(server.resource_group). Giving both
        forms is refused.
  database:
    description: Name of the protected database.
    type: str
    required: true
  instance:
    description: Instance holding it (default V(MSSQLSERVER)). Mutually exclusive with O(availability_group).
    type: str
  availability_group:
    description: Availability group holding it, in place of an instance.
    type: str
  point_in_time:
    description: Restore to this second (ISO 8601; a time without a zone is UTC). Mutually exclusive with O(recovery_point).
    type: str
  recovery_point:
    description: A full or differential recovery point, by name, or V(latest). The default when O(point_in_time) is unset.
    type: str
  target:
    description: Where to restore.
    type: str
    required: true
    choices: [original, alternate, files]
  confirm_overwrite:
    description: Confirms that O(target=original) overwrites the original database.
    type: bool
    default: false
  target_server:
    description: With O(target=alternate) or O(target=files), the VM to restore to (registered to the vault), given as O(server) is.
  target_instance:
    description: With O(target=alternate), the instance on O(target_server) (default V(MSSQLSERVER)).
    type: str
  target_database:
    description: With O(target=alternate), the name of the restored database.
    type: str
  overwrite:
    description: With O(target=alternate), overwrite a database of that name on the target instance.
    type: bool
    default: false
  target_directory:
    description: With O(target=files), the folder on O(target_server) the files are written to.
    type: str
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.vm.SERVER
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.azure.WAIT
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A restore that already ran (same database, point and target) is found in the vault's jobs and not repeated.
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Restore sales as it was at 10:15 UTC, as sales_1015 on the reporting server
  azure_backup.recovery_services.sql_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    server: {name: vm-sql-01, resource_group: rg-sql}
    database: sales
    point_in_time: "2026-11-30T10:15:00Z"
    target: alternate
    target_server: {name: vm-sql-02, resource_group: rg-sql}
    target_instance: REPORTING
    target_database: sales_1015

- name: Overwrite hr with its newest full backup
  azure_backup.recovery_services.sql_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    server: {name: vm-sql-01, resource_group: rg-sql}
    database: hr
    target: original
    confirm_overwrite: true
"""

RETURN = r"""
request:
  description: The restore request's properties (sent, or that would be sent in check mode).
  returned: always
  type: dict
recovery_point:
  description: The point restored - C(name) (C(DefaultRangeRecoveryPoint) for a point in time) and C(time).
  returned: always
  type: dict
  sample: {name: DefaultRangeRecoveryPoint, time: "2026-11-30T10:15:00Z"}
reused:
  description: True when an earlier identical restore was found and no new one was started.
  returned: always
  type: bool
job:
  description: The restore job - C(id), C(operation), C(status), C(start_time), C(end_time), C(duration_seconds) (and the error when it failed).
  returned: unless check mode starts a new restore
  type: dict
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_restore import ALTERNATE, FILES, ORIGINAL
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_restore_run import SqlRestore, check_sql_restore_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            server=dict(type="dict", required=True, options=VM_REF_OPTIONS),
            database=dict(type="str", required=True),
            instance=dict(type="str"),
            availability_group=dict(type="str"),
            point_in_time=dict(type="str"),
            recovery_point=dict(type="str"),
            target=dict(type="str", required=True, choices=[ORIGINAL, ALTERNATE, FILES]),
            confirm_overwrite=dict(type="bool", default=False),
            target_server=dict(type="dict", options=VM_REF_OPTIONS),
            target_instance=dict(type="str"),
            target_database=dict(type="str"),
            overwrite=dict(type="bool", default=False),
            target_directory=dict(type="str"),
        ),
        clients=("backup",),
        wait_options=True,
        supports_check_mode=True,
        mutually_exclusive=[("point_in_time", "recovery_point"), ("instance", "availability_group")],
    )
    module.run(lambda: SqlRestore(module, *check_sql_restore_options(module.params, module.session.subscription_id)).run())


if __name__ == "__main__":
    main()
