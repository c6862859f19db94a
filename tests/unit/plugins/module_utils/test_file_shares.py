"""Azure Files backup names, share references and refusals (plugins/module_utils/_file_shares.py, _file_share_run.py)."""

import re

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _file_shares as files
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_share_run import check_share_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import protect_body, stop_body, undelete_body
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal

SUB = "00000000-0000-0000-0000-000000000001"
ACCOUNT_ID = f"/subscriptions/{SUB}/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfiles"


def params(**given):
    base = {"vault_name": "rsv-files", "resource_group": "rg-backup", "wait_timeout": 600, "state": "present", "delete_backup_data": False,
            "backup_now": False, "unregister_accounts": False, "max_parallel": 10, "backup_retention_days": None, "backup_expiry": None,
            "blob_containers": None, "policy": "files-daily", "share": None,
            "shares": [{"storage_account": "stfiles", "resource_group": "rg-files", "name": "finance", "policy": None}]}
    base.update(given)
    return base


def test_share_by_name_or_by_account_id_is_the_same_share():
    by_name = files.resolve_share_ref({"storage_account": "stfiles", "resource_group": "rg-files", "name": "Finance"}, SUB)
    by_id = files.resolve_share_ref({"storage_account": ACCOUNT_ID, "name": "finance"}, SUB)
    assert by_name["key"] == by_id["key"] == (ACCOUNT_ID.lower(), "finance")
    assert by_id["container"] == "StorageContainer;Storage;rg-files;stfiles" and by_id["label"] == "rg-files/stfiles/finance"


@pytest.mark.parametrize("entry, message", [
    ({"storage_account": "stfiles", "name": "finance"}, "needs storage_account"),
    ({"storage_account": ACCOUNT_ID, "resource_group": "rg-files", "name": "finance"}, "not both"),
    ({"storage_account": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", "name": "a"}, "not a storage account id"),
])
def test_bad_share_references(entry, message):
    with pytest.raises(ValueError, match=message):
        files.resolve_share_ref(entry, SUB)


@pytest.mark.parametrize("account, vaulted, message", [
    (None, False, "does not exist"),
    ({"id": ACCOUNT_ID, "kind": "BlobStorage", "location": "westeurope"}, False, "kind BlobStorage has no Azure Files.*soft delete"),
    ({"id": ACCOUNT_ID, "kind": "StorageV2", "location": "northeurope"}, False, "is in northeurope; the vault is in westeurope"),
    ({"id": ACCOUNT_ID.replace(SUB, "00000000-0000-0000-0000-000000000002"), "kind": "StorageV2", "location": "westeurope"}, False,
     "another subscription"),
    ({"id": ACCOUNT_ID, "kind": "FileStorage", "location": "westeurope"}, True, "vaulted tier.*standard storage accounts only"),
])
def test_accounts_azure_cannot_back_up(account, vaulted, message):
    assert re.search(message, files.account_refusal(account, "westeurope", SUB, vaulted))


def test_supported_accounts_pass():
    assert files.account_refusal({"id": ACCOUNT_ID, "kind": "FileStorage", "location": "West Europe"}, "westeurope", SUB) is None
    assert files.account_refusal({"id": ACCOUNT_ID, "kind": "StorageV2", "location": "westeurope"}, "westeurope", SUB, vaulted=True) is None


def test_bodies():
    share = files.share_item(ACCOUNT_ID)
    assert protect_body(share, "p")["properties"] == {"protectedItemType": "AzureFileShareProtectedItem", "sourceResourceId": ACCOUNT_ID, "policyId": "p"}
    assert stop_body(share, "BackupsSuspended", "p")["properties"]["policyId"] == "p"
    undelete = undelete_body(share)["properties"]
    assert (undelete["protectedItemType"], undelete["isRehydrate"], undelete["protectionState"]) == ("AzureFileShareProtectedItem", True, "ProtectionStopped")
    assert files.register_body(ACCOUNT_ID)["properties"]["acquireStorageAccountLock"] == "Acquire"
    assert files.share_job_key({"storageAccountName": "StFiles", "entityFriendlyName": "Finance"}) == ("stfiles", "finance")


@pytest.mark.parametrize("given, message", [
    ({"blob_containers": ["images"]}, "blob soft delete"),
    ({"state": "absent"}, "delete_backup_data"),
    ({"state": "present", "unregister_accounts": True}, "unregister_accounts applies to state=stopped or state=absent"),
    ({"backup_now": True, "backup_retention_days": 3651}, "allowed 1-3650"),
    ({"shares": [{"storage_account": "stfiles", "resource_group": "rg-files", "name": "a"}] * 2}, "listed twice"),
])
def test_option_refusals(given, message):
    with pytest.raises(Refusal, match=message):
        check_share_options(params(**given), SUB)


def test_targets_and_expiry():
    targets, expiry = check_share_options(params(backup_now=True, backup_retention_days=60), SUB)
    assert targets[0]["policy"] == "files-daily" and expiry.endswith("Z")
