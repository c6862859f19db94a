#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_share_protection
short_description: Protect Azure file shares with a backup policy, stop or remove their protection, back them up now
version_added: 1.0.0
description:
  - Puts many Azure file shares (in many storage accounts) under backup protection in one Recovery Services vault, moves
    them to another policy, resumes, stops or removes protection, undeletes soft-deleted items and triggers on-demand backups.
  - Registers a storage account with the vault when one of its shares is first protected. Azure then puts a
    C(AzureBackupProtectionLock) delete lock on the account; RV(accounts) reports it. The module never removes that lock,
    not even when it unregisters an account (O(unregister_accounts)) - remove it yourself if you want it gone.
  - Built for many shares in one task. It lists the vault's registered accounts, protected shares and policies once each;
    a run that changes nothing sends no per-share or per-account request. Shares Azure has not seen yet are found by one
    inquiry per storage account (awaited through the vault's protectable-items listing), and writes are awaited through
    the vault's jobs listing (one paged read per round for all shares).
  - Refused before any write, per share - a storage account that does not exist, is in another region or subscription than
    the vault, or is of a kind Azure Files backup does not support (BlobStorage, BlockBlobStorage); a share that does not
    exist or uses NFS; a vaulted-tier policy for a premium (FileStorage) account. The other shares go on; the task fails
    at the end when any share failed.
  - Blob containers are not backed up by a Recovery Services vault. O(blob_containers) is refused with the reason and the
    alternatives (blob soft delete, versioning, point-in-time restore, operational backup with a Backup vault).
  - O(wait_timeout) is one deadline for the whole task.
options:
  shares:
    description: The file shares. Mutually exclusive with O(share).
    type: list
    elements: dict
    suboptions: &share_options
      storage_account:
        description: Name of the storage account (with its O(shares[].resource_group)), or its resource id.
        type: str
        required: true
      resource_group:
        description: Resource group of the storage account, when O(shares[].storage_account) is a name.
        type: str
      name:
        description: Name of the file share.
        type: str
        required: true
      policy:
        description: Policy for this share, in place of O(policy).
        type: str
  share:
    description: One share, as an entry of O(shares).
    type: dict
    suboptions: *share_options
  blob_containers:
    description:
      - Blob containers asked to be backed up. Always refused, before any request, with the reason and the alternatives;
        present so that such a request fails clearly instead of being ignored.
    type: list
    elements: str
  policy:
    description:
      - Name of the vault's Azure Files (C(AzureStorage)) policy (see M(azure_backup.recovery_services.backup_policy) with
        O(azure_backup.recovery_services.backup_policy#module:workload=file_share)). Needed to protect, resume or undelete-and-protect.
    type: str
  unregister_accounts:
    description:
      - With O(state=stopped) or O(state=absent), unregister the storage accounts of the listed shares from the vault once no
        item of theirs remains (soft-deleted items count - an account with one stays registered, and RV(accounts) says why).
      - Azure's delete lock on the account is left in place.
    type: bool
    default: false
  backup_retention_days:
    description: Days the on-demand recovery point is kept (1-3650, up to 10 years). Default 30. Mutually exclusive with O(backup_expiry).
    type: int
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.protection
  - azure_backup.recovery_services.protection.BACKUP_EXPIRY
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Protect the finance and HR shares with the daily snapshot policy
  azure_backup.recovery_services.file_share_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: files-daily
    shares:
      - {storage_account: stfinanceweu, resource_group: rg-files, name: finance}
      - {storage_account: stfinanceweu, resource_group: rg-files, name: hr, policy: files-hourly}

- name: Back one share up now, keeping that point until the end of 2027
  azure_backup.recovery_services.file_share_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: files-daily
    share: {storage_account: /subscriptions/0000/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfinanceweu, name: finance}
    backup_now: true
    backup_expiry: "2027-12-31"
    wait_for_backup_job: true

- name: Stop protecting a share and delete its backup data, then unregister the account if nothing else of it is protected
  azure_backup.recovery_services.file_share_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    share: {storage_account: stoldweu, resource_group: rg-files, name: archive}
    state: absent
    delete_backup_data: true
    unregister_accounts: true
"""

RETURN = r"""
shares:
  description: One result per share, in the order given. In check mode, the plan.
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
    action:
      description: V(protect), V(change_policy), V(resume), V(undelete_and_protect), V(undelete), V(stop), V(delete), V(backup) or V(none).
      type: str
    changed:
      description: Whether a write was sent for this share (or would be, in check mode).
      type: bool
    policy:
      description: The share's policy after the task.
      type: str
    protection_state:
      description: Azure's protection state after the task (C(NotProtected) when there is no item).
      type: str
    job_id:
      description: The Azure job of the protection change.
      type: str
    backup_job_id:
      description: The on-demand backup job.
      type: str
    backup_job_status:
      description: Status of that job, with O(wait_for_backup_job).
      type: str
    reason:
      description: Why the share needs (or needs no) change.
      type: str
    error:
      description: Why the share failed; absent when it did not.
      type: str
  sample:
    - {storage_account: stfinanceweu, resource_group: rg-files, name: finance, action: protect, changed: true, policy: files-daily,
       protection_state: IRPending, job_id: 6a1c8f8e-0c7e-4b8e-9f0e-2b1f0f3f4a11, reason: "not protected; protect with policy files-daily"}
accounts:
  description: The storage accounts of the shares and what the task did with their registration.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id of the storage account.
      type: str
    registered:
      description: Whether the account is registered with the vault after the task.
      type: bool
    action:
      description: V(register), V(unregister) or V(none).
      type: str
    locks:
      description: The account's management locks read after the task registered it (Azure Backup adds C(AzureBackupProtectionLock)).
      type: list
      elements: str
    note:
      description: What to know about the account (why it stays registered, the lock left in place).
      type: str
  sample:
    - {id: /subscriptions/0000/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfinanceweu, registered: true,
       action: register, locks: ["AzureBackupProtectionLock (CanNotDelete)"]}
summary:
  description: Counts over the shares.
  returned: always
  type: dict
  sample: {total: 2, changed: 1, unchanged: 1, failed: 0, actions: {protect: 1, none: 1}}
requests:
  description: What the task sent - C(listings) (each counted once, all its pages together), C(writes), C(job_list_rounds),
    C(item_polls) (per-share operation polls - only on-demand backups poll; deletions are awaited through jobs too) and
    C(account_reads) (per-account reads - share lists of accounts whose shares Azure has not inquired, locks after registering).
  returned: always
  type: dict
  sample: {listings: 3, writes: 0, job_list_rounds: 0, item_polls: 0, account_reads: 0}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_share_run import ShareRun, check_share_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_shares import SHARE_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_options import BACKUP_EXPIRY_ARGUMENT_SPEC, PROTECTION_ARGUMENT_SPEC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC

SHARE_OPTIONS = dict(SHARE_REF_OPTIONS, policy=dict(type="str"))

ARGUMENT_SPEC = dict(
    **VAULT_ARGUMENT_SPEC,
    shares=dict(type="list", elements="dict", options=SHARE_OPTIONS),
    share=dict(type="dict", options=SHARE_OPTIONS),
    blob_containers=dict(type="list", elements="str"),
    **PROTECTION_ARGUMENT_SPEC,
    **BACKUP_EXPIRY_ARGUMENT_SPEC,
    policy=dict(type="str"),
    unregister_accounts=dict(type="bool", default=False),
    backup_retention_days=dict(type="int"),
)


def main():
    module = AzureBackupModule(argument_spec=ARGUMENT_SPEC, clients=("recoveryservices", "backup"), wait_options=True, supports_check_mode=True,
                               required_one_of=[("shares", "share", "blob_containers")],
                               mutually_exclusive=[("shares", "share"), ("backup_retention_days", "backup_expiry")])

    def run():
        targets, expiry = check_share_options(module.params, module.session.subscription_id)
        return ShareRun(module, targets, expiry).run()

    module.run(run)


if __name__ == "__main__":
    main()
