#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_backup_precheck
short_description: Check whether Azure VMs are ready to be backed up by a vault
version_added: 1.0.0
description:
  - Runs Azure Backup's pre-checks for many VMs against one Recovery Services vault in one task, and
    never changes anything.
  - Each check gives a finding with the status Azure Backup uses, V(Passed), V(Warning) (might lead to
    backup failures) or V(Critical) (will lead to backup failures), and a reason. A VM's status is its worst finding.
  - "Checks: the VM exists; its power state (stopped or deallocated is a Warning: backups are crash-consistent
    and the agent cannot be checked); the VM agent was provisioned (C(provisionVMAgent); VMs created from a
    specialised disk have no C(osProfile), a Warning unless the agent reports Ready); the agent reports Ready,
    with its version; the C(VMSnapshot)/C(VMSnapshotLinux) extension is not failed (absent is fine: Azure installs
    it at the first backup); the VM is in the vault's region; the VM is not protected by another vault; and
    Azure's own pre-validation of enabling protection."
  - Reads per VM - the VM with its instance view, its backup status and Azure's pre-validation (both read-only
    POSTs) - run up to O(max_parallel) at a time.
options:
  vault_name:
    description: Name of the Recovery Services vault that would protect the VMs.
    type: str
    required: true
  resource_group:
    description: Resource group of the vault.
    type: str
    required: true
  vms:
    description: The VMs to check, each by O(vms[].id) or by O(vms[].name) and O(vms[].resource_group).
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: Resource id of the VM.
        type: str
      name:
        description: Name of the VM.
        type: str
      resource_group:
        description: Resource group of the VM (may differ from the vault's).
        type: str
  max_parallel:
    description: How many VMs are checked at once.
    type: int
    default: 10
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.INFO_ATTRIBUTES
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Check three VMs before protecting them
  azure_backup.recovery_services.vm_backup_precheck:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vms:
      - {name: web-01, resource_group: rg-app}
      - {name: web-02, resource_group: rg-app}
      - id: /subscriptions/0000/resourceGroups/rg-db/providers/Microsoft.Compute/virtualMachines/db-01
  register: precheck

- name: Stop when a VM would fail its backups
  ansible.builtin.assert:
    that: precheck.summary.critical == 0
    fail_msg: "{{ precheck.vms | selectattr('status', 'eq', 'Critical') | map(attribute='name') | list }}"
"""

RETURN = r"""
vms:
  description: One result per VM, in the order given.
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
    status:
      description: The VM's worst finding, V(Passed), V(Warning) or V(Critical).
      type: str
    findings:
      description: One entry per check with C(check), C(status) and C(reason).
      type: list
      elements: dict
  sample:
    - id: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-01
      name: web-01
      resource_group: rg-app
      status: Warning
      findings:
        - {check: vm_exists, status: Passed, reason: VM rg-app/web-01 exists}
        - {check: power_state, status: Warning, reason: "VM is deallocated: its backups are crash-consistent and its agent cannot be checked"}
summary:
  description: How many VMs were checked and how many have each status.
  returned: always
  type: dict
  sample: {total: 3, passed: 1, warning: 1, critical: 1}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._backup import VM_REF_OPTIONS, read_vault, resolve_vm_ref, run_parallel
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vm_precheck import (
    CRITICAL, finding, precheck_vm, summary, worst,
)


def vm_result(vm_ref, checked, error):
    """One VM's result from precheck_vm's answer, or from the Azure error that stopped its checks."""
    findings = checked["findings"] if checked else [finding("precheck", CRITICAL, f"could not check the VM: {error}")]
    return {"id": vm_ref["id"], "name": vm_ref["name"], "resource_group": vm_ref["resource_group"],
            "status": worst(findings), "findings": findings}


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            vault_name=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            vms=dict(type="list", elements="dict", required=True, options=VM_REF_OPTIONS),
            max_parallel=dict(type="int", default=10),
        ),
        clients=("recoveryservices", "backup", "compute"),
        supports_check_mode=True,
    )
    params = module.params
    try:
        vm_refs = [resolve_vm_ref(entry, module.session.subscription_id) for entry in params["vms"]]
    except ValueError as error:
        module.fail_json(msg=f"vms: {error}")
    if params["max_parallel"] < 1:
        module.fail_json(msg="max_parallel must be 1 or more")

    def run():
        vault = read_vault(module.session, params["resource_group"], params["vault_name"])
        for client in ("backup", "compute"):
            module.session.client(client)  # built once, before the worker threads share it
        checked = run_parallel(lambda vm_ref: precheck_vm(module.session, vm_ref, vault), vm_refs, params["max_parallel"])
        results = [vm_result(vm_ref, answer, error) for vm_ref, answer, error in checked]
        return {"changed": False, "vms": results, "summary": summary(results)}

    module.run(run)


if __name__ == "__main__":
    main()
