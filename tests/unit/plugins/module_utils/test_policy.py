"""Policy view, validation and body building (plugins/module_utils/_policy.py)."""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _policy as policy

DEFAULT_POLICY = {
    "name": "DefaultPolicy",
    "properties": {
        "backupManagementType": "AzureIaasVM", "protectedItemsCount": 0, "policyType": "V1",
        "instantRpRetentionRangeInDays": 2, "instantRPDetails": {}, "timeZone": "UTC",
        "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                           "scheduleRunTimes": ["2026-01-01T00:00:00Z"], "scheduleWeeklyFrequency": 0},
        "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                            "dailySchedule": {"retentionTimes": ["2026-01-01T00:00:00Z"],
                                              "retentionDuration": {"count": 30, "durationType": "Days"}}},
        "tieringPolicy": {"ArchivedRP": {"tieringMode": "DoNotTier", "duration": 0, "durationType": "Invalid"}},
    },
}

ENHANCED_POLICY = {
    "properties": {
        "backupManagementType": "AzureIaasVM", "policyType": "V2", "instantRpRetentionRangeInDays": 2, "timeZone": "UTC",
        "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Hourly",
                           "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": "2026-01-01T08:00:00Z", "scheduleWindowDuration": 12}},
        "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                            "dailySchedule": {"retentionTimes": ["2026-01-01T08:00:00Z"], "retentionDuration": {"count": 30, "durationType": "Days"}}},
    },
}


def options(**given):
    base = {"policy_type": None, "time_zone": None, "instant_restore_days": None, "schedule": None, "retention": None, "tiering": None}
    base.update(given)
    return base


def test_view_of_the_default_policy_normalises_times_and_azure_defaults():
    assert policy.policy_view(DEFAULT_POLICY) == {
        "policy_type": "standard", "time_zone": "UTC", "instant_restore_days": 2,
        "schedule": {"frequency": "Daily", "time": "00:00"}, "retention": {"daily": 30}, "tiering": {"mode": "DoNotTier"}}


def test_view_of_an_enhanced_hourly_policy():
    view = policy.policy_view(ENHANCED_POLICY)
    assert view["policy_type"] == "enhanced"
    assert view["schedule"] == {"frequency": "Hourly", "hourly_interval": 4, "window_start": "08:00", "window_duration": 12}
    assert view["tiering"] == {"mode": "DoNotTier"}


def test_time_of_day_reads_the_forms_azure_returns():
    assert policy.time_of_day("2026-01-01T22:30:00Z") == "22:30"
    assert policy.time_of_day("2018-01-24T02:00:00.0000000Z") == "02:00"
    assert policy.time_of_day(None) is None


def test_body_round_trips_through_the_view():
    view = policy.desired_view(None, options(
        schedule={"frequency": "Weekly", "time": "22:30", "days": ["Sunday", "Wednesday"]},
        retention={"weekly": {"count": 12, "days": ["Sunday"]},
                   "monthly": {"count": 12, "weeks": ["First"], "days": ["Sunday"]},
                   "yearly": {"count": 3, "months": ["January"], "weeks": ["Last"], "days": ["Wednesday"]}},
        tiering={"mode": "TierAfter", "duration": 3, "duration_type": "Months"}))
    assert policy.policy_errors(view) == []
    assert view["instant_restore_days"] == 5
    body = {"properties": policy.policy_properties(view)}
    assert body["properties"]["schedulePolicy"]["scheduleRunTimes"] == ["2026-01-01T22:30:00Z"]
    assert policy.policy_view(body) == view


def test_enhanced_daily_and_days_of_month_round_trip():
    view = policy.desired_view(None, options(
        policy_type="enhanced", schedule={"frequency": "Daily", "time": "1:30"}, instant_restore_days=7,
        retention={"daily": 30, "monthly": {"count": 6, "days_of_month": ["1", "Last"]}}))
    assert view["schedule"] == {"frequency": "Daily", "time": "01:30"}
    assert policy.policy_errors(view) == []
    properties = policy.policy_properties(view)
    assert properties["schedulePolicy"]["dailySchedule"] == {"scheduleRunTimes": ["2026-01-01T01:30:00Z"]}
    assert properties["retentionPolicy"]["monthlySchedule"]["retentionScheduleDaily"]["daysOfTheMonth"] == [
        {"date": 1, "isLast": False}, {"date": 0, "isLast": True}]
    assert policy.policy_view({"properties": properties}) == view


def test_hourly_body_keeps_points_at_window_start():
    view = policy.desired_view(None, options(policy_type="enhanced", schedule={"frequency": "Hourly", "hourly_interval": 6,
                                                                               "window_start": "06:00", "window_duration": 18}))
    properties = policy.policy_properties(view)
    assert properties["schedulePolicy"]["hourlySchedule"] == {"interval": 6, "scheduleWindowStartTime": "2026-01-01T06:00:00Z",
                                                              "scheduleWindowDuration": 18}
    assert properties["retentionPolicy"]["dailySchedule"]["retentionTimes"] == ["2026-01-01T06:00:00Z"]


def test_unset_options_keep_the_current_policy():
    current = policy.policy_view(DEFAULT_POLICY)
    assert policy.desired_view(current, options()) == current


def test_schedule_fields_merge_within_the_same_frequency():
    current = policy.policy_view(ENHANCED_POLICY)
    desired = policy.desired_view(current, options(schedule={"hourly_interval": 6}))
    assert desired["schedule"] == {"frequency": "Hourly", "hourly_interval": 6, "window_start": "08:00", "window_duration": 12}


def test_hourly_on_standard_is_refused():
    errors = policy.option_errors(options(policy_type="standard", schedule={"frequency": "Hourly"}))
    assert any("Hourly needs policy_type enhanced" in error for error in errors)


def test_instant_restore_ranges():
    assert policy.option_errors(options(policy_type="standard", instant_restore_days=6))
    assert not policy.option_errors(options(policy_type="enhanced", instant_restore_days=30))
    assert policy.option_errors(options(instant_restore_days=31))
    weekly = policy.desired_view(None, options(schedule={"frequency": "Weekly", "days": ["Sunday"]}, instant_restore_days=2,
                                               retention={"weekly": {"count": 4, "days": ["Sunday"]}}))
    assert any("keeps instant restore 5 days" in error for error in policy.policy_errors(weekly))


def test_retention_rules():
    errors = policy.option_errors(options(retention={"daily": 3, "weekly": {"count": 6000, "days": ["Sunday"]}, "yearly": {"count": 100}}))
    assert "retention.daily is 3; allowed 7-9999" in errors
    assert "retention.weekly.count is 6000; allowed 1-5163" in errors
    assert "retention.yearly.count is 100; allowed 1-99" in errors
    assert any("retention.yearly.months is required" in error for error in errors)


def test_weekly_schedule_needs_weekly_retention_on_scheduled_days():
    view = policy.desired_view(None, options(schedule={"frequency": "Weekly", "days": ["Sunday"]},
                                             retention={"daily": 30, "weekly": {"count": 4, "days": ["Monday"]}}))
    errors = policy.policy_errors(view)
    assert any("retention.daily is not allowed with a Weekly schedule" in error for error in errors)
    assert any("retention.weekly.days ['Monday'] must be among the scheduled days" in error for error in errors)


def test_daily_schedule_needs_daily_retention():
    view = policy.desired_view(None, options(retention={"weekly": {"count": 4, "days": ["Monday"]}}))
    assert any("retention.daily is required" in error for error in policy.policy_errors(view))


def test_hourly_window_and_clock_rules():
    errors = policy.option_errors(options(policy_type="enhanced", schedule={"frequency": "Hourly", "hourly_interval": 8, "window_duration": 12}))
    assert any("multiple of 8" in error for error in errors)
    errors = policy.option_errors(options(schedule={"time": "22:15"}))
    assert any("on the hour or half hour" in error for error in errors)
    assert any("not a time of day" in error for error in policy.option_errors(options(schedule={"time": "25:00"})))


def test_tiering_rules():
    assert policy.option_errors(options(tiering={"mode": "TierAfter"}))
    assert policy.option_errors(options(tiering={"mode": "DoNotTier", "duration": 3}))
    assert not policy.option_errors(options(tiering={"mode": "TierRecommended"}))
