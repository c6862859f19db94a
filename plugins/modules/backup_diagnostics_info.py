#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_diagnostics_info
short_description: List a vault's diagnostic settings and whether Backup reports get their data
version_added: 1.0.0
description:
  - Lists the diagnostic settings (Azure Monitor) of a Recovery Services vault, in the shape
    M(azure_backup.recovery_services.backup_diagnostics) manages, with each setting's Azure Policy compliance.
options:
  name:
    description: Only this setting (an empty list when it does not exist).
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
- name: Is any setting of the vault compliant with the Backup reports policy?
  azure_backup.recovery_services.backup_diagnostics_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
  register: diagnostics

- name: Show it
  ansible.builtin.debug:
    msg: "{{ diagnostics.policy_compliant }}"
"""

RETURN = r"""
settings:
  description: The vault's diagnostic settings.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the setting.
      type: str
    id:
      description: Resource id of the setting.
      type: str
    workspace_id:
      description: Log Analytics workspace, or null.
      type: str
    log_analytics_destination_type:
      description: V(Dedicated) or V(AzureDiagnostics) (null without a workspace).
      type: str
    storage_account_id:
      description: Archive storage account, or null.
      type: str
    event_hub_authorization_rule_id:
      description: Event hub authorization rule, or null.
      type: str
    event_hub_name:
      description: Event hub name, or null.
      type: str
    categories:
      description: Enabled log categories, sorted.
      type: list
      elements: str
    policy_compliant:
      description: Whether this setting meets Azure Policy's "resource specific categories" definition.
      type: bool
policy_compliant:
  description: Whether at least one listed setting is compliant.
  returned: always
  type: bool
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._diagnostics import list_settings, policy_compliant, setting_view
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options, read_vault


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            name=dict(type="str"),
        ),
        clients=("recoveryservices", "monitor"),
        supports_check_mode=True,
    )

    def run():
        check_vault_options(module.params)
        params = module.params
        vault = read_vault(module.session, params["resource_group"], params["vault_name"])
        settings = []
        for setting in list_settings(module.session, vault["id"], vault["name"]):
            if params["name"] and setting["name"].lower() != params["name"].lower():
                continue
            view = setting_view(setting)
            settings.append(dict(view, name=setting["name"], id=setting.get("id"), policy_compliant=policy_compliant(view)))
        return {"changed": False, "settings": settings, "policy_compliant": any(item["policy_compliant"] for item in settings)}

    module.run(run)


if __name__ == "__main__":
    main()
