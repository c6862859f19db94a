#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_policy_info
short_description: Read the backup policies of a Recovery Services vault
version_added: 1.0.0
description:
  - Returns one backup policy or every policy of a vault (one listing, all pages).
  - Azure VM policies also carry C(settings), the normalised view M(azure_backup.recovery_services.backup_policy)
    takes as options (times as C(HH:MM)), so a policy read here can be fed back to that module.
options:
  name:
    description: Only this policy.
    type: str
  backup_management_type:
    description: Only policies of this backup management type. V(all) lists every policy.
    type: str
    default: AzureIaasVM
    choices: [AzureIaasVM, AzureWorkload, AzureStorage, MAB, AzureSql, DPM, AzureBackupServer, all]
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Azure VM policies of a vault
  azure_backup.recovery_services.backup_policy_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
  register: vm_policies

- name: One policy
  azure_backup.recovery_services.backup_policy_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    name: DefaultPolicy
  register: default_policy
"""

RETURN = r"""
policies:
  description: The policies as Azure returns them, keys in snake_case, plus C(settings) for Azure VM policies. Empty when the named policy does not exist.
  returned: always
  type: list
  elements: dict
  sample:
    - name: DefaultPolicy
      id: /subscriptions/0000/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod-weu/backupPolicies/DefaultPolicy
      properties:
        backup_management_type: AzureIaasVM
        protected_items_count: 0
      settings:
        policy_type: standard
        time_zone: UTC
        instant_restore_days: 2
        schedule: {frequency: Daily, time: "00:00"}
        retention: {daily: 30}
        tiering: {mode: DoNotTier}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import get_policy, list_policies
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import IAAS_VM
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import snake_keys
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy import policy_view


def described(policy):
    """A policy as returned: Azure's body in snake_case, plus the friendly settings of VM policies."""
    result = snake_keys(policy)
    if (policy.get("properties") or {}).get("backupManagementType") == IAAS_VM:
        result["settings"] = policy_view(policy)
    return result


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            name=dict(type="str"),
            backup_management_type=dict(type="str", default=IAAS_VM,
                                        choices=[IAAS_VM, "AzureWorkload", "AzureStorage", "MAB", "AzureSql", "DPM", "AzureBackupServer", "all"]),
        ),
        clients=("backup",),
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(module.params)
        wanted_type = None if params["backup_management_type"] == "all" else params["backup_management_type"]
        if params["name"]:
            found = get_policy(module.session, params["vault_name"], params["resource_group"], params["name"])
            policies = [found] if found else []
            if wanted_type:
                policies = [policy for policy in policies if (policy.get("properties") or {}).get("backupManagementType") == wanted_type]
        else:
            policies = list_policies(module.session, params["vault_name"], params["resource_group"], wanted_type)
        return {"changed": False, "policies": [described(policy) for policy in policies]}

    module.run(run)


if __name__ == "__main__":
    main()
