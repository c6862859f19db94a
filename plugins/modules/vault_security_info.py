#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_security_info
short_description: Read the security posture of Recovery Services vaults
version_added: 1.0.0
description:
  - Returns the security settings of one vault, of every vault in a resource group, or of every vault in the
    subscription, as they stand, in the shape M(azure_backup.recovery_services.vault_security) manages them
    (soft delete (state and retention days), enhanced security for hybrid workloads, immutability, multi-user
    authorization through the Resource Guard the vault is associated with, cross-subscription restore), and as
    M(azure_backup.recovery_services.rsv_vault) manages them (storage redundancy, cross-region restore).
  - Sends only reads, per vault its resource guard associations (one listing), plus the vault itself or one listing of
    the vaults.
options:
  name:
    description: Name of the vault. Needs O(resource_group). An empty list when it does not exist.
    type: str
    aliases: [vault_name]
  resource_group:
    description:
      - Resource group of the vault named in O(name); without O(name), every vault of this resource group.
      - Without O(name) and O(resource_group), every vault of the subscription.
    type: str
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: One vault's security settings
  azure_backup.recovery_services.vault_security_info:
    name: rsv-prod-weu
    resource_group: rg-backup
  register: security

- name: Fail when soft delete is not on
  ansible.builtin.assert:
    that: security.vaults[0].soft_delete in ['Enabled', 'AlwaysON']

- name: Every vault of the subscription without multi-user authorization
  azure_backup.recovery_services.vault_security_info:
  register: all_vaults

- name: Show them
  ansible.builtin.debug:
    msg: "{{ all_vaults.vaults | selectattr('multi_user_authorization', 'eq', 'Disabled') | map(attribute='name') }}"
"""

RETURN = r"""
vaults:
  description: One entry per vault, sorted by resource group then name. Empty when the named vault does not exist.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the vault.
      type: str
      sample: rsv-prod-weu
    resource_group:
      description: Resource group of the vault.
      type: str
    id:
      description: Resource id of the vault.
      type: str
    location:
      description: Region of the vault.
      type: str
      sample: westeurope
    soft_delete:
      description: Soft delete of backup data, V(Enabled), V(Disabled) or V(AlwaysON).
      type: str
    soft_delete_retention_days:
      description: How many days soft-deleted backup data is kept.
      type: int
      sample: 14
    enhanced_security:
      description: Security features for hybrid workloads (MARS, MABS, DPM), V(Enabled), V(Disabled) or V(AlwaysON).
      type: str
    immutability:
      description: V(Disabled), V(Unlocked) or V(Locked).
      type: str
    cross_subscription_restore:
      description: V(Enabled), V(Disabled) or V(PermanentlyDisabled).
      type: str
    multi_user_authorization:
      description: V(Enabled) when the vault is associated with a Resource Guard, V(Disabled) otherwise.
      type: str
    resource_guard_id:
      description: Resource id of the vault's Resource Guard, or null.
      type: str
    storage_redundancy:
      description: V(LocallyRedundant), V(ZoneRedundant) or V(GeoRedundant).
      type: str
    cross_region_restore:
      description: Whether backups can be restored in the paired region (Azure's C(crossRegionRestore)).
      type: bool
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import parse_resource_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_all, read_guard_proxy
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_resource_group, check_subscription_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import check_vault_name, find_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault_security import security_posture


class VaultSecurityReader:
    """Reads the vaults the options name, then each one's resource guard associations."""

    def __init__(self, session):
        self.session = session

    def listed_vaults(self, name, group):
        if name:
            found = find_vault(self.session, group, name)
            return [found] if found is not None else []
        vaults = self.session.client("recoveryservices").vaults
        if group:
            return list_all(self.session, f"list vaults in {group}", vaults.list_by_resource_group, group)
        return list_all(self.session, "list vaults in the subscription", vaults.list_by_subscription_id)

    def posture(self, vault):
        group = parse_resource_id(vault["id"])["resourcegroups"]
        return dict(security_posture(vault, read_guard_proxy(self.session, vault["name"], group)), resource_group=group)


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            name=dict(type="str", aliases=["vault_name"]),
            resource_group=dict(type="str"),
        ),
        clients=("recoveryservices", "backup"),
        required_by={"name": "resource_group"},
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_subscription_id(module.session.subscription_id)
        if params["name"] is not None:
            check_vault_name(params["name"], "name")
        if params["resource_group"] is not None:
            check_resource_group(params["resource_group"])
        reader = VaultSecurityReader(module.session)
        vaults = [reader.posture(vault) for vault in reader.listed_vaults(params["name"], params["resource_group"])]
        return {"changed": False, "vaults": sorted(vaults, key=lambda vault: (vault["resource_group"].lower(), vault["name"].lower()))}

    module.run(run)


if __name__ == "__main__":
    main()
