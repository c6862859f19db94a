#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rsv_vault_info
short_description: Read Recovery Services vaults
version_added: 1.0.0
description:
  - Returns one vault, every vault in a resource group, or every vault in the subscription.
  - Follows Azure's paging (C(nextLink)) to the end.
options:
  name:
    description: Vault name. Needs O(resource_group).
    type: str
  resource_group:
    description: Resource group to list, or of the vault named in O(name).
    type: str
  tags:
    description: Only vaults carrying all these tags (C(key) or C(key:value)).
    type: list
    elements: str
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: One vault
  azure_backup.recovery_services.rsv_vault_info:
    name: rsv-prod-weu
    resource_group: rg-backup
  register: one

- name: Every vault in the subscription
  azure_backup.recovery_services.rsv_vault_info:
  register: all_vaults
"""

RETURN = r"""
vaults:
  description: The vaults as Azure returns them, keys in snake_case. Empty when the named vault does not exist.
  returned: always
  type: list
  elements: dict
  sample:
    - name: rsv-prod-weu
      location: westeurope
      properties:
        redundancy_settings:
          standard_tier_storage_redundancy: GeoRedundant
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import as_mapping, snake_keys
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_resource_group, check_subscription_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import find_vault


def tags_match(vault_tags, wanted):
    """True when every ``key`` or ``key:value`` in ``wanted`` is on the vault."""
    vault_tags = vault_tags or {}
    for item in wanted or []:
        key, dummy, value = item.partition(":")
        if key not in vault_tags or (value and vault_tags[key] != value):
            return False
    return True


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            name=dict(type="str"),
            resource_group=dict(type="str"),
            tags=dict(type="list", elements="str"),
        ),
        clients=("recoveryservices",),
        required_by={"name": "resource_group"},
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_subscription_id(module.session.subscription_id)
        if params["resource_group"] is not None:
            check_resource_group(params["resource_group"])
        if params["name"]:
            found = find_vault(module.session, params["resource_group"], params["name"])
            listed = [found] if found is not None else []
        elif params["resource_group"]:
            vaults = module.session.client("recoveryservices").vaults
            listed = module.session.call(f"list vaults in {params['resource_group']}", lambda: list(vaults.list_by_resource_group(params["resource_group"])))
        else:
            vaults = module.session.client("recoveryservices").vaults
            listed = module.session.call("list vaults in the subscription", lambda: list(vaults.list_by_subscription_id()))
        mappings = [as_mapping(vault) for vault in listed]
        return {"changed": False, "vaults": [snake_keys(vault) for vault in mappings if tags_match(vault.get("tags"), params["tags"])]}

    module.run(run)


if __name__ == "__main__":
    main()
