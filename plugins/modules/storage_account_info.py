#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: storage_account_info
short_description: List storage accounts (kind, region, tags) and, on request, their file shares
version_added: 1.0.0
description:
  - Lists the storage accounts of the subscription in ONE listing (every page), optionally only those with given tags, with
    what Azure Files backup needs to know - kind, region, SKU, tags, and whether Azure Backup can protect their file shares.
  - With O(list_shares=true), also lists each selected account's file shares (one request per account).
  - The M(azure_backup.recovery_services.file_share_backup) role uses it to find the shares to protect from storage account tags.
options:
  tag_names:
    description: Keep only accounts that carry every one of these tags (any value).
    type: list
    elements: str
  tags:
    description: Keep only accounts whose tags have these values (case-sensitive values, case-insensitive names).
    type: dict
  ids:
    description: Keep only these accounts (resource ids, any casing).
    type: list
    elements: str
  list_shares:
    description: Also list the file shares of the selected accounts.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Storage accounts tagged for Azure Files backup, with their shares
  azure_backup.recovery_services.storage_account_info:
    tag_names: [azure-backup-vault]
    list_shares: true
  register: tagged
"""

RETURN = r"""
storage_accounts:
  description: The selected accounts, sorted by id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id.
      type: str
    name:
      description: Name.
      type: str
    resource_group:
      description: Resource group.
      type: str
    location:
      description: Region (normalised, e.g. C(westeurope)).
      type: str
    kind:
      description: Account kind (C(StorageV2), C(Storage), C(FileStorage), C(BlobStorage), C(BlockBlobStorage)).
      type: str
    sku:
      description: SKU name.
      type: str
    tags:
      description: Tags.
      type: dict
    file_share_backup_supported:
      description: Whether Azure Backup can protect file shares of this kind of account.
      type: bool
    shares:
      description: With O(list_shares), the file shares - C(name), C(protocol) (C(SMB) or C(NFS)), C(quota_gib).
      type: list
      elements: dict
  sample:
    - {id: /subscriptions/0000/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfinanceweu, name: stfinanceweu,
       resource_group: rg-files, location: westeurope, kind: StorageV2, sku: Standard_GRS, tags: {azure-backup-vault: rsv-prod-weu},
       file_share_backup_supported: true, shares: [{name: finance, protocol: SMB, quota_gib: 5120}]}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import normalise_location
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_shares import SUPPORTED_KINDS, list_shares, list_storage_accounts
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule

ARGUMENT_SPEC = dict(tag_names=dict(type="list", elements="str"), tags=dict(type="dict"), ids=dict(type="list", elements="str"),
                     list_shares=dict(type="bool", default=False))


def selected(account, params):
    tags = {name.lower(): value for name, value in (account.get("tags") or {}).items()}
    if any(name.lower() not in tags for name in params["tag_names"] or []):
        return False
    if any(tags.get(name.lower()) != value for name, value in (params["tags"] or {}).items()):
        return False
    return not params["ids"] or account["id"].lower() in {entry.lower() for entry in params["ids"]}


def account_view(account):
    return {"id": account["id"], "name": account["name"], "resource_group": account["id"].split("/")[4],
            "location": normalise_location(account.get("location")), "kind": account.get("kind"), "sku": (account.get("sku") or {}).get("name"),
            "tags": account.get("tags") or {}, "file_share_backup_supported": account.get("kind") in SUPPORTED_KINDS}


def share_view(share):
    properties = share.get("properties") or {}
    return {"name": share["name"], "protocol": properties.get("enabledProtocols") or "SMB", "quota_gib": properties.get("shareQuota")}


def main():
    module = AzureBackupModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    def run():
        session = module.session
        accounts = [account_view(account) for account in list_storage_accounts(session, session.subscription_id) if selected(account, module.params)]
        for account in accounts:
            if module.params["list_shares"] and account["file_share_backup_supported"]:
                account["shares"] = [share_view(share) for share in list_shares(session, account["id"])]
        return {"changed": False, "storage_accounts": sorted(accounts, key=lambda entry: entry["id"].lower())}

    module.run(run)


if __name__ == "__main__":
    main()
