"""Grouping file shares by vault from variables and storage account tags (plugins/filter/file_shares.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.azure_backup.recovery_services.plugins.filter.file_shares import file_share_batches, file_share_coverage

ACCOUNT = "/subscriptions/s/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfiles"


def test_entries_and_tags_merge_into_one_batch_per_vault():
    entries = [{"vault": "rsv-a", "policy": "daily", "shares": [{"storage_account": "stx", "resource_group": "rg", "name": "one"},
                                                                {"storage_account": "stx", "resource_group": "rg", "name": "two", "policy": "hourly"}]}]
    tagged = [{"id": ACCOUNT, "name": "stfiles", "tags": {"Azure-Backup-Vault": "RSV-A", "azure-backup-shares": "finance, hr"}},
              {"id": ACCOUNT + "2", "name": "stfiles2", "tags": {"azure-backup-vault": "rsv-b", "azure-backup-policy": "weekly"},
               "shares": [{"name": "data", "protocol": "SMB"}, {"name": "nfs", "protocol": "NFS"}]},
              {"id": ACCOUNT + "3", "name": "untagged", "tags": {}}]
    batches = file_share_batches(entries, tagged, {"vault_resource_group": "rg-backup", "policy": "default",
                                                   "vaults": [{"name": "rsv-b", "resource_group": "rg-b"}]})
    assert [(batch["vault_name"], batch["resource_group"]) for batch in batches] == [("rsv-a", "rg-backup"), ("rsv-b", "rg-b")]
    expected = [("one", "daily"), ("two", "hourly"), ("finance", "default"), ("hr", "default")]
    assert [(share["name"], share["policy"]) for share in batches[0]["shares"]] == expected
    assert batches[1]["shares"] == [{"storage_account": ACCOUNT + "2", "name": "data", "policy": "weekly"}]


def test_a_vault_without_resource_group_or_star_without_shares_fails():
    with pytest.raises(AnsibleFilterError, match="no resource group"):
        file_share_batches([{"vault": "rsv-a", "shares": []}], [], {})
    with pytest.raises(AnsibleFilterError, match="its shares were not listed"):
        file_share_batches([], [{"id": ACCOUNT, "name": "stfiles", "tags": {"azure-backup-vault": "rsv-a"}}], {"vault_resource_group": "rg"})


def test_coverage_from_async_results():
    results = {"results": [
        {"item": {"item": {"vault_name": "rsv-a", "shares": []}}, "shares": [
            {"resource_group": "rg", "storage_account": "st", "name": "one"},
            {"resource_group": "rg", "storage_account": "st", "name": "two", "error": "share rg/st/two does not exist"}]},
        {"item": {"item": {"vault_name": "rsv-b", "shares": [{"storage_account": "st", "name": "x"}]}}, "msg": "policy p does not exist"}]}
    coverage = file_share_coverage(results)
    assert coverage[0] == {"vault": "rsv-a", "protected": ["rg/st/one"], "failed": [{"share": "rg/st/two", "error": "share rg/st/two does not exist"}]}
    assert coverage[1]["failed"] == [{"share": "st/x", "error": "policy p does not exist"}]


def test_audit_rows_and_table():
    from ansible_collections.azure_backup.recovery_services.plugins.filter.file_shares import file_share_rows, file_share_table
    results = {"results": [
        {"item": ["rsv-a", "rg"], "protected_shares": [{
            "storage_account": "st", "resource_group": "rg-f", "name": "finance", "policy": "daily", "protection_state": "Protected",
            "soft_deleted": False, "last_backup_status": "Completed", "last_backup_time": "2026-11-29T22:30:12.1234567Z"}]},
        {"item": ["rsv-b", "rg"], "failed": True, "msg": "vault rsv-b not found"}]}
    rows = file_share_rows(results)
    assert rows[0]["share"] == "finance" and rows[0]["protection_state"] == "Protected" and rows[1] == {"vault": "rsv-b", "error": "vault rsv-b not found"}
    table = file_share_table(rows)
    assert table[0].split() == ["VAULT", "STORAGE", "ACCOUNT", "SHARE", "POLICY", "STATE", "LAST", "BACKUP"]
    assert table[1].split() == ["rsv-a", "st", "finance", "daily", "Protected", "Completed", "2026-11-29T22:30:12"]
    assert table[2].split()[:2] == ["rsv-b", "-"] and table[2].endswith("vault rsv-b not found")
