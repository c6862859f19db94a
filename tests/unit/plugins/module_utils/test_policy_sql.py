"""SQL Server in Azure VM policy view, limits and bodies (plugins/module_utils/_policy_sql.py)."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _policy_sql as sql

# The vault's default HourlyLogBackup policy as Azure returns it (values of a 2026 export).
HOURLY_LOG_BACKUP = {"properties": {
    "backupManagementType": "AzureWorkload", "workLoadType": "SQLDataBase", "protectedItemsCount": 0,
    "settings": {"timeZone": "UTC", "issqlcompression": False, "isCompression": False},
    "subProtectionPolicy": [
        {"policyType": "Full",
         "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                            "scheduleRunTimes": ["2026-01-01T00:00:00Z"], "scheduleWeeklyFrequency": 0},
         "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                             "dailySchedule": {"retentionTimes": ["2026-01-01T00:00:00Z"], "retentionDuration": {"count": 30, "durationType": "Days"}}}},
        {"policyType": "Log", "schedulePolicy": {"schedulePolicyType": "LogSchedulePolicy", "scheduleFrequencyInMins": 60},
         "retentionPolicy": {"retentionPolicyType": "SimpleRetentionPolicy", "retentionDuration": {"count": 30, "durationType": "Days"}}}],
    "makePolicyConsistent": False}}


def options(**given):
    base = {"time_zone": None, "schedule": None, "retention": None, "differential": None, "log": None, "compression": None,
            "policy_type": None, "instant_restore_days": None, "tiering": None}
    base.update(given)
    return base


WEEKLY = options(schedule={"frequency": "Weekly", "days": ["Sunday"], "time": "22:00"},
                 retention={"weekly": {"count": 8, "days": ["Sunday"]}},
                 differential={"day": "Wednesday", "time": "2:00", "retention_days": 30},
                 log={"frequency_minutes": 15, "retention_days": 14}, compression=True)


def test_default_hourly_log_policy_reads_as_a_view():
    view = sql.sql_policy_view(HOURLY_LOG_BACKUP)
    assert view == {"workload": "sql", "time_zone": "UTC", "compression": False, "schedule": {"frequency": "Daily", "time": "00:00"},
                    "retention": {"daily": 30}, "differential": None, "log": {"frequency_minutes": 60, "retention_days": 30}}
    assert sql.is_sql_policy(HOURLY_LOG_BACKUP) and sql.sql_policy_errors(view) == []


def test_round_trip_weekly_full_differential_log():
    view = sql.desired_sql_view(None, WEEKLY)
    assert sql.sql_policy_errors(view) == []
    assert view["differential"] == {"day": "Wednesday", "time": "02:00", "retention_days": 30}
    body = sql.sql_policy_properties(view)
    assert [sub["policyType"] for sub in body["subProtectionPolicy"]] == ["Full", "Differential", "Log"]
    assert body["settings"]["issqlcompression"] is True
    assert sql.sql_policy_view({"properties": body}) == view


def test_unchanged_options_give_the_current_view():
    current = sql.sql_policy_view(HOURLY_LOG_BACKUP)
    assert sql.desired_sql_view(current, options()) == current
    assert sql.desired_sql_view(current, options(log={"enabled": False}))["log"] is None


def test_differential_time_defaults_to_the_full_backups():
    view = sql.desired_sql_view(None, dict(WEEKLY, differential={"day": "Monday", "retention_days": 10}))
    assert view["differential"]["time"] == "22:00"


@pytest.mark.parametrize("given, words", [
    (options(schedule={"frequency": "Hourly"}), "Hourly is not offered for SQL full backups"),
    (options(log={"frequency_minutes": 10}), "log.frequency_minutes is 10"),
    (options(log={"frequency_minutes": 1441}), "log.frequency_minutes is 1441"),
    (options(log={"retention_days": 36}), "log.retention_days is 36; allowed 7-35"),
    (options(differential={"day": "Monday", "retention_days": 181}), "differential.retention_days is 181; allowed 7-180"),
    (options(differential={"day": "Funday"}), "differential.day is Funday"),
    (options(schedule={"frequency": "Daily", "time": "01:00"}, differential={"day": "Monday"}), "need a Weekly full backup"),
    (options(schedule={"frequency": "Weekly", "days": ["Monday"]}, differential={"day": "Monday"}), "a day of the full backup"),
    (options(differential={"day": "Monday", "time": "02:15"}), "on the hour or half hour"),
    (options(instant_restore_days=3), "instant_restore_days applies to Azure VM policies only"),
    (options(retention={"daily": 3}), "retention.daily"),
])
def test_refused_from_options_alone(given, words):
    errors = sql.sql_option_errors(given)
    assert any(words in error for error in errors), errors


def test_whole_view_refusals():
    view = sql.desired_sql_view(sql.sql_policy_view(HOURLY_LOG_BACKUP), options(differential={"day": "Monday"}))
    assert any("need a Weekly full backup" in error for error in sql.sql_policy_errors(view))


def test_sql_options_refused_for_other_workloads():
    assert sql.non_sql_option_errors(options(log={"frequency_minutes": 15}), "vm") == [
        "log applies to SQL Server policies only (workload sql), not to workload vm"]
