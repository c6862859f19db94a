#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rsv_vault
short_description: Create, update or delete a Recovery Services vault
version_added: 1.0.0
description:
  - Manages an Azure Recovery Services vault, the container Azure Backup stores recovery points in.
  - Only the options you set are managed; an option left unset never causes a change.
  - This module owns the vault's location, SKU, storage redundancy, cross-region restore, public network
    access, managed identity and tags (merged into the vault's tags by default, see O(append_tags)). Soft delete, immutability, enhanced security and multi-user
    authorization belong to M(azure_backup.recovery_services.vault_security).
  - A new vault comes with the backup policies C(DefaultPolicy), C(EnhancedPolicy) and C(HourlyLogBackup).
  - Deleting a vault never deletes backup data; Azure refuses to delete a vault that still holds
    protected items or registered servers, and this module reports Azure's reason.
options:
  name:
    description:
      - Vault name. 2 to 50 characters, letters, digits and hyphens, starting with a letter.
    type: str
    required: true
  resource_group:
    description: Resource group of the vault.
    type: str
    required: true
  state:
    description: Whether the vault should exist.
    type: str
    default: present
    choices: [present, absent]
  location:
    description:
      - Azure region, for example C(westeurope) or C(West Europe). Required to create a vault.
      - The region of an existing vault cannot change.
    type: str
  sku:
    description: Vault SKU. Azure reports V(RS0) and V(Standard) for the same SKU.
    type: str
    choices: [Standard, RS0]
  storage_redundancy:
    description:
      - Backup storage redundancy. V(LRS), V(GRS) and V(ZRS) are accepted as short forms.
      - Azure refuses to change it once the vault protects an item.
    type: str
    choices: [LocallyRedundant, GeoRedundant, ZoneRedundant, LRS, GRS, ZRS]
  cross_region_restore:
    description: Allow restores in the paired region. Needs geo-redundant storage.
    type: bool
  public_network_access:
    description: Whether the vault accepts traffic from public networks.
    type: str
    choices: [Enabled, Disabled]
  identity:
    description: Managed identity of the vault.
    type: dict
    suboptions:
      type:
        description: Identity type.
        type: str
        required: true
        choices: [None, SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned']
      user_assigned_identities:
        description: Resource ids of user-assigned identities.
        type: list
        elements: str
extends_documentation_fragment:
  - azure_backup.recovery_services.tags
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: A geo-redundant vault with cross-region restore
  azure_backup.recovery_services.rsv_vault:
    name: rsv-prod-weu
    resource_group: rg-backup
    location: westeurope
    storage_redundancy: GRS
    cross_region_restore: true
    public_network_access: Disabled
    identity:
      type: SystemAssigned
    tags:
      owner: platform

- name: Make these the vault's only tags, removing any other (azure.azcollection's append_tags=false)
  azure_backup.recovery_services.rsv_vault:
    name: rsv-prod-weu
    resource_group: rg-backup
    tags:
      owner: platform
      cost_center: "4711"
    append_tags: false

- name: Delete an empty vault
  azure_backup.recovery_services.rsv_vault:
    name: rsv-old
    resource_group: rg-backup
    state: absent
"""

RETURN = r"""
vault:
  description: The vault as Azure returns it, keys in snake_case. In check mode, the planned values.
  returned: state=present
  type: dict
  sample:
    id: /subscriptions/0000/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod-weu
    name: rsv-prod-weu
    location: westeurope
    properties:
      provisioning_state: Succeeded
changes:
  description: Dotted paths of the managed settings that differ (or would differ in check mode).
  returned: always
  type: list
  elements: str
  sample: [storage_redundancy, tags.owner]
action:
  description: What the task did, or would do in check mode.
  returned: always
  type: str
  sample: create
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import normalise_location
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import snake_keys, as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import (
    UPDATE, Refusal, Resource, finish, overlay, reconcile, returned,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import check_vault_name, find_vault, vault_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import (
    check_location, check_resource_group, check_resource_id, check_subscription_id, check_wait_timeout,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._tags import TAGS_ARGUMENT_SPEC, check_tag_options, desired_tags

REDUNDANCY_SHORT_FORMS = {"LRS": "LocallyRedundant", "GRS": "GeoRedundant", "ZRS": "ZoneRedundant"}
USER_ASSIGNED_IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities"
LOCATIONS_API_VERSION = "2022-12-01"  # Microsoft.Resources subscriptions: list locations


def vault_view(vault):
    """The settings this module manages, from Azure's vault body."""
    properties = vault.get("properties") or {}
    redundancy = properties.get("redundancySettings") or {}
    identity = vault.get("identity") or {}
    view = {
        "location": normalise_location(vault.get("location")),
        "sku": "Standard" if (vault.get("sku") or {}).get("name") in ("RS0", "Standard") else (vault.get("sku") or {}).get("name"),
        "storage_redundancy": redundancy.get("standardTierStorageRedundancy"),
        "cross_region_restore": redundancy.get("crossRegionRestore") == "Enabled",
        "public_network_access": properties.get("publicNetworkAccess"),
        "identity": {"type": identity.get("type") or "None",
                     "user_assigned_identities": sorted(identity.get("userAssignedIdentities") or {})},
        "tags": vault.get("tags") or {},
    }
    return view


class Vault(Resource):
    """A Recovery Services vault: read by one raw GET (``find_vault``), written through azure-mgmt-recoveryservices."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.session = module.session

    @property
    def vaults(self):
        return self.session.client("recoveryservices").vaults

    def read(self):
        self.azure = find_vault(self.session, self.params["resource_group"], self.params["name"])
        return vault_view(self.azure) if self.azure else None

    def wanted(self):
        """The settings the user set, in the view's shape (None = not set)."""
        params = self.params
        identity = params["identity"]
        return {
            "location": normalise_location(params["location"]) if params["location"] else None,
            "sku": "Standard" if params["sku"] else None,
            "storage_redundancy": REDUNDANCY_SHORT_FORMS.get(params["storage_redundancy"], params["storage_redundancy"]),
            "cross_region_restore": params["cross_region_restore"],
            "public_network_access": params["public_network_access"],
            "identity": None if identity is None else {
                "type": identity["type"], "user_assigned_identities": sorted(identity.get("user_assigned_identities") or [])},
        }

    def desired(self, current):
        wanted = {key: value for key, value in self.wanted().items() if value is not None}
        if current is None:
            if not wanted.get("location"):
                raise Refusal(f"location is required to create vault {self.params['name']}")
            check_location(self.params["location"], self.offered_locations())
            base = {"sku": "Standard", "storage_redundancy": "GeoRedundant", "cross_region_restore": False,
                    "public_network_access": "Enabled", "identity": {"type": "None", "user_assigned_identities": []}, "tags": {}}
        else:
            if wanted.get("location") and wanted["location"] != current["location"]:
                raise Refusal(f"location of vault {self.params['name']} is {current['location']}; a vault cannot move to {wanted['location']}")
            base = dict(current)
        desired = dict(base, **wanted)
        desired["tags"] = desired_tags(base.get("tags"), self.params)
        if desired["cross_region_restore"] and desired["storage_redundancy"] != "GeoRedundant":
            raise Refusal(f"cross_region_restore needs storage_redundancy GeoRedundant (GRS); vault {self.params['name']} would be "
                          f"{desired['storage_redundancy']}")
        return desired

    def check(self, action, current, desired):
        """Azure locks storage redundancy once the vault protects an item (400 StorageModelModifyError); one read tells."""
        if action != UPDATE or desired["storage_redundancy"] == current["storage_redundancy"]:
            return
        items = backup_client(self.session).backup_protected_items.list(self.params["name"], self.params["resource_group"])
        first = self.session.call(f"list protected items of vault {self.params['name']}", lambda: next(iter(items), None))
        if first is not None:
            raise Refusal(f"storage_redundancy of vault {self.params['name']} is {current['storage_redundancy']} and cannot change to "
                          f"{desired['storage_redundancy']}: Azure locks it once the vault protects an item (it protects "
                          f"{as_mapping(first).get('name')}); create a new vault for the other redundancy")

    def offered_locations(self):
        """The regions the subscription offers (one read, made only to create a vault)."""
        subscription = self.session.subscription_id
        response = self.session.send(f"list the locations of subscription {subscription}", "GET", f"/subscriptions/{subscription}/locations",
                                     LOCATIONS_API_VERSION)
        return [location["name"] for location in (response.json() or {}).get("value") or [] if location.get("name")]

    @staticmethod
    def body(view, fields):
        """Azure's request body for the named view fields."""
        body, properties = {}, {}
        if "location" in fields:
            body["location"] = view["location"]
        if "sku" in fields:
            body["sku"] = {"name": view["sku"]}
        if "tags" in fields:
            body["tags"] = view["tags"]
        if "identity" in fields:
            identity = {"type": view["identity"]["type"]}
            if view["identity"]["user_assigned_identities"]:
                identity["userAssignedIdentities"] = {identity_id: {} for identity_id in view["identity"]["user_assigned_identities"]}
            body["identity"] = identity
        if "public_network_access" in fields:
            properties["publicNetworkAccess"] = view["public_network_access"]
        if fields & {"storage_redundancy", "cross_region_restore"}:
            properties["redundancySettings"] = {
                "standardTierStorageRedundancy": view["storage_redundancy"],
                "crossRegionRestore": "Enabled" if view["cross_region_restore"] else "Disabled",
            }
        if properties:
            body["properties"] = properties
        return body

    def create(self, desired):
        body = self.body(desired, set(desired))
        poller = self.session.call(f"create vault {self.params['name']}", self.vaults.begin_create_or_update,
                                   self.params["resource_group"], self.params["name"], body)
        self.azure = as_mapping(self._finish(poller, "create")) or self.azure
        return self.azure

    def update(self, current, desired):
        body = self.body(desired, changed_fields(current, desired))
        poller = self.session.call(f"update vault {self.params['name']}", self.vaults.begin_update,
                                   self.params["resource_group"], self.params["name"], body)
        self.azure = as_mapping(self._finish(poller, "update")) or self.azure
        return self.azure

    def planned(self, current, desired):
        """The vault as Azure returns it once the write is applied: the vault read (or a new one's id) with the request body over it."""
        new_vault = {"id": vault_id(self.session.subscription_id, self.params["resource_group"], self.params["name"]),
                     "name": self.params["name"], "type": "Microsoft.RecoveryServices/vaults"}
        return overlay(self.azure or new_vault, self.body(desired, changed_fields(current, desired)))

    def delete(self, current):
        poller = self.session.call(f"delete vault {self.params['name']}", self.vaults.begin_delete,
                                   self.params["resource_group"], self.params["name"])
        self._finish(poller, "delete")

    def _finish(self, poller, verb):
        return finish(self.session, f"{verb} vault {self.params['name']}", poller, self.params)


def changed_fields(current, desired):
    """The view fields a write from ``current`` (None: a new vault) to ``desired`` sends."""
    return set(desired) if current is None else {key for key in desired if desired[key] != current.get(key)}


def check_identity(identity):
    """User-assigned identities are named by resource id, and only with a UserAssigned type."""
    if identity is None:
        return
    ids = identity.get("user_assigned_identities") or []
    if "UserAssigned" in identity["type"]:
        if not ids:
            raise Refusal(f"identity.user_assigned_identities is required with identity.type '{identity['type']}': "
                          f"list the resource ids of the identities ({USER_ASSIGNED_IDENTITY})")
        for identity_id in ids:
            check_resource_id(identity_id, "identity.user_assigned_identities", USER_ASSIGNED_IDENTITY)
    elif ids:
        raise Refusal(f"identity.user_assigned_identities needs identity.type UserAssigned or 'SystemAssigned, UserAssigned', "
                      f"not '{identity['type']}'")


def check_options(module):
    """Everything about the options that can be refused before the first request."""
    params = module.params
    check_vault_name(params["name"], "name")
    check_subscription_id(module.session.subscription_id)
    check_resource_group(params["resource_group"])
    check_wait_timeout(params)
    check_tag_options(params)
    check_identity(params["identity"])


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            resource_group=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            location=dict(type="str"),
            sku=dict(type="str", choices=["Standard", "RS0"]),
            storage_redundancy=dict(type="str", choices=["LocallyRedundant", "GeoRedundant", "ZoneRedundant", "LRS", "GRS", "ZRS"]),
            cross_region_restore=dict(type="bool"),
            public_network_access=dict(type="str", choices=["Enabled", "Disabled"]),
            identity=dict(type="dict", options=dict(
                type=dict(type="str", required=True, choices=["None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"]),
                user_assigned_identities=dict(type="list", elements="str"),
            )),
            **TAGS_ARGUMENT_SPEC,
        ),
        clients=("recoveryservices", "backup"),
        wait_options=True,
        supports_check_mode=True,
    )

    def run():
        check_options(module)
        vault = Vault(module)
        result = reconcile(module, vault, module.params["state"])
        if module.params["state"] == "present":
            result["vault"] = snake_keys(returned(module, vault, result))
        return result

    module.run(run)


if __name__ == "__main__":
    main()
