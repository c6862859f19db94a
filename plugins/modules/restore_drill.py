#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: restore_drill
short_description: Prove a vault's VMs can be restored - restore a sample as new VMs in isolation, verify, measure RPO and RTO, clean up
version_added: 1.0.0
description:
  - Runs a restore drill for one Recovery Services vault, on the controller, in one task whatever the number of VMs.
  - Chooses a sample of the vault's protected VMs (O(vms), O(sample_tags), O(sample_count), O(sample_share)), and
    restores the newest recovery point of each as a new VM into a resource group and virtual network made for the
    drill (one per vault, named O(resource_group_prefix)-<vault>, in the vault's region, no peering, no public IP),
    staged through a storage account the drill makes too. At most O(max_parallel) restores run at once.
  - Verifies each restored VM - the restore job succeeded, the VM is provisioned and running, its VM agent is Ready,
    and optionally a command run inside it through Run Command (O(verify_command)) prints what is expected.
  - Measures, per VM, the RPO (age of the recovery point when the drill started) and the RTO (from the restore
    request to the verified VM), and compares them with O(rpo_hours) and O(rto_minutes).
  - Deletes everything it made (VMs, disks, network interfaces, network, staging account, resource group) unless
    O(keep=true). The source VMs and their protection are only read.
  - The drill's resource group is tagged with the drill and the vault. A drill killed midway leaves it behind; the
    next drill of the vault removes it first, and O(state=absent) removes it without drilling.
options:
  state:
    description: V(present) runs a drill; V(absent) removes what earlier drills of the vault left behind.
    type: str
    default: present
    choices: [present, absent]
  drill_id:
    description: Names this drill in tags and in the report. Defaults to C(drill-) and the start time (UTC).
    type: str
  vms:
    description:
      - Drill these VMs instead of a sample of every protected VM, each by O(vms[].id), or by O(vms[].name) and
        O(vms[].resource_group). Giving both forms for one VM is refused.
  sample_tags:
    description: Drill only protected VMs carrying all these tags.
    type: dict
  sample_count:
    description: Drill at most this many VMs.
    type: int
  sample_share:
    description: Drill this share of the candidates (0 to 1, at least one VM).
    type: float
  sample_seed:
    description: Seed of the random sample, so a drill can be repeated with the same VMs. Random when unset.
    type: str
  resource_group_prefix:
    description: The drill's resource group is named V(<prefix>-<vault name>).
    type: str
    default: rg-restore-drill
  address_prefix:
    description: Address space of the drill's isolated virtual network (and of its one subnet).
    type: str
    default: 10.250.0.0/16
  max_parallel:
    description: How many restores run at once.
    type: int
    default: 5
  rpo_hours:
    description: A VM whose newest point is older than this fails the drill.
    type: float
  rto_minutes:
    description: A VM not verified within this many minutes of its restore request fails the drill.
    type: float
  verify_command:
    description:
      - A command run inside each restored VM with Run Command; the VM passes when it succeeds and its output contains O(verify_command.expect).
    type: dict
    suboptions:
      script:
        description: The script's lines (shell on Linux, PowerShell on Windows).
        type: list
        elements: str
        required: true
      expect:
        description: Text the command's standard output must contain.
        type: str
  keep:
    description: Keep what the drill made (to look at the restored VMs); the next drill or O(state=absent) removes it.
    type: bool
    default: false
  wait_timeout:
    description: Seconds one VM's restore and verification may take.
    type: int
    default: 7200
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.vm.VMS
attributes:
  check_mode:
    description: Reads the vault and its protected VMs and returns the sample and the plan; makes and restores nothing.
    support: full
  diff_mode:
    description: An action; no diff.
    support: none
notes:
  - The role C(azure_backup.recovery_services.restore_drill) runs this module for many vaults at once and writes the HTML and JSON reports.
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Drill 5 VMs of the vault, expecting a point younger than a day and VMs back within 2 hours
  azure_backup.recovery_services.restore_drill:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    sample_count: 5
    rpo_hours: 24
    rto_minutes: 120
    verify_command:
      script: ["systemctl is-active nginx && echo drill-ok"]
      expect: drill-ok
  register: drill

- name: Remove what a killed drill left behind
  azure_backup.recovery_services.restore_drill:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    state: absent
"""

RETURN = r"""
report:
  description:
    - The drill - C(drill_id), C(vault), C(region), C(started), C(finished), C(wall_seconds), C(targets) (the RPO and RTO
      targets), C(vms) (per VM - C(vm), C(point_id), C(point_time), C(tier), C(rpo_hours), C(rto_minutes), C(job_id),
      C(restored_vm_id), C(checks), C(passed), C(reasons)), C(totals) (C(vms), C(passed), C(failed), worst RPO and RTO),
      C(environment) (the drill's group, network and staging account), C(cleanup) (C(deleted) ids, C(kept)) and
      C(leftovers_removed) (ids of an earlier drill's resources removed first).
  returned: always
  type: dict
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._drill_run import Drill, check_drill_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            state=dict(type="str", default="present", choices=["present", "absent"]),
            drill_id=dict(type="str"),
            vms=dict(type="list", elements="dict", options=VM_REF_OPTIONS),
            sample_tags=dict(type="dict"),
            sample_count=dict(type="int"),
            sample_share=dict(type="float"),
            sample_seed=dict(type="str"),
            resource_group_prefix=dict(type="str", default="rg-restore-drill"),
            address_prefix=dict(type="str", default="10.250.0.0/16"),
            max_parallel=dict(type="int", default=5),
            rpo_hours=dict(type="float"),
            rto_minutes=dict(type="float"),
            verify_command=dict(type="dict", options=dict(script=dict(type="list", elements="str", required=True), expect=dict(type="str"))),
            keep=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=7200),
        ),
        clients=("recoveryservices", "backup", "compute"),
        supports_check_mode=True,
        mutually_exclusive=[("vms", "sample_tags")],
    )
    module.run(lambda: Drill(module, check_drill_options(module.params, module.session.subscription_id)).run())


if __name__ == "__main__":
    main()
