#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_restore
short_description: Restore an Azure VM from a recovery point - its disks, a new VM, or its own disks replaced
version_added: 1.0.0
description:
  - Restores a VM protected by a Recovery Services vault from one of its recovery points, and waits for Azure's
    restore job. Returns the job, its duration, the point and tier used, and the ids of what the restore created.
  - The recovery point is an id, the newest point (V(latest)), or the newest point taken at or before O(before) -
    the same rule as M(azure_backup.recovery_services.file_recovery_script). Azure reads the snapshot tier when the
    point still has a snapshot, else the vault tier; C(tier) in RV(recovery_point) says which. A point kept only in the
    archive tier is refused unless O(rehydration_priority) is set (Azure then rehydrates it as part of the restore).
  - O(restore_type=restore_disks) creates the VM's managed disks in O(target_resource_group), staged through
    O(staging_storage_account) (in the region the restore lands in); Azure also writes a config and an ARM template
    there (C(template_blob_uri) in RV(created)) to build a VM from the disks later.
  - O(restore_type=new_vm) creates a VM named O(vm_name) in O(target_resource_group), in O(virtual_network) and
    O(subnet), optionally in availability zone O(zone). Azure gives it no public IP.
  - O(restore_type=replace_disks) swaps the disks of the original VM for the restored ones. The VM's current disks are
    kept but detached - this changes the running VM, so it needs O(confirm_replace_disks=true).
  - O(cross_region=true) restores into the vault's paired region (Azure's cross-region restore) from the points
    replicated there; the vault needs cross-region restore enabled (M(azure_backup.recovery_services.rsv_vault)
    O(azure_backup.recovery_services.rsv_vault#module:cross_region_restore)); otherwise the task is refused with the reason.
  - An action, idempotent by what exists. When a restore of the same VM, point and type already made what this task
    would make (the VM O(vm_name); the disks in O(target_resource_group); the restored disks still attached to the
    original VM), the task reports C(changed=false) and sends no write. A restore still running is awaited, not repeated.
  - Everything Azure would refuse is checked first with reads - the point and its tier, the target group, the staging
    account's region and kind, the VM name, the network and subnet and their region, the regional vCPU quota - and
    refused before any write. Check mode does the same reads and returns the plan (RV(request)) without writing.
options:
  vm:
    description:
      - The protected VM to restore, by O(vm.id), or by O(vm.name) and O(vm.resource_group). Giving both forms is refused.
  restore_type:
    description: What to restore.
    type: str
    required: true
    choices: [restore_disks, new_vm, replace_disks]
  recovery_point:
    description:
      - The recovery point, by its id (the decimal name Azure gives it) or V(latest). Defaults to V(latest) unless O(before) is set.
    type: str
  before:
    description: Use the newest recovery point taken at or before this time, ISO 8601 (a time without a zone is UTC).
    type: str
  cross_region:
    description:
      - Restore into the vault's paired region from the points replicated there (Azure's cross-region restore). The targets
        (group, staging account, network) must then be in the paired region.
    type: bool
    default: false
  target_resource_group:
    description: Resource group the disks or the new VM are created in (same subscription). Required for V(restore_disks) and V(new_vm).
    type: str
  staging_storage_account:
    description:
      - Storage account Azure stages the restore in, by resource id or by name in the vault's resource group. It must be in the
        region the restore lands in, and neither premium nor zone-redundant. Required for V(restore_disks) and V(new_vm).
    type: str
  vm_name:
    description: Name of the new VM (V(new_vm)); it must not be taken in O(target_resource_group).
    type: str
  virtual_network:
    description: Virtual network of the new VM (V(new_vm)), by resource id or by name in O(target_resource_group).
    type: str
  subnet:
    description: Subnet of O(virtual_network) the new VM's network interface joins.
    type: str
    default: default
  zone:
    description: Availability zone of the new VM (V(new_vm)).
    type: str
    choices: ['1', '2', '3']
  confirm_replace_disks:
    description:
      - Must be V(true) for O(restore_type=replace_disks). Azure replaces the disks of the running VM; its current disks are kept,
        detached, in its resource group.
    type: bool
    default: false
  rehydration_priority:
    description:
      - Rehydrate an archive-only point as part of the restore, with this priority (Azure's V(Standard) takes up to 15 hours,
        V(High) less). Without it such a point is refused.
    type: str
    choices: [Standard, High]
  rehydration_retention_days:
    description: Days the rehydrated copy stays in the vault tier (10 to 30).
    type: int
    default: 15
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.vm
  - azure_backup.recovery_services.azure.WAIT
attributes:
  check_mode:
    description: Reads and checks everything, returns the plan and the request Azure would get, and sends no write.
    support: full
  diff_mode:
    description: An action; no diff.
    support: none
notes:
  - Azure's restore job takes minutes to hours. With O(wait=false) the task returns once Azure has accepted the restore,
    with the job's C(id) in RV(job); M(azure_backup.recovery_services.backup_job_info) follows it.
  - A failed restore job fails the task with Azure's error code in C(error_code) of RV(job).
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Restore the newest point of web-01 as a new VM in an isolated network
  azure_backup.recovery_services.vm_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-01, resource_group: rg-app}
    restore_type: new_vm
    target_resource_group: rg-restore
    vm_name: web-01-restored
    virtual_network: vnet-restore
    subnet: default
    staging_storage_account: strestoreweu
  register: restored

- name: Restore the disks of the point from before Monday's incident
  azure_backup.recovery_services.vm_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: erp-01, resource_group: rg-erp}
    restore_type: restore_disks
    before: "2026-11-23T06:00:00Z"
    target_resource_group: rg-restore
    staging_storage_account: strestoreweu

- name: Replace the disks of db-01 with last night's point (irreversible for the running VM)
  azure_backup.recovery_services.vm_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: db-01, resource_group: rg-db}
    restore_type: replace_disks
    before: "2026-11-23T02:00:00Z"
    confirm_replace_disks: true

- name: Restore into the paired region (cross-region restore)
  azure_backup.recovery_services.vm_restore:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-01, resource_group: rg-app}
    restore_type: new_vm
    cross_region: true
    target_resource_group: rg-restore-neu
    vm_name: web-01-neu
    virtual_network: vnet-restore-neu
    staging_storage_account: /subscriptions/0000/resourceGroups/rg-restore-neu/providers/Microsoft.Storage/storageAccounts/strestoreneu
"""

RETURN = r"""
restore_type:
  description: The restore type, as given.
  returned: always
  type: str
region:
  description: The region the restore lands in (the vault's, or its pair for cross-region restore).
  returned: always
  type: str
  sample: westeurope
recovery_point:
  description:
    - The point restored - C(id), C(time), C(tier) (V(snapshot), V(vault), or V(archive) when rehydrated), C(rehydrated),
      and C(replicated_to) (the paired region, for cross-region restore).
  returned: always
  type: dict
  sample: {id: "38823086363464", time: "2026-11-20T00:00:00Z", tier: snapshot, rehydrated: false, replicated_to: null}
reused:
  description: True when an earlier restore of the same VM, point and type already made what this task asks for.
  returned: always
  type: bool
job:
  description:
    - Azure's restore job - C(id), C(operation) (V(Restore) or V(CrossRegionRestore)), C(status), C(start_time), C(end_time),
      C(duration_seconds), and C(error_code) / C(error_message) when it failed.
  returned: when a restore was started or found
  type: dict
  sample: {id: 9f1c..., operation: Restore, status: Completed, start_time: "2026-11-30T08:00:00Z", end_time: "2026-11-30T08:31:02Z",
           duration_seconds: 1862.0}
created:
  description:
    - The ids of what the restore created - C(disk_ids), C(vm_id) and C(nic_id) (new VM), C(replaced_disk_ids) (the disks
      replaced, left detached), C(template_blob_uri) and C(config_blob_uri) (restore disks), C(staging_storage_account).
  returned: when the job completed
  type: dict
request:
  description: The restore request's C(properties) as sent to Azure (or, in check mode, as it would be sent). No secret in it.
  returned: always
  type: dict
"""

import time

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_ARGUMENT_SPEC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal, TaskFailure
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import (
    ARCHIVE, ArchivedPoint, check_point_options, require_usable, usable_tier,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._restore import (
    DISK_API_VERSION, FINISHED_OK, NEW_VM, REPLACE_DISKS, RESTORE_DISKS, RUNNING, VM_API_VERSION, VmRestoreSource, check_targets, created_ids,
    ZONES, describe_point, get_resource, id_or_name, job_status, job_summary, restore_properties,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import (
    check_name, check_resource_group, check_vm_ref, check_wait_timeout,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options

REHYDRATION_DAYS = (10, 30)
# Options each restore type needs (checked before any request).
REQUIRED = {RESTORE_DISKS: ("target_resource_group", "staging_storage_account"),
            NEW_VM: ("target_resource_group", "staging_storage_account", "vm_name", "virtual_network"),
            REPLACE_DISKS: ()}


class VmRestore:
    """One restore: choose the point, find an earlier identical restore, check the targets, trigger, await the job."""

    def __init__(self, module, vm_ref):
        self.module, self.params, self.session = module, module.params, module.session
        self.kind = self.params["restore_type"]
        self.vm = vm_ref
        self.source = VmRestoreSource(self.session, self.params["vault_name"], self.params["resource_group"], vm_ref, self.params["cross_region"])
        self.targets = {}

    def resolve_targets(self):
        """Target ids from the options (names are resolved in the vault's or the target group)."""
        params, subscription = self.params, self.session.subscription_id
        group = params["target_resource_group"]
        targets = {"resource_group_id": f"/subscriptions/{subscription}/resourceGroups/{group}" if group else None}
        if params["staging_storage_account"]:
            targets["storage_account_id"] = id_or_name(params["staging_storage_account"], subscription, params["resource_group"],
                                                       "Microsoft.Storage/storageAccounts")
        if self.kind == NEW_VM:
            targets["vm_id"] = f"{targets['resource_group_id']}/providers/Microsoft.Compute/virtualMachines/{params['vm_name']}"
            targets["virtual_network_id"] = id_or_name(params["virtual_network"], subscription, group, "Microsoft.Network/virtualNetworks")
            targets["subnet_id"] = f"{targets['virtual_network_id']}/subnets/{params['subnet']}"
            targets["zone"] = params["zone"]
        return targets

    def rehydration(self, point):
        """Rehydration settings for an archive-only point (refused without them); None for other points."""
        if usable_tier(point) != ARCHIVE or not self.params["rehydration_priority"]:
            try:
                require_usable(point, self.vm["label"], "a restore", "set rehydration_priority (Standard or High) to rehydrate it as part "
                               "of the restore, or choose a newer point")
            except ArchivedPoint as error:
                raise Refusal(str(error)) from error
            return None
        return {"priority": self.params["rehydration_priority"], "retention_days": self.params["rehydration_retention_days"]}

    def earlier_restore(self, point):
        """An earlier restore that made (or is making) what this task asks for; refuses a new VM name taken by something else."""
        if self.kind == NEW_VM:
            if get_resource(self.session, f"VM {self.params['vm_name']}", self.targets["vm_id"], VM_API_VERSION) is None:
                return None
            job = self.source.find_restore(self.kind, point, self.targets)
            if job is None:
                raise Refusal(f"vm_name: a VM named {self.params['vm_name']} already exists in {self.params['target_resource_group']} and no "
                              f"restore of VM {self.vm['label']} from point {point['name']} made it; choose another vm_name")
            return job
        job = self.source.find_restore(self.kind, point, self.targets)
        if job is None or job_status(job) in RUNNING:
            return job
        return job if self.still_there(created_ids(job)) else None

    def still_there(self, created):
        """The restored disks still exist (restore disks) or are still the VM's OS disk (replace disks)."""
        if self.kind == REPLACE_DISKS:
            vm = get_resource(self.session, f"VM {self.vm['label']}", self.vm["id"], VM_API_VERSION) or {}
            os_disk = ((vm.get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {}
            return bool(created["disk_ids"]) and (os_disk.get("managedDisk") or {}).get("id", "").lower() == created["disk_ids"][0].lower()
        return bool(created["disk_ids"]) and all(get_resource(self.session, "restored disk", disk, DISK_API_VERSION) for disk in created["disk_ids"])

    def run(self):
        deadline = time.monotonic() + self.params["wait_timeout"]
        self.source.read_vault()
        self.targets = self.resolve_targets()
        item = self.source.read_item()
        point = self.source.choose_point(self.params["recovery_point"], self.params["before"])
        rehydration = self.rehydration(point)
        properties = restore_properties(self.kind, point["name"], item["properties"].get("sourceResourceId") or self.vm["id"], self.source.region,
                                        self.targets, rehydration)
        result = {"restore_type": self.kind, "region": self.source.region, "request": properties, "reused": False,
                  "recovery_point": describe_point(point, self.source.region if self.params["cross_region"] else None)}
        earlier = self.earlier_restore(point)
        if earlier is not None:
            result["reused"] = True
            return self.finish(result, earlier, deadline, changed=False)
        check_targets(self.session, self.kind, self.targets, self.source.region, (point.get("properties") or {}).get("virtualMachineSize"),
                      properties["sourceResourceId"])
        if self.module.check_mode:
            return dict(result, changed=True)
        job_id = self.source.trigger(point, properties, self.params["wait_timeout"])
        return self.finish(result, self.source.read_job(job_id), deadline, changed=True)

    def finish(self, result, job, deadline, changed):
        """Await the job (unless wait=false), then report it and what it created; a failed job fails the task."""
        if self.params["wait"] and job_status(job) in RUNNING and not self.module.check_mode:
            job = self.source.wait_for_job(job["name"], deadline)
        result.update(changed=changed, job=job_summary(job))
        if job_status(job) in FINISHED_OK:
            result["created"] = created_ids(job)
        elif job_status(job) in RUNNING and self.params["wait"] and not self.module.check_mode:
            raise TaskFailure(f"restore job {job['name']} is still running after wait_timeout={self.params['wait_timeout']} s; "
                              "follow it with backup_job_info or raise wait_timeout", **result)
        elif job_status(job) not in RUNNING:
            summary = result["job"]
            raise TaskFailure(f"restore job {job['name']} of VM {self.vm['label']} ended {summary['status']}: "
                              f"{summary.get('error_code')}: {summary.get('error_message')}", **result)
        return result


def check_options(module):
    """Refuse bad input before any request; return the source VM reference."""
    params = module.params
    check_vault_options(params)
    check_wait_timeout(params)
    problem = check_point_options(params["recovery_point"], params["before"])
    if problem:
        raise Refusal(problem)
    kind = params["restore_type"]
    missing = [option for option in REQUIRED[kind] if not params[option]]
    if missing:
        raise Refusal(f"restore_type={kind} needs {' and '.join(missing)}")
    if kind == REPLACE_DISKS and not params["confirm_replace_disks"]:
        raise Refusal("restore_type=replace_disks replaces the disks of the running VM (its current disks are detached, the VM restarts "
                      "from the point): set confirm_replace_disks: true to do it, or restore to a new VM or restore disks instead")
    if kind == REPLACE_DISKS and params["cross_region"]:
        raise Refusal("cross_region restores into the paired region: it can create a VM or disks there (new_vm, restore_disks), not replace "
                      "the disks of the original VM")
    if params["target_resource_group"]:
        check_resource_group(params["target_resource_group"], "target_resource_group")
    for option, what in (("vm_name", "virtual machine"), ("subnet", "subnet")):
        if kind == NEW_VM:
            check_name(params[option], option, what)
    if params["zone"] and kind != NEW_VM:
        raise Refusal(f"zone applies to restore_type=new_vm only, not {kind}")
    days = params["rehydration_retention_days"]
    if not REHYDRATION_DAYS[0] <= days <= REHYDRATION_DAYS[1]:
        raise Refusal(f"rehydration_retention_days must be {REHYDRATION_DAYS[0]} to {REHYDRATION_DAYS[1]}, got {days}")
    return check_vm_ref(params["vm"], module.session.subscription_id, "vm")


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            **VM_ARGUMENT_SPEC,
            restore_type=dict(type="str", required=True, choices=[RESTORE_DISKS, NEW_VM, REPLACE_DISKS]),
            recovery_point=dict(type="str"),
            before=dict(type="str"),
            cross_region=dict(type="bool", default=False),
            target_resource_group=dict(type="str"),
            staging_storage_account=dict(type="str"),
            vm_name=dict(type="str"),
            virtual_network=dict(type="str"),
            subnet=dict(type="str", default="default"),
            zone=dict(type="str", choices=list(ZONES)),
            confirm_replace_disks=dict(type="bool", default=False),
            rehydration_priority=dict(type="str", choices=["Standard", "High"]),
            rehydration_retention_days=dict(type="int", default=15),
        ),
        clients=("recoveryservices", "backup", "compute"),
        wait_options=True,
        supports_check_mode=True,
    )
    module.run(lambda: VmRestore(module, check_options(module)).run())


if __name__ == "__main__":
    main()
