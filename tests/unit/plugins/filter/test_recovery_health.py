"""The audit's recovery health: each VM's newest recovery point against its policy's promise, and the jobs of the last
day needing attention (plugins/filter/recovery_health.py)."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.filter import recovery_health as filters

NOW = "2026-11-30T12:00:00+00:00"
POLICIES = [{"name": "vm-nightly", "settings": {"schedule": {"frequency": "Daily", "time": "02:00"}}},
            {"name": "vm-hourly", "settings": {"schedule": {"frequency": "Hourly", "hourly_interval": 4}}},
            {"name": "vm-weekly", "settings": {"schedule": {"frequency": "Weekly", "days": ["Sunday", "Wednesday"]}}}]


def looped(*results):
    """A task's registered result looped over [vault, resource group] pairs."""
    return {"results": [dict(result, item=[vault, "rg-backup"]) for vault, result in results]}


def item(vm, policy="vm-nightly", state="Protected", last_backup="2001-01-01T00:00:00Z", point=None, status="", **extra):
    properties = {"friendly_name": vm, "policy_name": policy, "protection_state": state, "last_backup_time": last_backup,
                  "last_backup_status": status, "is_scheduled_for_deferred_delete": False, "health_status": "Passed", **extra}
    if point:
        properties["last_recovery_point"] = point
    return {"name": f"VM;iaasvmcontainerv2;rg-app;{vm}", "properties": properties}


@pytest.mark.parametrize("schedule, hours", [
    ({"frequency": "Daily", "time": "02:00"}, 24),
    ({"frequency": "Hourly", "hourly_interval": 6}, 6),
    ({"frequency": "Weekly", "days": ["Sunday"]}, 168),
    ({"frequency": "Weekly", "days": ["Wednesday", "Sunday"]}, 96),  # Sunday -> Wednesday 3 days, Wednesday -> Sunday 4
    ({"frequency": "Weekly", "days": []}, None),
    ({}, None),
    (None, None),
])
def test_the_promised_rpo_follows_the_schedule(schedule, hours):
    assert filters.rpo_hours(schedule) == hours


def test_each_vm_is_measured_against_its_own_policy():
    items = looped(("rsv-weu", {"protected_items": [
        item("fresh", point="2026-11-30T02:05:12.1234567Z", last_backup="2026-11-30T02:05:12.1234567Z", status="Completed"),
        item("late", point="2026-11-28T02:00:00Z", last_backup="2026-11-28T02:00:00Z", status="Completed"),
        item("within-grace", point="2026-11-29T09:00:00Z", status="Completed"),
        item("hourly-late", policy="vm-hourly", point="2026-11-30T03:00:00Z"),
        item("weekly-ok", policy="VM-Weekly", point="2026-11-27T00:00:00Z"),
        item("new", state="IRPending"),
        item("stopped", state="ProtectionStopped", point="2026-10-01T00:00:00Z"),
        item("soft-deleted", point="2026-10-01T00:00:00Z", is_scheduled_for_deferred_delete=True),
        item("failed", point="2026-11-29T14:00:00Z", status="Failed", health_status="ActionRequired",
             health_details=[{"code": 0, "title": "UserErrorVmNotFoundV2", "message": "The virtual machine doesn't exist anymore."}]),
    ]}))
    rows = {row["vm"]: row for row in filters.recovery_health_rows(items, looped(("rsv-weu", {"policies": POLICIES})), NOW)}
    assert {name: row["rpo_met"] for name, row in rows.items()} == {
        "fresh": True, "late": False, "within-grace": True, "hourly-late": False, "weekly-ok": True, "new": False,
        "stopped": None, "soft-deleted": None, "failed": True}
    assert (rows["fresh"]["newest_point_age_hours"], rows["fresh"]["rpo_hours"], rows["fresh"]["last_backup_time"]) == \
        (9.9, 24, "2026-11-30T02:05:12.123456+00:00")
    assert rows["late"]["reason"] == "newest recovery point is 58.0 h old, the policy promises 24 h"
    assert (rows["hourly-late"]["rpo_hours"], rows["weekly-ok"]["rpo_hours"]) == (4, 96)
    assert (rows["new"]["reason"], rows["new"]["last_backup_time"], rows["new"]["newest_point"]) == ("no recovery point yet", None, None)
    assert rows["stopped"]["reason"] == "no schedule to meet (ProtectionStopped, policy vm-nightly)"
    assert rows["failed"]["health"] == "UserErrorVmNotFoundV2: The virtual machine doesn't exist anymore."
    assert all(row["vault"] == "rsv-weu" and row["resource_group"] == "rg-backup" for row in rows.values())


def test_the_grace_is_the_callers_and_a_failed_listing_is_a_row():
    items = looped(("rsv-weu", {"protected_items": [item("within-grace", point="2026-11-29T09:00:00Z")]}),
                   ("rsv-neu", {"failed": True, "msg": "vault rsv-neu does not exist"}))
    rows = filters.recovery_health_rows(items, looped(("rsv-weu", {"policies": POLICIES})), NOW, grace_hours=0)
    assert [(row["vault"], row.get("rpo_met"), row.get("error")) for row in rows] == \
        [("rsv-neu", None, "vault rsv-neu does not exist"), ("rsv-weu", False, None)]


def test_a_policy_the_listing_lacks_promises_nothing():
    items = looped(("rsv-weu", {"protected_items": [item("orphan", policy="gone", point="2026-11-01T00:00:00Z")]}))
    row = filters.recovery_health_rows(items, looped(("rsv-weu", {"failed": True, "msg": "forbidden"})), NOW)[0]
    assert (row["rpo_met"], row["rpo_hours"]) == (None, None)


def job(name, status, entity, operation="Backup", start="2026-11-30T02:00:00Z", errors=()):
    return {"name": name, "properties": {"status": status, "entity_friendly_name": entity, "operation": operation, "start_time": start},
            "errors": list(errors)}


def test_failed_and_warned_jobs_carry_their_error_from_where_azure_gives_it():
    items = looped(("rsv-weu", {"protected_items": [
        item("web-01", status="Failed", health_details=[{"title": "UserErrorVmNotFoundV2", "message": "The virtual machine doesn't exist anymore."}]),
        item("web-02", status="Completed")]}))
    jobs = looped(("rsv-weu", {"jobs": [
        job("j1", "Completed", "web-02"),
        job("j2", "Failed", "WEB-01", start="2026-11-30T03:00:00Z"),
        job("j3", "CompletedWithWarnings", "web-02", start="2026-11-30T01:00:00Z"),
        job("j4", "Failed", "web-02", operation="Restore", start="2026-11-30T04:00:00Z",
            errors=[{"error_code": 400, "error_string": "quota exceeded"}]),
        job("j5", "InProgress", "web-01"),
    ]}), ("rsv-neu", {"failed": True, "msg": "throttled"}))
    rows = filters.jobs_needing_attention(jobs, items)
    assert [(row.get("job_id"), row["error"], row.get("error_source")) for row in rows] == [
        ("j4", "400 quota exceeded", "job"),
        ("j2", "UserErrorVmNotFoundV2: The virtual machine doesn't exist anymore.", "item health"),
        ("j3", "details: backup_job_info job_id=j3", "none in the list"),
        (None, "throttled", None)]


def test_the_text_table_marks_missed_rpos_and_lists_the_jobs():
    rows = [{"vault": "rsv-weu", "vm": "web-01", "policy": "vm-nightly", "last_backup_time": "2026-11-30T02:00:00+00:00",
             "last_backup_status": "Completed", "newest_point_age_hours": 10.0, "rpo_hours": 24, "rpo_met": True, "reason": ""},
            {"vault": "rsv-weu", "vm": "web-02", "policy": "vm-nightly", "last_backup_time": None, "last_backup_status": None,
             "newest_point_age_hours": None, "rpo_hours": 24, "rpo_met": False, "reason": "no recovery point yet"},
            {"vault": "rsv-neu", "resource_group": "rg", "error": "gone"}]
    jobs = [{"vault": "rsv-weu", "entity": "web-02", "operation": "Backup", "status": "Failed", "start_time": "2026-11-30T02:00:00Z", "error": "boom"}]
    text = filters.recovery_health_table(rows, jobs)
    assert text[0].split() == ["RPO", "VM", "VAULT", "POLICY", "LAST", "BACKUP", "RESULT", "NEWEST", "POINT", "AGE", "(h)", "PROMISED", "(h)"]
    assert text[1].split() == ["met", "web-01", "rsv-weu", "vm-nightly", "2026-11-30T02:00:00", "Completed", "10.0", "24"]
    assert text[2].split() == ["MISSED!", "web-02", "rsv-weu", "vm-nightly", "never", "-", "-", "24"]
    assert text[4:] == ["missed   rsv-weu/web-02: no recovery point yet", "error    rsv-neu: gone",
                        "job      rsv-weu/web-02: Backup Failed at 2026-11-30T02:00:00: boom"]
