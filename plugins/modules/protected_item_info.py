#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: protected_item_info
short_description: List the Azure VMs a Recovery Services vault protects
version_added: 1.0.0
description:
  - Lists the vault's protected Azure VMs in one listing (all pages), vault-wide or for given VMs, optionally
    only those in given protection states or with a given policy.
  - Soft-deleted items are listed too (C(is_scheduled_for_deferred_delete)).
options:
  vms:
    description:
      - Only these VMs, each by O(vms[].id), or by O(vms[].name) and O(vms[].resource_group). Giving both forms for one VM is refused.
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.vm.vms
  - azure_backup.recovery_services.protection.ITEM_FILTERS
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Every VM the vault protects with a given policy
  azure_backup.recovery_services.protected_item_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: vm-nightly
  register: nightly

- name: Is this VM protected?
  azure_backup.recovery_services.protected_item_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vms: [{name: web-01, resource_group: rg-app}]
  register: web01
"""

RETURN = r"""
protected_items:
  description: The protected items as Azure returns them, keys in snake_case.
  returned: always
  type: list
  elements: dict
  sample:
    - name: VM;iaasvmcontainerv2;rg-app;web-01
      properties:
        friendly_name: web-01
        source_resource_id: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-01
        policy_name: vm-nightly
        protection_state: Protected
        is_scheduled_for_deferred_delete: false
not_protected:
  description: Ids of the VMs given in O(vms) that the vault does not protect.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_protected_vms
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS, item_vm_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import snake_keys
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_options import ITEM_FILTER_ARGUMENT_SPEC, item_matches
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_vm_refs
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            vms=dict(type="list", elements="dict", options=VM_REF_OPTIONS),
            **ITEM_FILTER_ARGUMENT_SPEC,
        ),
        clients=("backup",),
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(module.params)
        vm_refs = check_vm_refs(params["vms"], module.session.subscription_id, "vms")
        items = list_protected_vms(module.session, params["vault_name"], params["resource_group"])
        not_protected = []
        if vm_refs:
            by_vm = {item_vm_id(item): item for item in items}
            not_protected = [ref["id"] for ref in vm_refs if ref["key"] not in by_vm]
            items = [by_vm[ref["key"]] for ref in vm_refs if ref["key"] in by_vm]
        items = [item for item in items if item_matches(item, params)]
        return {"changed": False, "protected_items": [snake_keys(item) for item in items], "not_protected": not_protected}

    module.run(run)


if __name__ == "__main__":
    main()
