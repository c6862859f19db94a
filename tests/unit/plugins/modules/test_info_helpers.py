"""Pure helpers of the info modules (job filters, recovery point choice)."""

from datetime import datetime, timezone

from ansible_collections.azure_backup.recovery_services.plugins.modules import backup_job_info, recovery_point_info

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def job_params(**given):
    params = {"backup_management_type": None, "operation": None, "status": None, "start_time": None, "end_time": None}
    params.update(given)
    return params


def test_job_filter_uses_azure_date_format_and_defaults_the_end_to_now():
    text = backup_job_info.job_filter(job_params(status="Failed", operation="Backup", start_time="2026-11-23 08:00"), now=NOW)
    assert text == "operation eq 'Backup' and status eq 'Failed' and startTime eq '2026-11-23 08:00:00 AM' and endTime eq '2026-11-24 12:00:00 PM'"
    assert backup_job_info.job_filter(job_params()) is None


def test_job_errors_skip_azure_empty_entries():
    job = {"properties": {"errorDetails": [{"errorCode": 0, "errorString": ""}, {"errorCode": 400, "errorString": "bad"}]}}
    assert backup_job_info.job_errors(job) == [{"error_code": 400, "error_string": "bad"}]


def point(name, time):
    return {"name": name, "properties": {"recoveryPointTime": time}}


def test_recovery_point_choice():
    points = recovery_point_info.newest_first([point("a", "2026-11-20T10:00:00.1234567Z"), point("b", "2026-11-22T10:00:00Z"),
                                               point("c", "2026-11-21T10:00:00Z")])
    assert [entry["name"] for entry in points] == ["b", "c", "a"]
    assert recovery_point_info.choose(points, True, None)["name"] == "b"
    before = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
    assert recovery_point_info.choose(points, False, before)["name"] == "c"
    assert recovery_point_info.choose(points, False, datetime(2020, 1, 1, tzinfo=timezone.utc)) is None
