#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_protection
short_description: Protect Azure VMs with a backup policy, stop or remove their protection, back them up now
version_added: 1.0.0
description:
  - Puts one or many Azure VMs under backup protection in one Recovery Services vault, moves them to
    another policy, resumes, stops or removes protection, undeletes soft-deleted items, and triggers
    on-demand backups.
  - Built for many VMs in one task. It lists the vault's protected VMs once and its policies once; an
    idempotent run sends no write, no per-VM request and the same few reads whatever the number of VMs.
    Container discovery runs at most once, only when a VM to protect is not yet among the vault's protectable VMs.
  - Writes start together, at most O(max_parallel) at a time, and are awaited together through the vault's jobs
    listing (one paged read per round for all of them, not one status poll per VM); a write whose job did not
    finish in time is read back in the protected-items listing before it is reported failed. Just before the
    first write the protected items are listed once more, so a write another run made meanwhile is not repeated.
  - O(wait_timeout) is one deadline for the whole task (discovery and every wait share it). With O(wait=false)
    nothing is awaited, discovery included; VMs that need discovery first are left for the next run (C(deferred)).
  - Before protecting a VM the vault has not discovered, cheap pre-checks run (O(precheck)) from listings - the VM
    exists and is in the vault's region (the subscription's VM status listing), no other vault protects it (the
    protected items of the subscription's other vaults in that region). A VM the vault's protectable items
    list already passes them. A VM failing them is failed with the reason Azure's data gave (C(ineligible)) while
    the others go on, unless O(all_or_nothing) is set. M(azure_backup.recovery_services.vm_backup_precheck) runs
    every pre-check.
  - The task fails when any VM failed, after the other VMs were handled; RV(vms) says what happened to each.
  - VMs may live in other resource groups than the vault, but in the vault's subscription and region.
options:
  vms:
    description:
      - The VMs, each by O(vms[].id), or by O(vms[].name) and O(vms[].resource_group). Giving both forms for one VM is refused.
        Mutually exclusive with O(vm).
    type: list
    elements: dict
    suboptions: &vm_options
      id:
        description: Resource id of the VM.
        type: str
        aliases: [resource_id]
      name:
        description: Name of the VM.
        type: str
      resource_group:
        description: Resource group of the VM (may differ from the vault's).
        type: str
      policy:
        description: Policy for this VM, in place of O(policy).
        type: str
  vm:
    description: One VM, as an entry of O(vms).
    type: dict
    suboptions: *vm_options
  policy:
    description:
      - Name of the vault's Azure VM (C(AzureIaasVM)) backup policy to protect the VMs with, or its resource id
        (C(/subscriptions/.../vaults/VAULT/backupPolicies/NAME), as azure.azcollection's C(backup_policy_id) takes it).
        An id of another vault's policy is refused.
      - Needed to protect, resume or undelete-and-protect a VM; a protected VM moves to it when it differs.
        Left unset, protected VMs keep their policy.
    type: str
    aliases: [backup_policy_id]
  backup_retention_days:
    description: Days the on-demand recovery point is kept (1-36135, up to 99 years). Default 30. Mutually exclusive with O(backup_expiry).
    type: int
  precheck:
    description: Run the cheap pre-checks, from listings, on VMs that the vault has not discovered yet.
    type: bool
    default: true
  all_or_nothing:
    description: When any VM fails its pre-checks or planning, fail the task before any write instead of skipping that VM.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.protection
  - azure_backup.recovery_services.protection.BACKUP_EXPIRY
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Protect the web tier with the nightly policy, the database with the hourly one
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: vm-nightly
    vms:
      - {name: web-01, resource_group: rg-app}
      - {name: web-02, resource_group: rg-app}
      - {name: db-01, resource_group: rg-db, policy: vm-hourly}

- name: Protect one VM and back it up now, keeping that point 90 days
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: vm-nightly
    vm: {id: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-03}
    backup_now: true
    backup_retention_days: 90
    wait_for_backup_job: true

- name: Stop protecting a VM, keeping its recovery points as long as the policy says
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-02, resource_group: rg-app}
    state: stopped
    retain: as_per_policy

- name: Remove protection and delete the backup data
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: old-01, resource_group: rg-app}
    state: absent
    delete_backup_data: true
"""

RETURN = r"""
vms:
  description: One result per VM, in the order given. In check mode, the plan.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id of the VM.
      type: str
    name:
      description: Name of the VM.
      type: str
    resource_group:
      description: Resource group of the VM.
      type: str
    action:
      description: V(protect), V(change_policy), V(resume), V(undelete_and_protect), V(undelete), V(stop), V(delete) or V(none).
      type: str
    changed:
      description: Whether a write was sent for this VM (or would be, in check mode).
      type: bool
    policy:
      description: The VM's policy after the task.
      type: str
    protection_state:
      description: Azure's protection state after the task (C(NotProtected) when there is no item).
      type: str
    job_id:
      description: The Azure job of the protection change, when Azure reported one.
      type: str
    backup_job_id:
      description: The on-demand backup job.
      type: str
    backup_job_status:
      description: Status of that job, with O(wait_for_backup_job).
      type: str
    reason:
      description: Why the VM needs (or needs no) change.
      type: str
    error:
      description: Why the VM failed (pre-check finding, bad input or Azure error); absent when it did not.
      type: str
    ineligible:
      description: True when the VM failed its pre-checks for a reason Azure's data gave (other region, protected
        elsewhere, not found), rather than on an error; the vm_backup role's C(skip) gate skips such VMs.
      type: bool
    deferred:
      description: True when the VM needs container discovery first and O(wait=false) left it for the next run.
      type: bool
  sample:
    - id: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-01
      name: web-01
      resource_group: rg-app
      action: protect
      changed: true
      policy: vm-nightly
      protection_state: IRPending
      job_id: 6a1c8f8e-0c7e-4b8e-9f0e-2b1f0f3f4a11
      reason: not protected; protect with policy vm-nightly
summary:
  description: Counts over the VMs.
  returned: always
  type: dict
  sample: {total: 3, changed: 1, unchanged: 2, failed: 0, actions: {protect: 1, none: 2}}
requests:
  description:
    - What the task sent - C(listings) (each counted once, all its pages together), C(writes) (item writes and
      discovery), C(job_list_rounds) (rounds of the jobs listing that awaited the writes), C(item_polls) (per-item
      status polls, only for deletions and on-demand backups) and C(backup_status_queries) (per-VM pre-check queries,
      only for VMs the listings could not decide).
  returned: always
  type: dict
  sample: {listings: 3, writes: 14, job_list_rounds: 2, item_polls: 0, backup_status_queries: 0}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_options import BACKUP_EXPIRY_ARGUMENT_SPEC, PROTECTION_ARGUMENT_SPEC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vm_protection_run import VmProtectionRun, check_vm_options

VM_OPTIONS = dict(VM_REF_OPTIONS, policy=dict(type="str"))


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            vms=dict(type="list", elements="dict", options=VM_OPTIONS),
            vm=dict(type="dict", options=VM_OPTIONS),
            **PROTECTION_ARGUMENT_SPEC,
            **BACKUP_EXPIRY_ARGUMENT_SPEC,
            policy=dict(type="str", aliases=["backup_policy_id"]),
            backup_retention_days=dict(type="int"),
            precheck=dict(type="bool", default=True),
            all_or_nothing=dict(type="bool", default=False),
        ),
        clients=("recoveryservices", "backup", "compute"),
        wait_options=True,
        supports_check_mode=True,
        required_one_of=[("vms", "vm")],
        mutually_exclusive=[("vms", "vm"), ("backup_retention_days", "backup_expiry")],
    )

    def run():
        targets, expiry = check_vm_options(module.params, module.session.subscription_id)
        return VmProtectionRun(module, targets, expiry).run()

    module.run(run)


if __name__ == "__main__":
    main()
