"""Azure Files policy view, limits and bodies (plugins/module_utils/_policy_file_share.py)."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _policy_file_share as files

HOURLY_SNAPSHOT = {"properties": {
    "backupManagementType": "AzureStorage", "workLoadType": "AzureFileShare", "timeZone": "UTC", "protectedItemsCount": 0,
    "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Hourly", "scheduleWeeklyFrequency": 0,
                       "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": "2021-09-29T08:00:00Z", "scheduleWindowDuration": 12}},
    "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                        "dailySchedule": {"retentionTimes": ["2021-09-29T20:00:00Z"], "retentionDuration": {"count": 5, "durationType": "Days"}},
                        "weeklySchedule": {"daysOfTheWeek": ["Sunday"], "retentionTimes": ["2021-09-29T20:00:00Z"],
                                           "retentionDuration": {"count": 12, "durationType": "Weeks"}}}}}

VAULTED = {"properties": {
    "backupManagementType": "AzureStorage", "timeZone": "UTC",
    "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily", "scheduleRunTimes": ["2023-07-18T09:30:00Z"]},
    "vaultRetentionPolicy": {"snapshotRetentionInDays": 5, "vaultRetention": {
        "retentionPolicyType": "LongTermRetentionPolicy",
        "dailySchedule": {"retentionTimes": ["2023-07-18T09:30:00Z"], "retentionDuration": {"count": 30, "durationType": "Days"}}}}}}


def options(**given):
    base = {"tier": None, "time_zone": None, "schedule": None, "retention": None, "snapshot_retention_days": None,
            "policy_type": None, "instant_restore_days": None, "tiering": None}
    base.update(given)
    return base


def test_view_of_the_spec_examples():
    assert files.file_share_policy_view(HOURLY_SNAPSHOT) == {
        "workload": "file_share", "tier": "snapshot", "time_zone": "UTC",
        "schedule": {"frequency": "Hourly", "hourly_interval": 4, "window_start": "08:00", "window_duration": 12},
        "retention": {"daily": 5, "weekly": {"count": 12, "days": ["Sunday"]}}}
    view = files.file_share_policy_view(VAULTED)
    assert view["tier"] == "vaulted" and view["snapshot_retention_days"] == 5 and view["retention"] == {"daily": 30}
    assert view["schedule"] == {"frequency": "Daily", "time": "09:30"}


def test_round_trip_view_body_view():
    for policy in (HOURLY_SNAPSHOT, VAULTED):
        view = files.file_share_policy_view(policy)
        assert files.file_share_policy_view({"properties": files.file_share_policy_properties(view)}) == view


def test_new_policy_defaults_and_a_vaulted_one():
    assert files.desired_file_share_view(None, options()) == {
        "workload": "file_share", "tier": "snapshot", "time_zone": "UTC", "schedule": {"frequency": "Daily", "time": "00:00"},
        "retention": {"daily": 30}}
    vaulted = files.desired_file_share_view(None, options(tier="vaulted", retention={"daily": 365}))
    assert vaulted["snapshot_retention_days"] == files.DEFAULT_SNAPSHOT_RETENTION_DAYS
    body = files.file_share_policy_properties(vaulted)
    assert "retentionPolicy" not in body and body["vaultRetentionPolicy"]["vaultRetention"]["dailySchedule"]["retentionDuration"]["count"] == 365


def test_unset_options_keep_the_current_policy():
    current = files.file_share_policy_view(HOURLY_SNAPSHOT)
    assert files.desired_file_share_view(current, options()) == current
    changed = files.desired_file_share_view(current, options(schedule={"hourly_interval": 6, "window_duration": 12}))
    assert changed["schedule"]["hourly_interval"] == 6 and changed["schedule"]["window_start"] == "08:00"


@pytest.mark.parametrize("view_change, message", [
    ({"retention": {"daily": 201}}, "retention.daily is 201; a file share allows 1-200"),
    ({"retention": {"daily": 30, "yearly": {"count": 11, "months": ["January"], "weeks": ["First"], "days": ["Sunday"]}}},
     "retention.yearly.count is 11; a file share allows 1-10"),
    ({"retention": {"weekly": {"count": 4, "days": ["Sunday"]}}}, "retention.daily is required"),
    ({"retention": {"daily": 30, "weekly": {"count": 4, "days": []}}}, "retention.weekly.days is required"),
    ({"schedule": {"frequency": "Weekly", "time": "10:00", "days": ["Sunday"]}}, "schedule.frequency Weekly is not offered for file shares"),
    ({"schedule": {"frequency": "Hourly", "hourly_interval": 5, "window_start": "08:00", "window_duration": 12}}, "schedule.hourly_interval is 5"),
    ({"tier": "vaulted", "snapshot_retention_days": 5,
      "schedule": {"frequency": "Hourly", "hourly_interval": 4, "window_start": "08:00", "window_duration": 12}}, "tier vaulted backs up once a day"),
    ({"tier": "vaulted", "snapshot_retention_days": 31}, "snapshot_retention_days is 31; allowed 0-30"),
])
def test_what_azure_refuses(view_change, message):
    view = files.desired_file_share_view(None, options())
    view.update(view_change)
    assert any(message in error for error in files.file_share_policy_errors(view)), files.file_share_policy_errors(view)


def test_vaulted_retention_goes_beyond_snapshot_limits():
    view = files.desired_file_share_view(None, options(tier="vaulted", retention={"daily": 9999, "yearly": {
        "count": 99, "months": ["January"], "weeks": ["First"], "days": ["Sunday"]}}))
    assert files.file_share_policy_errors(view) == []


def test_option_errors_name_vm_only_options_and_tier_mismatch():
    errors = files.file_share_option_errors(options(policy_type="enhanced", instant_restore_days=3, tier="snapshot", snapshot_retention_days=5))
    assert any(error.startswith("policy_type applies to Azure VM policies only") for error in errors)
    assert any(error.startswith("instant_restore_days applies") for error in errors)
    assert any("snapshot_retention_days applies to tier vaulted only" in error for error in errors)
    assert files.file_share_option_errors(options(retention={"daily": 365})) == []  # the tier may be vaulted: known after the read
    assert files.file_share_option_errors(options(tier="snapshot", retention={"daily": 365})) == ["retention.daily is 365; a file share allows 1-200"]
