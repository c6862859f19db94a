"""SQL Server in Azure VMs: names, listings read, refusals from the options, bodies (plugins/module_utils/_sql_protection.py)
and the restore logic (plugins/module_utils/_sql_restore.py)."""

from datetime import datetime, timezone

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _sql_protection as sql
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _sql_restore as restore
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import stop_body, undelete_body

VAULT = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv"
CONTAINER = "VMAppContainer;Compute;rg-sql;vm-sql-01"


def protectable(name, kind, parent, friendly, validation="Success"):
    return {"id": f"{VAULT}/backupFabrics/Azure/protectionContainers/{CONTAINER}/protectableItems/{name}", "name": name,
            "properties": {"protectableItemType": kind, "parentName": parent, "friendlyName": friendly,
                           "prebackupvalidation": {"status": validation, "code": "UserErrorSQLNoSysadminMembership", "message": "no sysadmin"}}}


def test_names_azure_uses():
    assert sql.container_name("rg-sql", "vm-sql-01") == CONTAINER
    assert sql.parent_item_name("availability_group", "ag1") == "SQLAvailabilityGroupContainer;ag1"
    assert sql.parent_item_name("instance", "MSSQLSERVER") == "SQLInstance;MSSQLSERVER"
    assert sql.intent_name(CONTAINER, "SQLInstance;A") == sql.intent_name(CONTAINER.lower(), "sqlinstance;a")


def test_listings_are_matched_without_case():
    databases, parents = sql.index_protectable([protectable("SQLInstance;MSSQLSERVER", "SQLInstance", "MSSQLSERVER", "MSSQLSERVER"),
                                                protectable("SQLDataBase;MSSQLSERVER;Sales", "SQLDataBase", "MSSQLSERVER", "Sales")])
    assert sql.database_key(CONTAINER, "mssqlserver", "sales") in databases
    assert f"{CONTAINER};SQLInstance;MSSQLSERVER".lower() in parents
    items = sql.index_protected([{"name": "SQLDataBase;mssqlserver;sales", "properties": {"containerName": CONTAINER}}])
    assert list(items) == [sql.database_key(CONTAINER, "MSSQLSERVER", "Sales")]


def test_azure_reasons_are_read_from_the_listings():
    assert sql.validation_failure(protectable("x", "SQLDataBase", "I", "x", "Failed")).startswith(
        "Azure's pre-backup validation failed: UserErrorSQLNoSysadminMembership")
    assert sql.validation_failure(protectable("x", "SQLDataBase", "I", "x")) is None
    container = {"properties": {"registrationStatus": "Registered",
                                "extendedInfo": {"inquiryInfo": {"status": "Failed", "errorDetail": {"code": "C", "message": "M"}}}}}
    assert sql.is_registered(container) and sql.inquiry_failure(container) == "the SQL discovery on the VM failed: C: M"
    intent = {"properties": {"itemId": f"{VAULT}/backupFabrics/Azure/protectionContainers/{CONTAINER}/protectableItems/SQLInstance;A"}}
    assert sql.intent_target(intent) == (CONTAINER.lower(), "sqlinstance;a")


@pytest.mark.parametrize("database, state, backup_now, words", [
    ({"name": "tempdb"}, "present", None, "does not back up tempdb"),
    ({"name": "master"}, "present", "log", "only full backups of master"),
    ({"name": "MASTER"}, "present", "differential", "only full backups of master"),
])
def test_system_database_refusals(database, state, backup_now, words):
    assert any(words in error for error in sql.database_errors(database, state, backup_now))


def test_system_databases_otherwise_allowed():
    assert sql.database_errors({"name": "master"}, "present", "full") == []
    assert sql.database_errors({"name": "tempdb"}, "stopped", None) == []


def test_backup_expiry_defaults_and_limits():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert sql.backup_expiry("full", now=now) == "2026-02-15T00:00:00Z"
    assert sql.backup_expiry("copy_only_full", 10, now=now) == "2026-01-11T00:00:00Z"
    assert sql.backup_expiry("log") is None
    with pytest.raises(ValueError, match="policy says"):
        sql.backup_expiry("differential", 10)
    with pytest.raises(ValueError, match="allowed 1-36135"):
        sql.backup_expiry("full", 0)


def test_bodies():
    assert stop_body(sql.SQL_DATABASE_ITEM, "BackupsSuspended", "p")["properties"] == {
        "protectedItemType": "AzureVmWorkloadSQLDatabase", "workloadType": "SQLDataBase", "policyId": "p", "protectionState": "BackupsSuspended"}
    assert stop_body(sql.SQL_DATABASE_ITEM, "ProtectionStopped", "p")["properties"]["policyId"] == ""
    assert undelete_body(sql.SQL_DATABASE_ITEM)["properties"]["isRehydrate"] is True
    assert "policyId" not in sql.SQL_DATABASE_ITEM
    assert sql.backup_body("copy_only_full", "2026-02-01T00:00:00Z")["properties"]["backupType"] == "CopyOnlyFull"
    assert "recoveryPointExpiryTimeInUTC" not in sql.backup_body("log", None)["properties"]
    assert sql.register_body("/vm", reregister=True)["properties"]["operationType"] == "Reregister"


POINTS = [{"name": "111", "properties": {"recoveryPointTimeInUTC": "2026-01-01T00:00:00Z"}},
          {"name": "222", "properties": {"recoveryPointTimeInUTC": "2026-01-02T00:00:00Z"}},
          {"name": "DefaultRangeRecoveryPoint", "properties": {"timeRanges": [{"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-02T06:00:00Z"}]}}]


def test_points_and_log_chain():
    assert restore.choose_full_point(POINTS, None)["name"] == "222"
    assert restore.choose_full_point(POINTS, "111")["name"] == "111"
    assert restore.choose_full_point(POINTS, "999") is None
    ranges = restore.log_ranges(POINTS)
    assert restore.covered(datetime(2026, 1, 2, 5, tzinfo=timezone.utc), ranges)
    assert not restore.covered(datetime(2026, 1, 2, 7, tzinfo=timezone.utc), ranges)


def test_restore_bodies():
    moment = datetime(2026, 1, 2, 5, 30, 15, tzinfo=timezone.utc)
    alternate = restore.restore_properties("alternate", "/vm", moment, {"container_id": "/c", "database_name": "I/new", "overwrite": False})
    assert alternate["objectType"] == "AzureWorkloadSQLPointInTimeRestoreRequest" and alternate["pointInTime"] == "2026-01-02T05:30:15Z"
    assert alternate["targetInfo"] == {"overwriteOption": "FailOnConflict", "containerId": "/c", "databaseName": "I/new"}
    files = restore.restore_properties("files", "/vm", None, {"container_id": "/c", "directory": "F:\\r"})
    assert files["objectType"] == "AzureWorkloadSQLRestoreRequest" and files["recoveryMode"] == "FileRecovery"
    assert restore.restore_properties("original", "/vm")["targetInfo"] == {"overwriteOption": "Overwrite"}


def test_an_earlier_restore_is_matched_on_type_time_and_target():
    moment = datetime(2026, 1, 2, 5, 30, 15, tzinfo=timezone.utc)
    job = {"properties": {"extendedInfo": {"propertyBag": {"Job Type": "Restore to alternate location", "Recovery point time": "2026-01-02T05:30:15.4Z",
                                                           "Target Server Name": "vm-2", "Target Database Name": "I/new"}}}}
    assert restore.job_matches(job, "alternate", moment, "VM-2", "i/new", "")
    assert not restore.job_matches(job, "alternate", moment, "vm-2", "I/other", "")
    assert not restore.job_matches(job, "original", moment, "", "", "")


def test_vm_and_group_names_longer_than_azure_allows():
    assert sql.server_errors("rg-" + "x" * 40, "vm-" + "y" * 38) == []
    assert "85 characters" in sql.server_errors("rg-" + "x" * 40, "vm-" + "y" * 39)[0]
