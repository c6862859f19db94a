"""SQL Server in Azure VMs through azure-mgmt-recoveryservicesbackup's own models: registration, inquiry,
protectable items, auto-protection intents, protection, on-demand backups, the log chain, restores and refusals."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
from azure.mgmt.recoveryservicesbackup.models import (AzureVMAppContainerProtectionContainer, AzureVmWorkloadSQLDatabaseProtectedItem,
                                                      AzureWorkloadBackupRequest, AzureWorkloadJob, AzureWorkloadSQLAutoProtectionIntent,
                                                      AzureWorkloadSQLPointInTimeRestoreRequest, AzureWorkloadSQLRestoreRequest, BackupRequestResource,
                                                      ProtectedItemResource, ProtectionContainerResource, ProtectionIntentResource,
                                                      RestoreRequestResource, TargetRestoreInfo)

from backup_flow import FABRIC, raw_response
from helpers import GROUP, SUBSCRIPTION, vault_path
from vm_estate import APP_GROUP, VAULT, vm_estate

SQL_VMS = [{"name": "vm-sql-01", "resourceGroup": APP_GROUP, "osType": "Windows"},
           {"name": "vm-sql-02", "resourceGroup": APP_GROUP, "osType": "Windows"},
           {"name": "vm-sql-nosysadmin", "resourceGroup": APP_GROUP, "osType": "Windows"}]
SQL_SERVERS = [{"vm": "vm-sql-01", "resourceGroup": APP_GROUP,
                "instances": [{"name": "MSSQLSERVER", "databases": ["sales", "hr"]}],
                "availabilityGroups": [{"name": "ag-orders", "databases": ["orders"]}]},
               {"vm": "vm-sql-02", "resourceGroup": APP_GROUP, "instances": [{"name": "MSSQLSERVER"}, {"name": "REPORTING", "databaseCount": 2}]},
               {"vm": "vm-sql-nosysadmin", "resourceGroup": APP_GROUP, "sysadmin": False, "instances": [{"name": "MSSQLSERVER", "databases": ["app"]}]}]
SQL_FILTER = "backupManagementType eq 'AzureWorkload' and workloadType eq 'SQLDataBase'"


@pytest.fixture(autouse=True)
def sql_world(emu, fresh_world):
    estate = vm_estate(SQL_VMS)
    estate["sqlServers"] = SQL_SERVERS
    emu.load_estate(estate)
    emu.settings.update({"retry_after": 0})


@pytest.fixture(scope="module")
def client(emu, credential):
    return RecoveryServicesBackupClient(credential, SUBSCRIPTION, base_url=emu.endpoint, connection_verify=emu.ca_file,
                                        credential_scopes=["https://management.azure.com/.default"], polling_interval=0.1)


def props(model):
    return model.as_dict()["properties"]


def vm_id(name):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{APP_GROUP}/providers/Microsoft.Compute/virtualMachines/{name}"


def container(vm):
    return f"VMAppContainer;Compute;{APP_GROUP};{vm}"


def policy_id(name="HourlyLogBackup"):
    return f"{vault_path(VAULT)}/backupPolicies/{name}"


def register(client, vm, operation_type="Register"):
    properties = AzureVMAppContainerProtectionContainer(backup_management_type="AzureWorkload", source_resource_id=vm_id(vm),
                                                        workload_type="SQLDataBase", operation_type=operation_type)
    return client.protection_containers.begin_register(VAULT, GROUP, FABRIC, container(vm),
                                                       ProtectionContainerResource(properties=properties)).result()


def protectable(client):
    return list(client.backup_protectable_items.list(VAULT, GROUP, filter=SQL_FILTER))


def protect(client, vm, item, policy="HourlyLogBackup"):
    body = ProtectedItemResource(properties=AzureVmWorkloadSQLDatabaseProtectedItem(policy_id=policy_id(policy), workload_type="SQLDataBase"))
    return client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container(vm), item, body).result()


def wait_job(client, name):
    for dummy in range(100):
        job = client.job_details.get(VAULT, GROUP, name)
        if job.properties.status not in ("InProgress", "Cancelling"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {name} never finished")


def backup(client, vm, item, backup_type, expiry=None):
    request = BackupRequestResource(properties=AzureWorkloadBackupRequest(backup_type=backup_type, recovery_point_expiry_time_in_utc=expiry))
    started = client.backups.trigger(VAULT, GROUP, FABRIC, container(vm), item, request, cls=raw_response)
    assert started.http_response.status_code == 202
    for dummy in range(50):
        status = client.backup_operation_statuses.get(VAULT, GROUP, started.http_response.headers["Location"].split("?")[0].rsplit("/", 1)[-1])
        if status.status != "InProgress":
            return wait_job(client, status.properties.job_id)
        time.sleep(0.05)
    raise AssertionError("backup never started")


def test_register_runs_the_first_inquiry_and_lists_sql_items(client):
    registered = props(register(client, "vm-sql-01"))  # two-level discriminators give the base model (contract §7.1)
    assert registered["containerType"] == "VMAppContainer" and registered["registrationStatus"] == "Registered"
    assert registered["extendedInfo"]["inquiryInfo"]["status"] == "Success"
    containers = list(client.backup_protection_containers.list(VAULT, GROUP, filter="backupManagementType eq 'AzureWorkload'"))
    assert [entry.name for entry in containers] == [container("vm-sql-01")]
    items = {entry.name: props(entry) for entry in protectable(client)}
    assert set(items) == {"SQLInstance;MSSQLSERVER", "SQLAvailabilityGroupContainer;ag-orders", "SQLDataBase;MSSQLSERVER;master",
                          "SQLDataBase;MSSQLSERVER;model", "SQLDataBase;MSSQLSERVER;msdb", "SQLDataBase;MSSQLSERVER;sales",
                          "SQLDataBase;MSSQLSERVER;hr", "SQLDataBase;ag-orders;orders"}
    instance = items["SQLInstance;MSSQLSERVER"]
    assert instance["protectableItemType"] == "SQLInstance" and instance["isAutoProtectable"] and instance["subinquireditemcount"] == 5
    assert items["SQLDataBase;MSSQLSERVER;sales"]["serverName"] == "vm-sql-01"
    assert items["SQLDataBase;MSSQLSERVER;sales"]["parentName"] == items["SQLDataBase;MSSQLSERVER;sales"]["parentUniqueName"] == "MSSQLSERVER"
    assert items["SQLDataBase;MSSQLSERVER;sales"]["prebackupvalidation"]["status"] == "Success"


def test_nothing_is_listed_for_azure_workload_before_registration_and_no_tempdb(client):
    assert protectable(client) == []
    register(client, "vm-sql-02")
    names = [entry.name for entry in protectable(client)]
    assert "SQLDataBase;REPORTING;db0002" in names and not [name for name in names if "tempdb" in name]


def test_register_refusals(client, emu):
    with pytest.raises(HttpResponseError) as refused:
        register(client, "vm-linux-01")  # no SQL Server on it
    assert refused.value.error.code == "BMSUserErrorNoWorkloadFound"
    with pytest.raises(HttpResponseError) as refused:
        register(client, "vm-sql-01", operation_type="Reregister")
    assert refused.value.status_code == 404
    assert emu.store.find(lambda key, _: "vmappcontainer;" in key) == []


def test_protect_database_ir_pending_then_full_log_differential(client):
    register(client, "vm-sql-01")
    item = props(protect(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales"))
    assert item["protectedItemType"] == "AzureVmWorkloadSQLDatabase"
    assert item["protectionState"] == "IRPending" and item["parentName"] == "MSSQLSERVER"
    with pytest.raises(HttpResponseError) as refused:
        backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales", "Log")
    assert refused.value.error.code == "UserErrorParentFullBackupMissing"
    job = backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales", "Full")
    assert isinstance(job.properties, AzureWorkloadJob) and job.properties.operation == "Backup (Full)"
    assert job.properties.status == "Completed"
    backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales", "Log")
    backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales", "Differential")
    expiry = datetime.now(timezone.utc) + timedelta(days=30)
    backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales", "CopyOnlyFull", expiry)
    points = list(client.recovery_points.list(VAULT, GROUP, FABRIC, container("vm-sql-01"), "SQLDataBase;mssqlserver;sales"))
    kinds = sorted(props(point)["objectType"] for point in points)
    assert kinds == ["AzureWorkloadSQLPointInTimeRecoveryPoint"] + ["AzureWorkloadSQLRecoveryPoint"] * 3
    logs = list(client.recovery_points.list(VAULT, GROUP, FABRIC, container("vm-sql-01"), "SQLDataBase;mssqlserver;sales",
                                            filter="restorePointQueryType eq 'Log'"))
    assert [point.name for point in logs] == ["DefaultRangeRecoveryPoint"]
    span = props(logs[0])["timeRanges"][0]
    assert span["startTime"] < span["endTime"]
    item = props(client.protected_items.get(VAULT, GROUP, FABRIC, container("vm-sql-01"), "SQLDataBase;mssqlserver;sales"))
    assert item["protectionState"] == "Protected" and item["lastBackupStatus"] == "Healthy"
    jobs = list(client.backup_jobs.list(VAULT, GROUP, filter="backupManagementType eq 'AzureWorkload'"))
    assert len(jobs) == 5 and {job.properties.job_type for job in jobs} == {"AzureWorkloadJob"}


def test_master_takes_only_full_backups(client):
    register(client, "vm-sql-01")
    protect(client, "vm-sql-01", "SQLDataBase;mssqlserver;master")
    backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;master", "Full")
    with pytest.raises(HttpResponseError) as refused:
        backup(client, "vm-sql-01", "SQLDataBase;mssqlserver;master", "Log")
    assert "Only full backups" in refused.value.error.message


def test_protect_refusals_write_nothing(client, emu):
    register(client, "vm-sql-01")
    register(client, "vm-sql-nosysadmin")
    before = len(emu.store.find(lambda key, _: "/protecteditems/" in key))
    with pytest.raises(HttpResponseError) as refused:
        protect(client, "vm-sql-01", "SQLDataBase;mssqlserver;tempdb")
    assert refused.value.error.code == "BMSUserErrorWorkloadItemNotFound"
    with pytest.raises(HttpResponseError) as refused:
        protect(client, "vm-sql-nosysadmin", "SQLDataBase;mssqlserver;app")
    assert refused.value.error.code == "UserErrorSQLNoSysadminMembership"
    with pytest.raises(HttpResponseError) as refused:
        protect(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales", policy="DefaultPolicy")
    assert refused.value.error.code == "BMSUserErrorInvalidPolicyForGivenProvider"
    with pytest.raises(ResourceNotFoundError):
        protect(client, "vm-sql-02", "SQLDataBase;mssqlserver;master")  # not registered
    assert len(emu.store.find(lambda key, _: "/protecteditems/" in key)) == before
    failed = {entry.name: props(entry)["prebackupvalidation"] for entry in protectable(client) if "app" in entry.name}
    assert failed["SQLDataBase;MSSQLSERVER;app"]["code"] == "UserErrorSQLNoSysadminMembership"


def test_a_new_database_is_found_by_inquiry(client, raw):
    register(client, "vm-sql-02")
    server = raw.control("POST", "sql/databases", {"vmId": vm_id("vm-sql-02"), "instance": "MSSQLSERVER", "database": "newdb"})
    assert server.status_code == 200
    started = client.protection_containers.inquire(VAULT, GROUP, FABRIC, container("vm-sql-02"), filter="workloadType eq 'SQLDataBase'",
                                                   cls=raw_response)
    assert started.http_response.status_code == 202 and "Retry-After" not in started.http_response.headers
    assert "SQLDataBase;MSSQLSERVER;newdb" in [entry.name for entry in protectable(client)]


def test_auto_protection_protects_now_and_later(client, raw):
    register(client, "vm-sql-02")
    item_id = f"{vault_path(VAULT)}/backupFabrics/Azure/protectionContainers/{container('vm-sql-02')}/protectableItems/SQLInstance;REPORTING"
    intent = ProtectionIntentResource(properties=AzureWorkloadSQLAutoProtectionIntent(item_id=item_id, policy_id=policy_id(),
                                                                                      workload_item_type="SQLInstance"))
    made = client.protection_intent.create_or_update(VAULT, GROUP, FABRIC, "intent-reporting", intent)
    assert props(made)["protectionState"] == "Protected"

    def protected():
        return sorted(entry.name for entry in client.backup_protected_items.list(VAULT, GROUP, filter="backupManagementType eq 'AzureWorkload'"))

    assert protected() == ["SQLDataBase;reporting;db0001", "SQLDataBase;reporting;db0002", "SQLDataBase;reporting;master",
                           "SQLDataBase;reporting;model", "SQLDataBase;reporting;msdb"]
    raw.control("POST", "sql/databases", {"vmId": vm_id("vm-sql-02"), "instance": "REPORTING", "database": "late"})
    assert "SQLDataBase;reporting;late" in protected()
    intents = list(client.backup_protection_intent.list(VAULT, GROUP, filter="backupManagementType eq 'AzureWorkload' and itemName eq 'REPORTING'"))
    assert [entry.name for entry in intents] == ["intent-reporting"]
    flags = {entry.name: props(entry)["isAutoProtected"] for entry in protectable(client) if entry.name.startswith("SQLInstance")}
    assert flags == {"SQLInstance;MSSQLSERVER": False, "SQLInstance;REPORTING": True}


def test_stop_keep_data_resume_delete_undelete(client):
    register(client, "vm-sql-01")
    name = "SQLDataBase;mssqlserver;hr"
    protect(client, "vm-sql-01", name)
    body = {"properties": {"protectedItemType": "AzureVmWorkloadSQLDatabase", "protectionState": "ProtectionStopped", "policyId": ""}}
    stopped = client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, body).result()
    assert props(stopped)["protectionState"] == "ProtectionStopped" and not props(stopped)["policyId"]
    assert props(protect(client, "vm-sql-01", name))["protectionState"] == "IRPending"
    client.protected_items.delete(VAULT, GROUP, FABRIC, container("vm-sql-01"), name)
    time.sleep(0.5)
    item = client.protected_items.get(VAULT, GROUP, FABRIC, container("vm-sql-01"), name)
    assert props(item)["isScheduledForDeferredDelete"]
    body = {"properties": {"protectedItemType": "AzureVmWorkloadSQLDatabase", "protectionState": "ProtectionStopped", "isRehydrate": True}}
    undeleted = client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, body).result()
    assert not props(undeleted)["isScheduledForDeferredDelete"]


def test_restores_point_in_time_alternate_and_files(client, emu):
    register(client, "vm-sql-01")
    register(client, "vm-sql-02")
    name = "SQLDataBase;mssqlserver;sales"
    protect(client, "vm-sql-01", name)
    backup(client, "vm-sql-01", name, "Full")
    time.sleep(0.3)
    backup(client, "vm-sql-01", name, "Log")
    log = list(client.recovery_points.list(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, filter="restorePointQueryType eq 'Log'"))[0]
    span = {key: datetime.fromisoformat(value.replace("Z", "+00:00")) for key, value in props(log)["timeRanges"][0].items()}
    middle = span["startTime"] + (span["endTime"] - span["startTime"]) / 2
    target = f"{vault_path(VAULT)}/backupFabrics/Azure/protectionContainers/{container('vm-sql-02')}"
    request = AzureWorkloadSQLPointInTimeRestoreRequest(
        recovery_type="AlternateLocation", point_in_time=middle, source_resource_id=vm_id("vm-sql-01"),
        target_info=TargetRestoreInfo(overwrite_option="FailOnConflict", container_id=target, database_name="REPORTING/sales_restored"))
    started = client.restores.begin_trigger(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, "DefaultRangeRecoveryPoint",
                                            RestoreRequestResource(properties=request), polling=False)
    assert started is not None
    late = AzureWorkloadSQLPointInTimeRestoreRequest(recovery_type="OriginalLocation", point_in_time=span["endTime"] + timedelta(hours=1),
                                                     target_info=TargetRestoreInfo(overwrite_option="Overwrite"))
    with pytest.raises(HttpResponseError) as refused:
        client.restores.begin_trigger(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, "DefaultRangeRecoveryPoint",
                                      RestoreRequestResource(properties=late), polling=False).result()
    assert refused.value.error.code == "UserErrorPointInTimeNotInLogChain"
    full = [point for point in client.recovery_points.list(VAULT, GROUP, FABRIC, container("vm-sql-01"), name)
            if props(point)["objectType"] == "AzureWorkloadSQLRecoveryPoint"][0]
    no_overwrite = AzureWorkloadSQLRestoreRequest(recovery_type="OriginalLocation", target_info=TargetRestoreInfo(overwrite_option="FailOnConflict"))
    with pytest.raises(HttpResponseError):
        client.restores.begin_trigger(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, full.name,
                                      RestoreRequestResource(properties=no_overwrite), polling=False).result()
    files = AzureWorkloadSQLRestoreRequest(recovery_type="AlternateLocation", recovery_mode="FileRecovery",
                                           target_info=TargetRestoreInfo(overwrite_option="Overwrite", container_id=target,
                                                                         target_directory_for_file_restore="F:\\restore"))
    client.restores.begin_trigger(VAULT, GROUP, FABRIC, container("vm-sql-01"), name, full.name, RestoreRequestResource(properties=files),
                                  polling=False)
    for dummy in range(60):
        jobs = list(client.backup_jobs.list(VAULT, GROUP, filter="operation eq 'Restore'"))
        if len(jobs) == 2 and all(job.properties.status == "Completed" for job in jobs):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("restore jobs did not complete")
    server = emu.store.get(vm_id("vm-sql-02") + "/armemu/sqlServer")
    assert "sales_restored" in server["instances"]["REPORTING"]["databases"]


def test_unregister_refused_while_databases_are_protected(client):
    register(client, "vm-sql-01")
    protect(client, "vm-sql-01", "SQLDataBase;mssqlserver;sales")
    with pytest.raises(HttpResponseError) as refused:
        client.protection_containers.unregister(VAULT, GROUP, FABRIC, container("vm-sql-01"))
    assert refused.value.error.code == "BMSUserErrorContainerHasDatasources"


def sql_policy(full="Weekly", differential_day="Wednesday", log_minutes=60, log_days=15, differential_days=30, time_zone="UTC"):
    full_schedule = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": full, "scheduleRunTimes": ["2026-01-01T22:00:00Z"]}
    retention = {"retentionPolicyType": "LongTermRetentionPolicy"}
    if full == "Weekly":
        full_schedule["scheduleRunDays"] = ["Sunday"]
        retention["weeklySchedule"] = {"daysOfTheWeek": ["Sunday"], "retentionTimes": ["2026-01-01T22:00:00Z"],
                                       "retentionDuration": {"count": 8, "durationType": "Weeks"}}
    else:
        retention["dailySchedule"] = {"retentionTimes": ["2026-01-01T22:00:00Z"], "retentionDuration": {"count": 30, "durationType": "Days"}}
    subs = [{"policyType": "Full", "schedulePolicy": full_schedule, "retentionPolicy": retention},
            {"policyType": "Log", "schedulePolicy": {"schedulePolicyType": "LogSchedulePolicy", "scheduleFrequencyInMins": log_minutes},
             "retentionPolicy": {"retentionPolicyType": "SimpleRetentionPolicy", "retentionDuration": {"count": log_days, "durationType": "Days"}}}]
    if differential_day:
        subs.append({"policyType": "Differential",
                     "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Weekly",
                                        "scheduleRunDays": [differential_day], "scheduleRunTimes": ["2026-01-01T02:00:00Z"]},
                     "retentionPolicy": {"retentionPolicyType": "SimpleRetentionPolicy",
                                         "retentionDuration": {"count": differential_days, "durationType": "Days"}}})
    return {"properties": {"backupManagementType": "AzureWorkload", "workLoadType": "SQLDataBase",
                           "settings": {"timeZone": time_zone, "issqlcompression": True}, "subProtectionPolicy": subs}}


def test_sql_policy_accepted_and_read_back(client):
    made = client.protection_policies.create_or_update(VAULT, GROUP, "sql-weekly", sql_policy())
    read = props(client.protection_policies.get(VAULT, GROUP, "sql-weekly"))
    assert props(made)["workLoadType"] == "SQLDataBase" and read["settings"]["issqlcompression"] is True
    assert sorted(sub["policyType"] for sub in read["subProtectionPolicy"]) == ["Differential", "Full", "Log"]
    listed = [policy.name for policy in client.backup_policies.list(VAULT, GROUP, filter="backupManagementType eq 'AzureWorkload'")]
    assert set(listed) == {"HourlyLogBackup", "sql-weekly"}


@pytest.mark.parametrize("changes, words", [
    ({"full": "Daily"}, "needs a weekly Full"),
    ({"differential_day": "Sunday"}, "a day of the Full backup"),
    ({"log_minutes": 10}, "every 15-1440 minutes"),
    ({"log_minutes": 1500}, "every 15-1440 minutes"),
    ({"log_days": 36}, "7-35 Days"),
    ({"differential_days": 181}, "7-180 Days"),
])
def test_sql_policy_refusals(client, emu, changes, words):
    with pytest.raises(HttpResponseError) as refused:
        client.protection_policies.create_or_update(VAULT, GROUP, "sql-bad", sql_policy(**changes))
    assert refused.value.error.code == "BMSUserErrorInvalidPolicyInput" and words in refused.value.error.message
    assert emu.store.get(f"{vault_path(VAULT)}/backupPolicies/sql-bad") is None


def test_sql_policy_time_zone_must_be_a_windows_id(client):
    with pytest.raises(HttpResponseError) as refused:
        client.protection_policies.create_or_update(VAULT, GROUP, "sql-tz", sql_policy(time_zone="Mars/Olympus"))
    assert refused.value.error.code == "UserErrorInvalidRequestParameter"


def test_intent_delete_answers_204_as_the_spec_says(client):
    register(client, "vm-sql-02")
    item_id = f"{vault_path(VAULT)}/backupFabrics/Azure/protectionContainers/{container('vm-sql-02')}/protectableItems/SQLInstance;MSSQLSERVER"
    intent = ProtectionIntentResource(properties=AzureWorkloadSQLAutoProtectionIntent(item_id=item_id, policy_id=policy_id()))
    client.protection_intent.create_or_update(VAULT, GROUP, FABRIC, "intent-default", intent)
    client.protection_intent.delete(VAULT, GROUP, FABRIC, "intent-default")
    client.protection_intent.delete(VAULT, GROUP, FABRIC, "intent-default")
    assert list(client.backup_protection_intent.list(VAULT, GROUP)) == []


def test_protectable_containers_after_a_refresh_are_the_unregistered_sql_vms(client):
    started = client.protection_containers.refresh(VAULT, GROUP, FABRIC, filter="backupManagementType eq 'AzureWorkload'", cls=raw_response)
    assert started.http_response.status_code == 202
    register(client, "vm-sql-01")
    time.sleep(0.5)
    found = list(client.protectable_containers.list(VAULT, GROUP, FABRIC, filter="backupManagementType eq 'AzureWorkload'"))
    assert sorted(entry.name for entry in found) == [container("vm-sql-02"), container("vm-sql-nosysadmin")]
    assert {props(entry)["protectableContainerType"] for entry in found} == {"VMAppContainer"}
    unfiltered = list(client.protectable_containers.list(VAULT, GROUP, FABRIC))  # $filter is optional (spec): every kind
    assert [entry.name for entry in unfiltered if props(entry)["backupManagementType"] == "AzureWorkload"] == [entry.name for entry in found]


def test_register_refuses_names_longer_than_84_characters(client, emu):
    long_group = "rg-" + "x" * 60
    estate = vm_estate(SQL_VMS + [{"name": "vm-sql-" + "y" * 20, "resourceGroup": long_group, "osType": "Windows"}])
    estate["resourceGroups"] = estate.get("resourceGroups", []) + [{"subscription": SUBSCRIPTION, "name": long_group, "location": "westeurope"}]
    estate["sqlServers"] = SQL_SERVERS + [{"vm": "vm-sql-" + "y" * 20, "resourceGroup": long_group}]
    emu.load_estate(estate)
    vm = "vm-sql-" + "y" * 20
    properties = AzureVMAppContainerProtectionContainer(backup_management_type="AzureWorkload", workload_type="SQLDataBase",
                                                        source_resource_id=f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{long_group}/providers/"
                                                                           f"Microsoft.Compute/virtualMachines/{vm}")
    with pytest.raises(HttpResponseError) as refused:
        client.protection_containers.begin_register(VAULT, GROUP, FABRIC, f"VMAppContainer;Compute;{long_group};{vm}",
                                                    ProtectionContainerResource(properties=properties)).result()
    assert "exceed the 84 characters" in refused.value.error.message
