"""Backup policy writes through azure-mgmt-recoveryservicesbackup 11.2.0: 200 vs 202, Azure's
validation, the in-use refusal on delete and protectedItemsCount."""

import time
from datetime import datetime, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
from azure.mgmt.recoveryservicesbackup.models import (AzureIaaSVMProtectionPolicy, DailyRetentionSchedule, HourlySchedule,
                                                      LongTermRetentionPolicy, OperationStatusJobsExtendedInfo, ProtectionPolicyResource,
                                                      RetentionDuration, SimpleSchedulePolicy, SimpleSchedulePolicyV2)

from backup_flow import operation_id, put_item, raw_response
from helpers import GROUP, SUBSCRIPTION
from vm_estate import APP_GROUP, VAULT, vm_estate

RUN_TIME = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def policy_world(emu, fresh_world):
    emu.load_estate(vm_estate([{"generate": {"count": 3, "namePrefix": "vm-pol-", "resourceGroup": APP_GROUP,
                                             "protectedBy": {"vault": VAULT, "resourceGroup": GROUP, "policy": "DefaultPolicy"}}}]))
    emu.settings.update({"retry_after": 0})


@pytest.fixture(scope="module")
def backup_client(emu, credential):
    return RecoveryServicesBackupClient(credential, SUBSCRIPTION, base_url=emu.endpoint, connection_verify=emu.ca_file,
                                        credential_scopes=["https://management.azure.com/.default"], polling_interval=0.1)


def daily_policy(days=30, instant_days=2, frequency="Daily", run_time=RUN_TIME):
    schedule = SimpleSchedulePolicy(schedule_run_frequency=frequency, schedule_run_times=[run_time])
    retention = LongTermRetentionPolicy(daily_schedule=DailyRetentionSchedule(
        retention_times=[run_time], retention_duration=RetentionDuration(count=days, duration_type="Days")))
    return ProtectionPolicyResource(properties=AzureIaaSVMProtectionPolicy(
        schedule_policy=schedule, retention_policy=retention, instant_rp_retention_range_in_days=instant_days, time_zone="UTC",
        policy_type="V1"))


def hourly_policy(interval=4, instant_days=7):
    schedule = SimpleSchedulePolicyV2(schedule_run_frequency="Hourly", hourly_schedule=HourlySchedule(
        interval=interval, schedule_window_start_time=datetime(2026, 1, 1, 8, tzinfo=timezone.utc), schedule_window_duration=12))
    retention = LongTermRetentionPolicy(daily_schedule=DailyRetentionSchedule(
        retention_times=[datetime(2026, 1, 1, 8, tzinfo=timezone.utc)], retention_duration=RetentionDuration(count=30, duration_type="Days")))
    return ProtectionPolicyResource(properties=AzureIaaSVMProtectionPolicy(
        schedule_policy=schedule, retention_policy=retention, instant_rp_retention_range_in_days=instant_days, policy_type="V2"))


def test_new_policy_answers_200_with_normalised_times(backup_client):
    created = backup_client.protection_policies.create_or_update(VAULT, GROUP, "daily-2330", daily_policy())
    assert isinstance(created.properties, AzureIaaSVMProtectionPolicy)
    assert created.properties.protected_items_count == 0
    raw_times = created.as_dict()["properties"]["schedulePolicy"]["scheduleRunTimes"]
    assert raw_times == ["2026-03-01T23:30:00Z"]
    assert backup_client.protection_policies.get(VAULT, GROUP, "daily-2330").properties.retention_policy.daily_schedule \
        .retention_duration.count == 30
    hourly = backup_client.protection_policies.create_or_update(VAULT, GROUP, "hourly-4h", hourly_policy())
    assert isinstance(hourly.properties.schedule_policy, SimpleSchedulePolicyV2)


@pytest.mark.parametrize("body", [
    daily_policy(frequency="Hourly"),          # hourly needs an Enhanced (V2) policy
    daily_policy(days=3),                      # daily retention is 7-9999 days
    daily_policy(instant_days=6),              # V1 instant restore is 1-5 days
    hourly_policy(interval=5),                 # intervals are 4, 6, 8 or 12 hours
    hourly_policy(instant_days=31),            # V2 instant restore is 1-30 days
    daily_policy(run_time=datetime(2026, 3, 1, 23, 15, tzinfo=timezone.utc)),  # on the hour or half hour
], ids=["hourly-v1", "retention-3-days", "instant-6-days-v1", "interval-5", "instant-31-days-v2", "quarter-past"])
def test_invalid_policies_are_refused_like_azure(backup_client, body, raw):
    with pytest.raises(HttpResponseError) as caught:
        backup_client.protection_policies.create_or_update(VAULT, GROUP, "bad", body)
    assert caught.value.status_code == 400 and caught.value.error.code == "BMSUserErrorInvalidPolicyInput"
    assert "Retry-After" not in caught.value.response.headers
    with pytest.raises(ResourceNotFoundError):
        backup_client.protection_policies.get(VAULT, GROUP, "bad")


def test_changing_a_policy_in_use_is_202_and_updates_its_items(backup_client, raw):
    before = backup_client.protection_policies.get(VAULT, GROUP, "DefaultPolicy")
    assert before.properties.protected_items_count == 3
    response = backup_client.protection_policies.create_or_update(VAULT, GROUP, "DefaultPolicy", daily_policy(days=60), cls=raw_response)
    assert response.http_response.status_code == 202
    headers = response.http_response.headers
    assert "/backupPolicies/DefaultPolicy/operations/" in headers["Azure-AsyncOperation"]
    assert "/backupPolicies/DefaultPolicy/operationResults/" in headers["Location"]
    op = operation_id(headers["Azure-AsyncOperation"])
    assert backup_client.protection_policies.get(VAULT, GROUP, "DefaultPolicy").properties.retention_policy.daily_schedule \
        .retention_duration.count == 30
    for dummy in range(50):
        status = backup_client.protection_policy_operation_statuses.get(VAULT, GROUP, "DefaultPolicy", op)
        if status.status != "InProgress":
            break
        time.sleep(0.1)
    assert status.status == "Succeeded" and isinstance(status.properties, OperationStatusJobsExtendedInfo)
    assert len(status.properties.job_ids) == 3
    jobs = [backup_client.job_details.get(VAULT, GROUP, job) for job in status.properties.job_ids]
    assert {(job.properties.operation, job.properties.status) for job in jobs} == {("ConfigureBackup", "Completed")}
    result = backup_client.protection_policy_operation_results.get(VAULT, GROUP, "DefaultPolicy", op)
    assert result.properties.retention_policy.daily_schedule.retention_duration.count == 60
    assert result.properties.protected_items_count == 3


def test_delete_policy_in_use_is_refused_then_allowed(backup_client):
    with pytest.raises(HttpResponseError) as caught:
        backup_client.protection_policies.begin_delete(VAULT, GROUP, "DefaultPolicy").result()
    assert caught.value.error.code == "BMSUserErrorPolicyObjectInUse"
    for number in (1, 2, 3):
        put_item(backup_client, f"vm-pol-{number:04d}", {"policyId": "", "protectionState": "ProtectionStopped"})
    assert backup_client.protection_policies.get(VAULT, GROUP, "DefaultPolicy").properties.protected_items_count == 0
    backup_client.protection_policies.begin_delete(VAULT, GROUP, "DefaultPolicy").result()
    with pytest.raises(ResourceNotFoundError):
        backup_client.protection_policies.get(VAULT, GROUP, "DefaultPolicy")
    assert backup_client.protection_policies.begin_delete(VAULT, GROUP, "DefaultPolicy").result() is None


def test_delete_of_an_unused_policy_is_200_empty_without_lro_headers(backup_client, raw):
    """Azure's recorded answer: 200, no body, no Azure-AsyncOperation/Location/Retry-After; gone at once."""
    path = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.RecoveryServices/vaults/{VAULT}/backupPolicies/EnhancedPolicy"
    answer = raw.arm("DELETE", path, api_version="2026-10-01")
    assert (answer.status_code, answer.content) == (200, b"")
    assert not {"Azure-AsyncOperation", "Location", "Retry-After"} & set(answer.headers)
    with pytest.raises(ResourceNotFoundError):
        backup_client.protection_policies.get(VAULT, GROUP, "EnhancedPolicy")


def test_enum_values_in_any_casing_are_answered_in_azure_spelling(raw):
    wire = {"properties": {"backupManagementType": "azureiaasvm", "policyType": "v1", "instantRpRetentionRangeInDays": 2,
                           "schedulePolicy": {"schedulePolicyType": "simpleschedulepolicy", "scheduleRunFrequency": "daily",
                                              "scheduleRunTimes": ["2026-01-01T22:00:00Z"]},
                           "retentionPolicy": {"retentionPolicyType": "longtermretentionpolicy", "dailySchedule": {
                               "retentionTimes": ["2026-01-01T22:00:00Z"], "retentionDuration": {"count": 30, "durationType": "days"}}}}}
    path = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.RecoveryServices/vaults/{VAULT}/backupPolicies/pol-case"
    answer = raw.arm("PUT", path, wire, api_version="2026-10-01")
    assert answer.status_code == 200, answer.text
    stored = answer.json()["properties"]
    assert (stored["backupManagementType"], stored["policyType"]) == ("AzureIaasVM", "V1")
    assert (stored["schedulePolicy"]["schedulePolicyType"], stored["schedulePolicy"]["scheduleRunFrequency"]) == ("SimpleSchedulePolicy", "Daily")
    assert stored["retentionPolicy"]["dailySchedule"]["retentionDuration"]["durationType"] == "Days"


def test_counts_in_the_list(backup_client):
    counts = {policy.name: policy.properties.protected_items_count
              for policy in backup_client.backup_policies.list(VAULT, GROUP, filter="backupManagementType eq 'AzureIaasVM'")}
    assert counts == {"DefaultPolicy": 3, "EnhancedPolicy": 0}
