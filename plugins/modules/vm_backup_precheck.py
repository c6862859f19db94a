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
  - Decides from listings, not from one VM at a time - the run-time status of the subscription's VMs (one paged
    C(statusOnly) list), the VM models of the vault's region (only when an agent is not Ready), the vault's protected
    and protectable items and, for VMs those do not decide, the protected items of the subscription's other vaults in
    the vault's region. A re-run therefore sends the same few reads whatever the number of VMs, and no per-VM request.
  - A per-VM backup-status query is sent only for a VM those listings cannot decide (another vault's items could not
    be read); Azure's own pre-validation of each unprotected VM only with O(prevalidate). Up to O(max_parallel) at a time.
  - A VM that could not be checked (an Azure error, after the client's retries) gets the status V(Error) with the
    error, and the task fails after every VM was handled. V(Critical) is only for a VM that a check found unfit.
  - RV(requests) counts the listings and per-VM queries sent.
options:
  vault_name:
    description: Name of the Recovery Services vault that would protect the VMs.
  vms:
    description:
      - The VMs to check, each by O(vms[].id), or by O(vms[].name) and O(vms[].resource_group). Giving both forms for one VM is refused.
    required: true
  max_parallel:
    description: How many per-VM queries run at once.
    type: int
    default: 10
  prevalidate:
    description:
      - Also ask Azure's own pre-validation of enabling protection (C(backupPreValidateProtection)) for each VM that
        is not protected yet. One POST per such VM, which ARM counts against the subscription's write budget; the
        listings already cover what it checks (the VM exists and no other vault protects it).
    type: bool
    default: false
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.vm.VMS
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
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
      description: The VM's worst finding, V(Passed), V(Warning) or V(Critical); V(Error) when it could not be checked.
      type: str
    error:
      description: Why the VM could not be checked (with status V(Error) only).
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
  sample: {total: 3, passed: 1, warning: 1, critical: 1, error: 0}
requests:
  description: The reads the task sent - listings (each counted once, all its pages together), per-VM backup-status queries, per-VM pre-validations.
  returned: always
  type: dict
  sample: {listings: 5, backup_status_queries: 0, prevalidations: 0}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import TaskFailure
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_max_parallel, check_vm_refs
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options, read_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vm_precheck import (
    ERROR, VaultListings, precheck_vms, summary, worst,
)


def vm_result(vm_ref, checked, error):
    """One VM's result from precheck_vms' answer, or the Azure error that stopped its checks (status Error, never Critical)."""
    result = {"id": vm_ref["id"], "name": vm_ref["name"], "resource_group": vm_ref["resource_group"]}
    if checked is None:
        return dict(result, status=ERROR, findings=[], error=f"could not check the VM: {error}")
    return dict(result, status=worst(checked["findings"]), findings=checked["findings"])


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            vms=dict(type="list", elements="dict", required=True, options=VM_REF_OPTIONS),
            max_parallel=dict(type="int", default=10),
            prevalidate=dict(type="bool", default=False),
        ),
        clients=("recoveryservices", "backup", "compute"),
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(params)
        vm_refs = check_vm_refs(params["vms"], module.session.subscription_id, "vms")
        check_max_parallel(params)
        vault = read_vault(module.session, params["resource_group"], params["vault_name"])
        for client in ("backup", "compute"):
            module.session.client(client)  # built once, before the worker threads share it
        listings = VaultListings(module.session, vault, params["resource_group"])
        checked = precheck_vms(module.session, vm_refs, listings, prevalidate=params["prevalidate"], max_parallel=params["max_parallel"])
        results = [vm_result(vm_ref, answer, error) for vm_ref, answer, error in checked]
        answer = {"changed": False, "vms": results, "summary": summary(results), "requests": listings.counts}
        unchecked = [f"{result['resource_group']}/{result['name']}: {result['error']}" for result in results if result["status"] == ERROR]
        if unchecked:
            raise TaskFailure(f"{len(unchecked)} of {len(results)} VMs could not be checked: " + "; ".join(unchecked), **answer)
        return answer

    module.run(run)


if __name__ == "__main__":
    main()
