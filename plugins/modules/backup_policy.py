#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_policy
short_description: Create, update or delete an Azure VM or Azure Files backup policy
version_added: 1.0.0
description:
  - Manages an Azure VM (C(AzureIaasVM)) backup policy of a Recovery Services vault, standard (Azure's V1,
    daily or weekly backups) or enhanced (Azure's V2, also hourly backups).
  - With O(workload=file_share), an Azure Files (C(AzureStorage)) policy - daily or hourly share snapshots, the snapshot or the
    vaulted tier (O(tier)), within Azure's limits for file shares (see O(retention)); docs/file_shares.md has the table.
  - Only the options you set are managed. O(schedule), O(retention) and O(tiering) each describe their whole
    part of the policy when set; within a schedule of the same frequency, unset fields keep their values.
  - Idempotent against what Azure returns; times are compared as C(HH:MM) and defaults Azure fills in
    never show as changes.
  - Combinations Azure rejects are refused before any write, naming the option and the allowed values.
  - Changing a policy that protects items makes Azure update every item; the module waits for that
    operation (see O(wait)).
  - Azure refuses to delete a policy that still protects items; the module reports Azure's reason.
options:
  name:
    description: Policy name.
    type: str
    required: true
  state:
    description: Whether the policy should exist.
    type: str
    default: present
    choices: [present, absent]
  workload:
    description:
      - What the policy protects - V(vm) (Azure VMs, C(AzureIaasVM)), V(file_share) (Azure file shares, C(AzureStorage)) or
        V(sql) (SQL Server databases in Azure VMs, C(AzureWorkload) C(SQLDataBase); see O(differential), O(log), O(compression)).
      - An existing policy of the other workload is refused, naming the right one.
      - For V(sql), O(schedule) and O(retention) are those of the full backup (daily or weekly), and Azure's limits are refused
        before any write - differential backups only beside a weekly full backup and never on its day, kept 7-180 days; log
        backups every 15 minutes to 24 hours, kept 7-35 days. A new SQL policy backs up in full daily at 00:00 (kept 30 days)
        and its log every hour (kept 30 days). The vault's C(HourlyLogBackup) is read like any other. docs/sql_server.md has the table.
    type: str
    default: vm
    choices: [vm, file_share, sql]
  tier:
    description:
      - File share policies only. V(snapshot) keeps share snapshots (retention at most 200 days, 200 weeks, 120 months, 10 years);
        V(vaulted) also copies a daily backup to the vault (vault-standard; retention up to 9999 days, 5163 weeks, 1188 months,
        99 years; daily schedules; standard storage accounts). A new policy is V(snapshot) unless set; a policy protecting shares
        cannot change tier.
    type: str
    choices: [snapshot, vaulted]
  snapshot_retention_days:
    description: File share policies of O(tier=vaulted) only - days the share snapshots are kept besides the vault copy (0-30). Default 5.
    type: int
  policy_type:
    description:
      - Azure VM policies only.
      - V(standard) (Azure V1) runs daily or weekly; V(enhanced) (Azure V2) also runs hourly and keeps instant
        restore snapshots up to 30 days. A new policy is V(standard) unless set.
      - The type of an existing policy cannot change.
    type: str
    choices: [standard, enhanced]
  time_zone:
    description: Time zone of the schedule times, as Azure names it (for example V(UTC), V(W. Europe Standard Time)). New policies use V(UTC).
    type: str
  instant_restore_days:
    description:
      - Days the instant-restore snapshots are kept. Standard policies allow 1-5 (a weekly standard policy
        always keeps 5), enhanced policies 1-30. New policies use 2 (5 for weekly standard policies).
    type: int
  schedule:
    description: When backups run. A new policy runs daily at 00:00.
    type: dict
    suboptions:
      frequency:
        description: How often backups run. V(Hourly) needs O(policy_type=enhanced).
        type: str
        choices: [Daily, Weekly, Hourly]
      time:
        description: Time of day (C(HH:MM), on the hour or half hour) of daily and weekly backups.
        type: str
      days:
        description: Days of weekly backups.
        type: list
        elements: str
        choices: [Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
      hourly_interval:
        description: Hours between hourly backups.
        type: int
        choices: [4, 6, 8, 12]
      window_start:
        description: Start (C(HH:MM)) of the daily window hourly backups run in. Default 08:00.
        type: str
      window_duration:
        description: Length in hours of that window, a multiple of O(schedule.hourly_interval) up to 24. Default 12.
        type: int
  retention:
    description:
      - How long recovery points are kept. Replaces the whole retention when set; a rule left out is removed.
      - Daily and hourly schedules need O(retention.daily); weekly schedules need O(retention.weekly) and allow no daily rule.
    type: dict
    suboptions:
      daily:
        description: Days daily points are kept (7-9999).
        type: int
      weekly:
        description: Weekly points.
        type: dict
        suboptions:
          count:
            description: Weeks to keep them (1-5163).
            type: int
            required: true
          days:
            description: Days of the week whose point is kept. With a weekly schedule, among the scheduled days.
            type: list
            elements: str
            choices: [Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
      monthly:
        description: Monthly points, by week and day of the month or by O(retention.monthly.days_of_month).
        type: dict
        suboptions:
          count:
            description: Months to keep them (1-1188).
            type: int
            required: true
          <<: &week_and_day  # merged into yearly's suboptions too, as long_term_options() is in the spec
            weeks:
              description: Weeks of the month.
              type: list
              elements: str
              choices: [First, Second, Third, Fourth, Last]
            days:
              description: Days of the week.
              type: list
              elements: str
              choices: [Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
            days_of_month:
              description: Dates (1-28) or C(Last), in place of weeks and days. Needs a daily schedule.
              type: list
              elements: str
      yearly:
        description: Yearly points.
        type: dict
        suboptions:
          count:
            description: Years to keep them (1-99).
            type: int
            required: true
          months:
            description: Months whose point is kept.
            type: list
            elements: str
            choices: [January, February, March, April, May, June, July, August, September, October, November, December]
          <<: *week_and_day
  tiering:
    description: Moving recovery points to the archive tier.
    type: dict
    suboptions:
      mode:
        description: V(TierAfter) moves points after O(tiering.duration); V(TierRecommended) lets Azure pick them.
        type: str
        required: true
        choices: [TierRecommended, TierAfter, DoNotTier]
      duration:
        description: With V(TierAfter), how long after creation.
        type: int
      duration_type:
        description: Unit of O(tiering.duration).
        type: str
        choices: [Days, Weeks, Months, Years]
  differential:
    description: With O(workload=sql), the weekly differential backup; merged into the current one. V(enabled=false) removes it.
    type: dict
    suboptions:
      enabled:
        description: V(false) removes the differential backup.
        type: bool
      day:
        description: Day of the week it runs (not a day of the full backup).
        type: str
        choices: [Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
      time:
        description: Time of day (C(HH:MM), on the hour or half hour). Default the full backup's time.
        type: str
      retention_days:
        description: Days differential backups are kept (7-180). Default 30.
        type: int
  log:
    description: With O(workload=sql), the log backups; merged into the current ones. V(enabled=false) removes them.
    type: dict
    suboptions:
      enabled:
        description: V(false) removes the log backups.
        type: bool
      frequency_minutes:
        description: Minutes between log backups (15-1440; the portal offers 15, 30, 60, 120, 240, 480, 720, 1440). Default 60.
        type: int
      retention_days:
        description: Days log backups are kept (7-35). Default 30.
        type: int
  compression:
    description: With O(workload=sql), SQL backup compression.
    type: bool
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: SQL Server in Azure VMs - weekly full on Sunday, differential on Wednesday, log every 15 minutes
  azure_backup.recovery_services.backup_policy:
    name: sql-weekly
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    workload: sql
    schedule: {frequency: Weekly, days: [Sunday], time: "22:00"}
    retention: {weekly: {count: 12, days: [Sunday]}}
    differential: {day: Wednesday, retention_days: 30}
    log: {frequency_minutes: 15, retention_days: 14}
    compression: true

- name: Nightly backups kept 30 days, Sunday points 12 weeks, first-Sunday points a year
  azure_backup.recovery_services.backup_policy:
    name: vm-nightly
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    schedule: {frequency: Daily, time: "22:30"}
    instant_restore_days: 3
    time_zone: W. Europe Standard Time
    retention:
      daily: 30
      weekly: {count: 12, days: [Sunday]}
      monthly: {count: 12, weeks: [First], days: [Sunday]}

- name: Enhanced policy, every 4 hours from 08:00 for 12 hours
  azure_backup.recovery_services.backup_policy:
    name: vm-hourly
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy_type: enhanced
    schedule: {frequency: Hourly, hourly_interval: 4, window_start: "08:00", window_duration: 12}
    retention: {daily: 14}
    instant_restore_days: 7

- name: Azure file shares - daily snapshots at 22:30 kept 30 days, Sunday snapshots 12 weeks
  azure_backup.recovery_services.backup_policy:
    name: files-daily
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    workload: file_share
    schedule: {frequency: Daily, time: "22:30"}
    retention: {daily: 30, weekly: {count: 12, days: [Sunday]}}

- name: Delete a policy that protects nothing
  azure_backup.recovery_services.backup_policy:
    name: vm-old
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    state: absent
"""

RETURN = r"""
policy:
  description:
    - The policy's managed settings in the module's own terms (times as C(HH:MM)), with its C(id),
      C(name) and C(protected_items_count). In check mode, the planned settings.
    - A file share policy has C(workload), C(tier), C(time_zone), C(schedule), C(retention) and, vaulted, C(snapshot_retention_days).
  returned: state=present
  type: dict
  sample:
    name: vm-nightly
    policy_type: standard
    time_zone: UTC
    instant_restore_days: 2
    schedule: {frequency: Daily, time: "22:30"}
    retention: {daily: 30}
    tiering: {mode: DoNotTier}
    protected_items_count: 0
changes:
  description: Dotted paths of the managed settings that differ (or would differ in check mode).
  returned: always
  type: list
  elements: str
  sample: [schedule.time, retention.weekly]
action:
  description: What the task did, or would do in check mode.
  returned: always
  type: str
  sample: update
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import get_policy
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import IAAS_VM
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy import (
    DURATION_TYPES, FREQUENCIES, HOURLY_INTERVALS, MONTHS, TIERING_MODES, WEEKDAYS, WEEKS,
    desired_view, option_errors, policy_errors, policy_properties, policy_view,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy_file_share import (
    AZURE_STORAGE, TIERS, desired_file_share_view, file_share_option_errors, file_share_policy_errors, file_share_policy_properties,
    file_share_policy_view, is_file_share_policy,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy_sql import (
    AZURE_WORKLOAD, SQL_ARGUMENT_SPEC, desired_sql_view, is_sql_policy, non_sql_option_errors, sql_option_errors, sql_policy_errors,
    sql_policy_properties, sql_policy_view,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import DELETE, UPDATE, Refusal, Resource, finish, reconcile, returned
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import (
    check_name, check_time_zone, check_wait_timeout,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options


def days_option(required=False):
    return dict(type="list", elements="str", choices=WEEKDAYS, required=required)


def long_term_options(with_months=False):
    options = dict(count=dict(type="int", required=True), weeks=dict(type="list", elements="str", choices=WEEKS),
                   days=days_option(), days_of_month=dict(type="list", elements="str"))
    if with_months:
        options["months"] = dict(type="list", elements="str", choices=MONTHS)
    return options


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    **VAULT_ARGUMENT_SPEC,
    state=dict(type="str", default="present", choices=["present", "absent"]),
    workload=dict(type="str", default="vm", choices=["vm", "file_share", "sql"]),
    **SQL_ARGUMENT_SPEC,
    tier=dict(type="str", choices=TIERS),
    snapshot_retention_days=dict(type="int"),
    policy_type=dict(type="str", choices=["standard", "enhanced"]),
    time_zone=dict(type="str"),
    instant_restore_days=dict(type="int"),
    schedule=dict(type="dict", options=dict(
        frequency=dict(type="str", choices=FREQUENCIES),
        time=dict(type="str"),
        days=days_option(),
        hourly_interval=dict(type="int", choices=HOURLY_INTERVALS),
        window_start=dict(type="str"),
        window_duration=dict(type="int"),
    )),
    retention=dict(type="dict", options=dict(
        daily=dict(type="int"),
        weekly=dict(type="dict", options=dict(count=dict(type="int", required=True), days=days_option())),
        monthly=dict(type="dict", options=long_term_options()),
        yearly=dict(type="dict", options=long_term_options(with_months=True)),
    )),
    tiering=dict(type="dict", options=dict(
        mode=dict(type="str", required=True, choices=TIERING_MODES),
        duration=dict(type="int"),
        duration_type=dict(type="str", choices=DURATION_TYPES),
    )),
)


WORKLOADS = {"vm": IAAS_VM, "file_share": AZURE_STORAGE, "sql": AZURE_WORKLOAD}


class Policy(Resource):
    """An AzureIaasVM backup policy, read and written through the backup SDK."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.session = module.session
        self.azure = None

    @property
    def label(self):
        return f"backup policy {self.params['name']} of vault {self.params['vault_name']}"

    @property
    def policies(self):
        return self.session.client("backup").protection_policies

    def read(self):
        self.azure = get_policy(self.session, self.params["vault_name"], self.params["resource_group"], self.params["name"])
        if self.azure is None:
            return None
        management_type = (self.azure.get("properties") or {}).get("backupManagementType")
        if management_type != WORKLOADS[self.params["workload"]]:
            other = next((name for name, kind in WORKLOADS.items() if kind == management_type), None)
            hint = f": manage it with workload: {other}" if other else ""
            raise Refusal(f"{self.label} is an {management_type} policy; workload {self.params['workload']} manages "
                          f"{WORKLOADS[self.params['workload']]} policies{hint}")
        if self.params["workload"] == "sql":
            return sql_policy_view(self.azure)
        return file_share_policy_view(self.azure) if self.file_share else policy_view(self.azure)

    @property
    def file_share(self):
        return self.params["workload"] == "file_share"

    def desired(self, current):
        if self.params["workload"] == "sql":
            desired = desired_sql_view(current, self.params)
            errors = sql_policy_errors(desired)
            if errors:
                raise Refusal(f"{self.label} would be refused by Azure: " + "; ".join(errors), errors=errors)
            return desired
        if self.file_share:
            desired = desired_file_share_view(current, self.params)
            errors = file_share_policy_errors(desired)
            if errors:
                raise Refusal(f"{self.label} would be refused by Azure: " + "; ".join(errors), errors=errors)
            return desired
        if current and self.params["policy_type"] and self.params["policy_type"] != current["policy_type"]:
            raise Refusal(f"{self.label} is a {current['policy_type']} policy; the type of a policy cannot change "
                          f"(create a new {self.params['policy_type']} policy and move the VMs to it)")
        desired = desired_view(current, self.params)
        errors = policy_errors(desired)
        if errors:
            raise Refusal(f"{self.label} would be refused by Azure: " + "; ".join(errors), errors=errors)
        return desired

    def create(self, desired):
        self.write(desired)

    def update(self, current, desired):
        self.write(desired)

    def properties(self, desired):
        """The ``properties`` of the PUT body for the desired view of this workload's policy."""
        if self.params["workload"] == "sql":
            return sql_policy_properties(desired)
        return file_share_policy_properties(desired) if self.file_share else policy_properties(desired)

    def write(self, desired):
        """PUT the whole policy; Azure answers 200, or 202 while it updates the items the policy protects."""
        operation = f"write {self.label}"
        response = self.session.call_with_headers(operation, self.policies.create_or_update, self.params["vault_name"],
                                                  self.params["resource_group"], self.params["name"], {"properties": self.properties(desired)})
        if response.status_code == 202:
            if self.params["wait"]:
                finish(self.session, operation, response, self.params)
                self.azure = get_policy(self.session, self.params["vault_name"], self.params["resource_group"], self.params["name"])
        elif response.content:
            self.azure = response.json()

    def planned(self, current, desired):
        """The policy as Azure will return it after the PUT: the PUT replaces every setting, the protected items stay."""
        from azure.mgmt.core.tools import resource_id  # pylint: disable=import-outside-toplevel

        policy_id = resource_id(subscription=self.session.subscription_id, resource_group=self.params["resource_group"],
                                namespace="Microsoft.RecoveryServices", type="vaults", name=self.params["vault_name"],
                                child_type_1="backupPolicies", child_name_1=self.params["name"])
        existing = self.azure or {"id": policy_id, "name": self.params["name"], "type": "Microsoft.RecoveryServices/vaults/backupPolicies"}
        in_use = (existing.get("properties") or {}).get("protectedItemsCount") or 0
        return dict(existing, properties=dict(self.properties(desired), protectedItemsCount=in_use))

    def check(self, action, current, desired):
        """Azure refuses to delete a policy that still protects items (BMSUserErrorPolicyObjectInUse)."""
        in_use = ((self.azure or {}).get("properties") or {}).get("protectedItemsCount") or 0
        if action == UPDATE and in_use and self.file_share and current["tier"] != desired["tier"]:
            raise Refusal(f"{self.label} protects {in_use} file share(s); a policy in use cannot move between the snapshot and the vaulted "
                          "tier (Azure refuses it): create a policy of the other tier and move the shares to it (file_share_protection)",
                          protected_items_count=in_use)
        if action == DELETE and in_use:
            raise Refusal(f"{self.label} protects {in_use} item(s); Azure refuses to delete a policy in use: move the items to another "
                          "policy or stop their protection (vm_protection) first", protected_items_count=in_use)

    def delete(self, current):
        poller = self.session.call(f"delete {self.label}", self.policies.begin_delete,
                                   self.params["vault_name"], self.params["resource_group"], self.params["name"])
        finish(self.session, f"delete {self.label}", poller, self.params)


def returned_policy(policy):
    """The module's view of a policy as Azure returns it (or will, see ``Policy.planned``), with id, name and item count."""
    properties = policy.get("properties") or {}
    view = sql_policy_view(policy) if is_sql_policy(policy) else file_share_policy_view(policy) if is_file_share_policy(policy) else policy_view(policy)
    return dict(view, id=policy.get("id"), name=policy.get("name"), protected_items_count=properties.get("protectedItemsCount"))


def check_options(params):
    """What can be refused from the options alone, before the first request."""
    check_name(params["name"], "name", "backup policy")
    check_vault_options(params)
    check_wait_timeout(params)
    params["time_zone"] = check_time_zone(params["time_zone"])
    if params["workload"] in ("vm", "sql"):
        misplaced = [name for name in ("tier", "snapshot_retention_days") if params[name] is not None]
        if misplaced:
            raise Refusal(f"backup policy {params['name']}: {' and '.join(misplaced)} apply to file share policies only (workload: file_share)")
    check_errors = {"file_share": file_share_option_errors, "sql": sql_option_errors}.get(params["workload"], option_errors)
    errors = check_errors(params) if params["state"] == "present" else []
    if params["state"] == "present" and params["workload"] != "sql":
        errors += non_sql_option_errors(params, params["workload"])
    if errors:
        raise Refusal(f"backup policy {params['name']}: " + "; ".join(errors), errors=errors)


def main():
    module = AzureBackupModule(argument_spec=ARGUMENT_SPEC, clients=("backup",), wait_options=True, supports_check_mode=True)

    def run():
        check_options(module.params)
        policy = Policy(module)
        result = reconcile(module, policy, module.params["state"])
        if module.params["state"] == "present":
            # The same shape in check mode, real mode and wait: false (_reconcile.returned).
            result["policy"] = returned_policy(returned(module, policy, result))
        return result

    module.run(run)


if __name__ == "__main__":
    main()
