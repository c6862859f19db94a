#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sql_protection
short_description: Protect SQL Server databases in Azure VMs, auto-protect instances and availability groups, back them up now
version_added: 1.0.0
description:
  - For many SQL Server VMs and databases in one Recovery Services vault, in one task - registers each VM with the vault
    for SQL workloads (Azure's C(VMAppContainer)) and runs the discovery (inquiry) of its instances, availability groups
    and databases; protects named databases with an C(AzureWorkload) SQL policy, moves them to another policy,
    resumes, stops (keeping the data by default) or removes their protection, undeletes soft-deleted ones;
    auto-protects whole instances or availability groups (Azure's protection intent), so that databases created later
    are protected as Azure discovers them; and triggers on-demand full, differential, copy-only full or log backups.
  - Built for estates. It lists the vault's protected SQL databases once; an idempotent run sends no write and no
    per-database request - only that listing (and the intents listing when O(servers[].auto_protect) is set).
    The vault's workload containers, protectable items and policies are listed only when something is to be
    registered, protected or moved. Discovery runs again only for a VM asked for (O(servers[].inquire)) or one on
    which a database to protect is not yet known.
  - A VM whose name and resource group name together exceed 84 characters (Azure Backup's limit for SQL Server VMs)
    is refused before any request.
  - Each database is refused before any write to it when Azure would refuse it - a database the discovery did not
    find, C(tempdb) (never backed up), differential or log backups of C(master) (only full), a server whose backup
    prerequisites fail (Azure's C(prebackupvalidation), for example C(UserErrorSQLNoSysadminMembership)) - while the
    others go on. A policy that does not exist or is not an SQL policy fails the task before any write.
  - Writes start together, at most O(max_parallel) at a time, and are awaited through the vault's jobs listing (one
    paged read per round for all of them); registrations through the vault's containers listing. Just before the first
    write the protected databases are listed once more, so a write another run made meanwhile is not repeated. O(wait_timeout) is
    one deadline for the whole task. With O(wait=false) nothing is awaited; the databases of a VM whose registration
    was only started are left for the next run (C(deferred)).
  - The task fails when any database, server or auto-protection entry failed, after the others were handled.
options:
  servers:
    description:
      - The SQL Server VMs, each by O(servers[].id) or by O(servers[].name) and O(servers[].resource_group), with what
        to protect on it.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: Resource id of the VM.
        type: str
        aliases: [resource_id]
      name:
        description: Name of the VM.
        type: str
      resource_group:
        description: Resource group of the VM.
        type: str
      policy:
        description: Policy for this VM's databases and auto-protection, in place of O(policy).
        type: str
      inquire:
        description:
          - Run the discovery (inquiry) on this VM again even when every named database is known (new databases, instances).
          - A server listed without O(servers[].databases) or O(servers[].auto_protect) is registered (and discovered) only,
            for example as a restore target of M(azure_backup.recovery_services.sql_restore).
        type: bool
        default: false
      databases:
        description: Databases to protect (or stop, or remove, per O(state)).
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Database name.
            type: str
            required: true
          instance:
            description:
              - SQL Server instance holding it (V(MSSQLSERVER) is the default instance).
              - Mutually exclusive with O(servers[].databases[].availability_group).
            type: str
          availability_group:
            description: Availability group holding it, in place of an instance.
            type: str
          policy:
            description: Policy for this database, in place of O(servers[].policy) and O(policy).
            type: str
      auto_protect:
        description:
          - Instances or availability groups whose databases are all protected, those created later included.
          - With O(state=absent) the auto-protection is removed (the databases stay protected, as on Azure).
        type: list
        elements: dict
        default: []
        suboptions:
          instance:
            description: SQL Server instance. Give this or O(servers[].auto_protect[].availability_group).
            type: str
          availability_group:
            description: Availability group.
            type: str
          policy:
            description: Policy, in place of O(servers[].policy) and O(policy).
            type: str
  policy:
    description:
      - Name of the vault's SQL Server in Azure VM policy (C(AzureWorkload), C(SQLDataBase)), for example C(HourlyLogBackup).
      - Needed to protect, resume or auto-protect; a protected database moves to it when it differs. Left unset,
        protected databases keep their policy.
    type: str
  backup_now:
    description: Trigger an on-demand backup of each named database once it is protected (with O(state=present)).
    type: str
    choices: [full, differential, log, copy_only_full]
  backup_retention_days:
    description:
      - Days an on-demand V(full) or V(copy_only_full) point is kept (1-36135). Default 45 for full, 30 for copy-only (as az does).
      - Differential and log points follow the policy.
    type: int
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.protection
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Protect two databases and auto-protect the reporting instance of a SQL VM
  azure_backup.recovery_services.sql_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: HourlyLogBackup
    servers:
      - name: vm-sql-01
        resource_group: rg-sql
        databases:
          - {name: sales}
          - {name: orders, availability_group: ag-orders}
        auto_protect:
          - {instance: REPORTING}

- name: A copy-only full backup now, kept 90 days, waiting for the jobs
  azure_backup.recovery_services.sql_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    servers:
      - {name: vm-sql-01, resource_group: rg-sql, databases: [{name: sales}]}
    backup_now: copy_only_full
    backup_retention_days: 90
    wait_for_backup_job: true

- name: Stop protecting a database, keeping its recovery points as long as the policy says
  azure_backup.recovery_services.sql_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    state: stopped
    retain: as_per_policy
    servers:
      - {name: vm-sql-01, resource_group: rg-sql, databases: [{name: hr}]}
"""

RETURN = r"""
databases:
  description: One entry per named database, in the order given.
  returned: always
  type: list
  elements: dict
  sample:
    - server: rg-sql/vm-sql-01
      instance: MSSQLSERVER
      name: sales
      action: protect
      changed: true
      policy: HourlyLogBackup
      protection_state: IRPending
      job_id: 6a1c8f8e-0c7e-4b8e-9f0e-2b1f0f3f4a11
      reason: not protected; protect with policy HourlyLogBackup
servers:
  description: One entry per VM - C(action) V(register) when it was (or would be) registered, V(inquire) when discovery ran, else V(none).
  returned: always
  type: list
  elements: dict
  sample: [{server: rg-sql/vm-sql-01, container: "VMAppContainer;Compute;rg-sql;vm-sql-01", action: register, changed: true}]
auto_protection:
  description: One entry per O(servers[].auto_protect) entry - C(action) V(create), V(update) (other policy), V(delete) or V(none).
  returned: always
  type: list
  elements: dict
  sample: [{server: rg-sql/vm-sql-01, instance: REPORTING, policy: HourlyLogBackup, action: create, changed: true}]
summary:
  description: Counts over the databases.
  returned: always
  type: dict
  sample: {total: 3, changed: 1, unchanged: 2, failed: 0, actions: {protect: 1, none: 2}}
requests:
  description: What the task sent - C(listings) (each counted once, all its pages together), C(writes), C(job_list_rounds), C(polls).
  returned: always
  type: dict
  sample: {listings: 1, writes: 0, job_list_rounds: 0, polls: 0}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_options import PROTECTION_ARGUMENT_SPEC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_protection_run import SqlProtectionRun, check_sql_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC

DATABASE_OPTIONS = dict(name=dict(type="str", required=True), instance=dict(type="str"), availability_group=dict(type="str"),
                        policy=dict(type="str"))
AUTO_PROTECT_OPTIONS = dict(instance=dict(type="str"), availability_group=dict(type="str"), policy=dict(type="str"))
SERVER_OPTIONS = dict(VM_REF_OPTIONS, policy=dict(type="str"), inquire=dict(type="bool", default=False),
                      databases=dict(type="list", elements="dict", default=[], options=DATABASE_OPTIONS),
                      auto_protect=dict(type="list", elements="dict", default=[], options=AUTO_PROTECT_OPTIONS))


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            servers=dict(type="list", elements="dict", required=True, options=SERVER_OPTIONS),
            **PROTECTION_ARGUMENT_SPEC,
            policy=dict(type="str"),
            backup_now=dict(type="str", choices=["full", "differential", "log", "copy_only_full"]),
            backup_retention_days=dict(type="int"),
        ),
        clients=("backup",),
        wait_options=True,
        supports_check_mode=True,
    )

    def run():
        servers, expiry = check_sql_options(module.params, module.session.subscription_id)
        return SqlProtectionRun(module, servers, expiry).run()

    module.run(run)


if __name__ == "__main__":
    main()
