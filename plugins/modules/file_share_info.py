#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_share_info
short_description: List the Azure file shares a Recovery Services vault protects, its registered storage accounts and recovery points
version_added: 1.0.0
description:
  - Lists the vault's protected file shares in one listing (all pages), vault-wide or for given shares, optionally only those in
    given protection states or with a given policy; and the storage accounts registered with the vault (one more listing).
  - With O(recovery_points), also each listed share's recovery points (one request per share, all pages).
  - Jobs of file shares - M(azure_backup.recovery_services.backup_job_info) with
    O(azure_backup.recovery_services.backup_job_info#module:backup_management_type=AzureStorage);
    containers - M(azure_backup.recovery_services.backup_container_info) with C(backup_management_type=AzureStorage).
options:
  shares:
    description: Only these shares.
  recovery_points:
    description: V(latest) adds each share's newest recovery point, V(all) all of them (newest first); one request per share.
    type: str
    default: none
    choices: [none, latest, all]
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.file_share.SHARES
  - azure_backup.recovery_services.protection.ITEM_FILTERS
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Every share the vault protects, with its newest recovery point
  azure_backup.recovery_services.file_share_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    recovery_points: latest
  register: shares
"""

RETURN = r"""
protected_shares:
  description: The protected shares.
  returned: always
  type: list
  elements: dict
  contains:
    storage_account:
      description: Name of the storage account.
      type: str
    resource_group:
      description: Resource group of the storage account.
      type: str
    name:
      description: Name of the share.
      type: str
    storage_account_id:
      description: Resource id of the storage account.
      type: str
    policy:
      description: Policy name (empty when protection is stopped).
      type: str
    protection_state:
      description: Azure's protection state.
      type: str
    soft_deleted:
      description: Whether the backup data is soft-deleted (pending purge).
      type: bool
    last_backup_time:
      description: Time of the last backup (Azure's C(2001-01-01T00:00:00Z) placeholder before the first one).
      type: str
    last_backup_status:
      description: Status of the last backup.
      type: str
    item_name:
      description: Azure's name of the protected item (C(AzureFileShare;...)).
      type: str
    recovery_points:
      description: With O(recovery_points) - C(id), C(time), C(type), C(tiers), C(usable_tier), C(snapshot_uri).
      type: list
      elements: dict
  sample:
    - {storage_account: stfinanceweu, resource_group: rg-files, name: finance, policy: files-daily, protection_state: Protected,
       soft_deleted: false, last_backup_time: "2026-11-29T22:30:12.1234567Z", last_backup_status: Completed}
not_protected:
  description: The shares given in O(shares) that the vault does not protect, as C(resource_group/account/share).
  returned: always
  type: list
  elements: str
registered_accounts:
  description: Storage accounts registered with the vault - C(id), C(name), C(registration_status), C(health_status), C(protected_item_count).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, list_all
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC, names_from_item_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_shares import (
    SHARE_REF_OPTIONS, item_share_key, list_protected_shares, list_storage_containers, resolve_share_ref,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import is_soft_deleted, item_policy_name, item_state
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_options import ITEM_FILTER_ARGUMENT_SPEC, item_matches
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import point_summary
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options

ARGUMENT_SPEC = dict(
    **VAULT_ARGUMENT_SPEC,
    shares=dict(type="list", elements="dict", options=SHARE_REF_OPTIONS),
    **ITEM_FILTER_ARGUMENT_SPEC,
    recovery_points=dict(type="str", default="none", choices=["none", "latest", "all"]),
)


def share_view(item):
    properties = item.get("properties") or {}
    account_id = properties.get("sourceResourceId") or ""
    return {"storage_account": account_id.rsplit("/", 1)[-1], "resource_group": account_id.split("/")[4] if account_id.count("/") >= 8 else None,
            "name": properties.get("friendlyName"), "storage_account_id": account_id, "policy": item_policy_name(item) or "",
            "protection_state": item_state(item), "soft_deleted": is_soft_deleted(item), "last_backup_time": properties.get("lastBackupTime"),
            "last_backup_status": properties.get("lastBackupStatus"), "item_name": item.get("name")}


def points_of(session, params, item, label):
    container, name = names_from_item_id(item["id"])
    points = list_all(session, f"list recovery points of share {label}", backup_client(session).recovery_points.list,
                      params["vault_name"], params["resource_group"], FABRIC, container, name)
    points.sort(key=lambda point: (point.get("properties") or {}).get("recoveryPointTime") or "", reverse=True)
    if params["recovery_points"] == "latest":
        points = points[:1]
    return [dict(point_summary(point), snapshot_uri=(point.get("properties") or {}).get("fileShareSnapshotUri")) for point in points]


def account_view(container):
    properties = container.get("properties") or {}
    return {"id": properties.get("sourceResourceId"), "name": properties.get("friendlyName"), "registration_status": properties.get("registrationStatus"),
            "health_status": properties.get("healthStatus"), "protected_item_count": properties.get("protectedItemCount")}


def main():
    module = AzureBackupModule(argument_spec=ARGUMENT_SPEC, clients=("backup",), supports_check_mode=True)
    params = module.params

    def run():
        check_vault_options(params)
        try:
            refs = [resolve_share_ref(entry, module.session.subscription_id) for entry in params["shares"] or []]
        except ValueError as error:
            raise Refusal(f"shares: {error}") from error
        items = list_protected_shares(module.session, params["vault_name"], params["resource_group"])
        not_protected = []
        if refs:
            by_share = {item_share_key(item): item for item in items}
            not_protected = [ref["label"] for ref in refs if ref["key"] not in by_share]
            items = [by_share[ref["key"]] for ref in refs if ref["key"] in by_share]
        shares = []
        for item in (item for item in items if item_matches(item, params)):
            view = share_view(item)
            if params["recovery_points"] != "none":
                view["recovery_points"] = points_of(module.session, params, item, f"{view['storage_account']}/{view['name']}")
            shares.append(view)
        accounts = [account_view(container) for container in list_storage_containers(module.session, params["vault_name"], params["resource_group"])]
        return {"changed": False, "protected_shares": shares, "not_protected": not_protected, "registered_accounts": accounts}

    module.run(run)


if __name__ == "__main__":
    main()
