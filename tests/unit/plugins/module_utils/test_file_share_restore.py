"""File share restore requests, item checks and earlier-restore matching (plugins/module_utils/_file_share_restore.py)."""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _file_share_restore as restore

SHARE = {"account_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stfiles", "account": "stfiles",
         "share": "finance"}
POINT = {"name": "123", "properties": {"recoveryPointTime": "2026-11-29T22:30:00.1234567Z"}}


def test_whole_share_to_the_original_location():
    assert restore.restore_request(SHARE, None, [], "overwrite") == {
        "objectType": "AzureFileShareRestoreRequest", "recoveryType": "OriginalLocation", "sourceResourceId": SHARE["account_id"],
        "copyOptions": "Overwrite", "restoreRequestType": "FullShareRestore"}


def test_items_to_another_share_folder():
    target = {"account_id": "/x/storageAccounts/sttarget", "share": "restored", "folder": "from-backup"}
    request = restore.restore_request(SHARE, target, [{"path": "a/b.txt", "type": "file"}, {"path": "c", "type": "directory"}], "skip")
    assert request["recoveryType"] == "AlternateLocation" and request["copyOptions"] == "Skip"
    assert request["targetDetails"] == {"name": "restored", "targetResourceId": "/x/storageAccounts/sttarget"}
    assert request["restoreFileSpecs"] == [{"path": "a/b.txt", "fileSpecType": "File", "targetFolderPath": "from-backup"},
                                           {"path": "c", "fileSpecType": "Directory", "targetFolderPath": "from-backup"}]


def test_item_checks():
    assert restore.check_items([{"path": "a"}] * 99) is None
    assert "at most 99" in restore.check_items([{"path": "a"}] * 100)
    assert "must be a path inside the share" in restore.check_items([{"path": "/"}])
    assert "must be a path inside the share" in restore.check_items([{"path": "a\\b"}])


def job(**bag):
    return {"properties": {"extendedInfo": {"propertyBag": bag}}}


def test_an_earlier_restore_matches_only_the_same_point_target_items_and_conflict():
    same = job(**{"Target Storage Account": "STFILES", "Target File Share": "finance", "Restored Items": "a,c", "Copy Options": "Skip",
                  "Recovery Point Time": "2026-11-29T22:30:00.0000000Z"})
    items = [{"path": "a"}, {"path": "c"}]
    assert restore.job_matches(same, POINT, "stfiles", "finance", items, "skip")
    assert not restore.job_matches(same, POINT, "stfiles", "finance", items, "overwrite")
    assert not restore.job_matches(same, POINT, "stfiles", "finance", [{"path": "a"}], "skip")
    assert not restore.job_matches(same, POINT, "stother", "finance", items, "skip")
    later = {"name": "124", "properties": {"recoveryPointTime": "2026-11-30T22:30:00Z"}}
    assert not restore.job_matches(same, later, "stfiles", "finance", items, "skip")
