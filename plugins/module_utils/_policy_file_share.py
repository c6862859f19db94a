# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure Files (``AzureStorage``) backup policies: Azure's JSON <-> the module's view, and Azure's limits.

Private to the collection. Pure functions, unit tested without Azure; the Azure-VM policy logic they
build on (times, retention views and bodies) is in ``_policy.py``.

A file share policy has one tier (Azure Files backup support matrix, 2025-2026):

* ``snapshot``: share snapshots only (``retentionPolicy``); daily (one time) or hourly schedules
  (every 4, 6, 8 or 12 hours inside a window); retention at most 200 days, 200 weeks, 120 months,
  10 years (a share holds at most 200 snapshots);
* ``vaulted`` (vault-standard): snapshots kept ``snapshot_retention_days`` (0-30) and a daily copy in
  the vault (``vaultRetentionPolicy``), kept like VM recovery points: 1-9999 days, 1-5163 weeks,
  1-1188 months, 1-99 years. Vaulted backup runs daily and is offered for standard (not premium)
  storage accounts.

The view: ``{"workload": "file_share", "tier", "time_zone", "schedule", "retention"[, "snapshot_retention_days"]}``
with ``schedule`` and ``retention`` in the same terms as Azure-VM policies.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy import (
    RETENTION_RANGES as VM_RETENTION_RANGES, azure_time, retention_body, retention_rule_errors, retention_view, schedule_errors, schedule_view,
    wanted_retention, wanted_schedule,
)

AZURE_STORAGE = "AzureStorage"
TIERS = ["snapshot", "vaulted"]
FILE_SHARE_FREQUENCIES = ["Daily", "Hourly"]
RETENTION_LIMITS = {
    "snapshot": {"daily": (1, 200), "weekly": (1, 200), "monthly": (1, 120), "yearly": (1, 10)},
    "vaulted": {"daily": (1, 9999), "weekly": (1, 5163), "monthly": (1, 1188), "yearly": (1, 99)},
}
SNAPSHOT_RETENTION_DAYS = (0, 30)
DEFAULT_SNAPSHOT_RETENTION_DAYS = 5
VM_ONLY_OPTIONS = ("policy_type", "instant_restore_days", "tiering")


def is_file_share_policy(policy):
    return ((policy or {}).get("properties") or {}).get("backupManagementType") == AZURE_STORAGE


# --- Azure JSON -> view ---------------------------------------------------------------------------

def file_share_policy_view(policy):
    """The module's view of an AzureStorage policy as Azure returns it."""
    properties = policy.get("properties") or {}
    vaulted = properties.get("vaultRetentionPolicy")
    view = {"workload": "file_share", "tier": "vaulted" if vaulted else "snapshot", "time_zone": properties.get("timeZone") or "UTC",
            "schedule": schedule_view(properties.get("schedulePolicy") or {})}
    if vaulted:
        view["retention"] = retention_view(vaulted.get("vaultRetention") or {})
        view["snapshot_retention_days"] = vaulted.get("snapshotRetentionInDays")
    else:
        view["retention"] = retention_view(properties.get("retentionPolicy") or {})
    return view


# --- options -> view ------------------------------------------------------------------------------

def desired_file_share_view(current, options):
    """``current`` (or a new policy's defaults: snapshot tier, daily at 00:00, 30 days) with the options set laid over."""
    base = current or {"workload": "file_share", "tier": "snapshot", "time_zone": "UTC", "schedule": wanted_schedule({"frequency": "Daily"}, None),
                       "retention": {"daily": 30}}
    view = {key: value for key, value in base.items() if key != "snapshot_retention_days"}
    view["tier"] = options.get("tier") or base["tier"]
    if options.get("time_zone"):
        view["time_zone"] = options["time_zone"]
    view["schedule"] = wanted_schedule(options.get("schedule"), base["schedule"] if current else None) or base["schedule"]
    if options.get("retention") is not None:
        view["retention"] = wanted_retention(options["retention"])
    if view["tier"] == "vaulted":
        candidates = (options.get("snapshot_retention_days"), base.get("snapshot_retention_days"), DEFAULT_SNAPSHOT_RETENTION_DAYS)
        view["snapshot_retention_days"] = next(value for value in candidates if value is not None)
    return view


# --- validation -----------------------------------------------------------------------------------

def _range_errors(retention, limits):
    errors = []
    counts = {"daily": retention.get("daily")}
    counts.update({name: (retention.get(name) or {}).get("count") for name in ("weekly", "monthly", "yearly") if retention.get(name)})
    for name, count in counts.items():
        if name == "daily" and "daily" not in retention:
            continue
        low, high = limits[name]
        label = "retention.daily" if name == "daily" else f"retention.{name}.count"
        if not isinstance(count, int) or not low <= count <= high:
            errors.append(f"{label} is {count}; a file share allows {low}-{high}")
    return errors


def _shape_errors(retention):
    """The required fields of each rule (days, weeks, months), checked by the VM rules with counts every VM policy accepts."""
    shaped = dict(retention)
    if "daily" in shaped:
        shaped["daily"] = VM_RETENTION_RANGES["daily"][0]
    for name in ("weekly", "monthly", "yearly"):
        if shaped.get(name):
            shaped[name] = dict(shaped[name], count=VM_RETENTION_RANGES[name][0])
    return retention_rule_errors(shaped)


def _schedule_errors(schedule, tier):
    if schedule["frequency"] not in FILE_SHARE_FREQUENCIES:
        return [f"schedule.frequency {schedule['frequency']} is not offered for file shares; use Daily or Hourly"]
    errors = schedule_errors(schedule, "enhanced")
    if tier == "vaulted" and schedule["frequency"] != "Daily":
        errors.append("tier vaulted backs up once a day: use schedule.frequency Daily (Hourly schedules are for tier snapshot)")
    return errors


def file_share_policy_errors(view):
    """Every reason Azure would refuse this file share policy view (empty list = acceptable)."""
    errors = _schedule_errors(view["schedule"], view["tier"])
    retention = view["retention"]
    if "daily" not in retention:
        low, high = RETENTION_LIMITS[view["tier"]]["daily"]
        errors.append(f"retention.daily is required for a file share policy ({low}-{high} days)")
    errors.extend(_range_errors(retention, RETENTION_LIMITS[view["tier"]]))
    errors.extend(_shape_errors(retention))
    if retention.get("monthly", {}).get("days_of_month") is not None or retention.get("yearly", {}).get("days_of_month") is not None:
        if view["schedule"]["frequency"] != "Daily":
            errors.append("retention days_of_month needs a Daily schedule")
    if view["tier"] == "vaulted":
        days, (low, high) = view.get("snapshot_retention_days"), SNAPSHOT_RETENTION_DAYS
        if not isinstance(days, int) or not low <= days <= high:
            errors.append(f"snapshot_retention_days is {days}; allowed {low}-{high}")
    return errors


def file_share_option_errors(options):
    """What can be refused from the options alone, before any call to Azure."""
    errors = [f"{name} applies to Azure VM policies only (workload vm), not to workload file_share"
              for name in VM_ONLY_OPTIONS if options.get(name) is not None]
    if options.get("snapshot_retention_days") is not None and options.get("tier") == "snapshot":
        errors.append("snapshot_retention_days applies to tier vaulted only (a snapshot-tier policy keeps its snapshots for the retention)")
    if options.get("schedule"):
        schedule = wanted_schedule(options["schedule"], None)
        if options["schedule"].get("frequency"):
            errors.extend(_schedule_errors(schedule, options.get("tier") or "snapshot"))
    if options.get("retention") is not None:
        retention = wanted_retention(options["retention"])
        errors.extend(_range_errors(retention, RETENTION_LIMITS[options.get("tier") or "vaulted"]))
        errors.extend(_shape_errors(retention))
    return errors


# --- view -> Azure JSON ---------------------------------------------------------------------------

def file_share_schedule_body(schedule):
    body = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": schedule["frequency"]}
    if schedule["frequency"] == "Hourly":
        body["hourlySchedule"] = {"interval": schedule["hourly_interval"], "scheduleWindowStartTime": azure_time(schedule["window_start"]),
                                  "scheduleWindowDuration": schedule["window_duration"]}
    else:
        body["scheduleRunTimes"] = [azure_time(schedule["time"])]
    return body


def file_share_policy_properties(view):
    """The ``properties`` of a policy PUT body for a (validated) file share view."""
    properties = {"backupManagementType": AZURE_STORAGE, "workLoadType": "AzureFileShare", "timeZone": view["time_zone"],
                  "schedulePolicy": file_share_schedule_body(view["schedule"])}
    retention = retention_body(view["retention"], view["schedule"])
    if view["tier"] == "vaulted":
        properties["vaultRetentionPolicy"] = {"snapshotRetentionInDays": view["snapshot_retention_days"], "vaultRetention": retention}
    else:
        properties["retentionPolicy"] = retention
    return properties
