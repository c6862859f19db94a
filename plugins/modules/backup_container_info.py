#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_container_info
short_description: List the protection containers registered in a Recovery Services vault
version_added: 1.0.0
description:
  - Lists the vault's protection containers of one backup management type (one listing, all pages).
  - An Azure VM has a container once it is protected; MARS servers, SQL/SAP hosts and storage accounts are
    containers of their own management types.
options:
  backup_management_type:
    description: Which kind of containers to list.
    type: str
    default: AzureIaasVM
    choices: [AzureIaasVM, MAB, AzureWorkload, AzureStorage, AzureSql, DPM, AzureBackupServer]
  status:
    description: Registration status to list. V(all) skips this filter.
    type: str
    default: Registered
    choices: [Registered, NotRegistered, Registering, all]
  friendly_name:
    description: Only containers with this friendly name (for Azure VMs, the VM name), case-insensitive.
    type: str
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
- name: Azure VM containers of a vault
  azure_backup.recovery_services.backup_container_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
  register: vm_containers

- name: MARS servers registered to the vault
  azure_backup.recovery_services.backup_container_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    backup_management_type: MAB
  register: mars_servers
"""

RETURN = r"""
containers:
  description: The containers as Azure returns them, keys in snake_case.
  returned: always
  type: list
  elements: dict
  sample:
    - name: IaasVMContainer;iaasvmcontainerv2;rg-app;web-01
      properties:
        container_type: Microsoft.Compute/virtualMachines
        friendly_name: web-01
        registration_status: Registered
        health_status: Healthy
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_containers, odata_filter
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import snake_keys
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            backup_management_type=dict(type="str", default="AzureIaasVM",
                                        choices=["AzureIaasVM", "MAB", "AzureWorkload", "AzureStorage", "AzureSql", "DPM", "AzureBackupServer"]),
            status=dict(type="str", default="Registered", choices=["Registered", "NotRegistered", "Registering", "all"]),
            friendly_name=dict(type="str"),
        ),
        clients=("backup",),
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(module.params)
        backup_filter = odata_filter({"backupManagementType": params["backup_management_type"],
                                      "status": None if params["status"] == "all" else params["status"]})
        containers = list_containers(module.session, params["vault_name"], params["resource_group"], backup_filter)
        if params["friendly_name"]:
            wanted = params["friendly_name"].lower()
            containers = [entry for entry in containers if ((entry.get("properties") or {}).get("friendlyName") or "").lower() == wanted]
        return {"changed": False, "containers": [snake_keys(entry) for entry in containers]}

    module.run(run)


if __name__ == "__main__":
    main()
