# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""SQL Server in Azure VM backup policies (``AzureWorkload``, ``SQLDataBase``): Azure's JSON <-> the view, and Azure's limits.

Private to the collection. Pure functions, unit tested without Azure; the schedule and retention
terms are those of Azure-VM policies (``_policy.py``), used here for the full backup.

Azure's rules ("Back up SQL Server databases in Azure VMs", backup policy; the portal enforces them):

* full backup: daily or weekly, one time of day (on the hour or half hour), retention as a VM
  policy (daily 7-9999 days with a daily schedule, weekly 1-5163 weeks, monthly 1-1188 months,
  yearly 1-99 years);
* differential backup (optional): only with a weekly full backup, once a week on a day the full
  backup does not run, kept 7-180 days;
* log backup (optional): every 15 minutes to 24 hours, kept 7-35 days;
* SQL backup compression on or off; a Windows time zone.

The view: ``{"workload": "sql", "time_zone", "compression", "schedule", "retention", "differential", "log"}``
with ``schedule``/``retention`` those of the full backup, ``differential`` ``{"day", "time",
"retention_days"}`` or None, and ``log`` ``{"frequency_minutes", "retention_days"}`` or None.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy import (
    TIME_OF_DAY, WEEKDAYS, azure_time, normalise_clock, retention_body, retention_rule_errors, retention_schedule_errors, retention_view, schedule_body,
    schedule_errors, schedule_view, time_of_day, wanted_retention, wanted_schedule,
)

AZURE_WORKLOAD = "AzureWorkload"
SQL_WORKLOAD_TYPE = "SQLDataBase"
LOG_MINUTES = (15, 1440)
LOG_FREQUENCIES = [15, 30, 60, 120, 240, 480, 720, 1440]  # what the portal offers; Azure takes any minute count in range
DIFFERENTIAL_RETENTION_DAYS = (7, 180)
LOG_RETENTION_DAYS = (7, 35)
DEFAULT_LOG = {"frequency_minutes": 60, "retention_days": 30}
SQL_ONLY_OPTIONS = ("differential", "log", "compression")
# backup_policy's options for SQL policies (documented in backup_policy), defined beside the logic that reads them.
SQL_ARGUMENT_SPEC = dict(
    differential=dict(type="dict", options=dict(enabled=dict(type="bool"), day=dict(type="str", choices=WEEKDAYS), time=dict(type="str"),
                                                retention_days=dict(type="int"))),
    log=dict(type="dict", options=dict(enabled=dict(type="bool"), frequency_minutes=dict(type="int"), retention_days=dict(type="int"))),
    compression=dict(type="bool"),
)
VM_ONLY_OPTIONS = ("policy_type", "instant_restore_days", "tiering")


def is_sql_policy(policy):
    properties = (policy or {}).get("properties") or {}
    return properties.get("backupManagementType") == AZURE_WORKLOAD and str(properties.get("workLoadType", "")).lower() == "sqldatabase"


# --- Azure JSON -> view ---------------------------------------------------------------------------

def _sub_policies(properties):
    return {sub.get("policyType"): sub for sub in properties.get("subProtectionPolicy") or []}


def sql_policy_view(policy):
    """The module's view of an AzureWorkload SQLDataBase policy as Azure returns it."""
    properties = policy.get("properties") or {}
    settings = properties.get("settings") or {}
    subs = _sub_policies(properties)
    full = subs.get("Full") or {}
    view = {"workload": "sql", "time_zone": settings.get("timeZone") or "UTC", "compression": bool(settings.get("issqlcompression")),
            "schedule": schedule_view(full.get("schedulePolicy") or {}), "retention": retention_view(full.get("retentionPolicy") or {}),
            "differential": None, "log": None}
    differential = subs.get("Differential")
    if differential:
        schedule = differential.get("schedulePolicy") or {}
        view["differential"] = {"day": (schedule.get("scheduleRunDays") or [None])[0],
                                "time": time_of_day((schedule.get("scheduleRunTimes") or [None])[0]),
                                "retention_days": ((differential.get("retentionPolicy") or {}).get("retentionDuration") or {}).get("count")}
    log = subs.get("Log")
    if log:
        view["log"] = {"frequency_minutes": (log.get("schedulePolicy") or {}).get("scheduleFrequencyInMins"),
                       "retention_days": ((log.get("retentionPolicy") or {}).get("retentionDuration") or {}).get("count")}
    return view


# --- options -> view ------------------------------------------------------------------------------

def _wanted_differential(option, current):
    if option is None:
        return current
    if option.get("enabled") is False:
        return None
    base = current or {"day": None, "time": None, "retention_days": 30}
    view = dict(base)
    view.update({key: value for key, value in option.items() if key != "enabled" and value is not None})
    if view.get("time"):
        view["time"] = normalise_clock(view["time"])
    return view


def _wanted_log(option, current):
    if option is None:
        return current
    if option.get("enabled") is False:
        return None
    view = dict(current or DEFAULT_LOG)
    view.update({key: value for key, value in option.items() if key != "enabled" and value is not None})
    return view


def desired_sql_view(current, options):
    """``current`` (or a new policy's defaults: full daily at 00:00 kept 30 days, log hourly kept 30 days, no
    differential, no compression) with the options set laid over; ``schedule`` and ``retention``
    replace their part as for VM policies, ``differential``/``log`` are merged (``enabled: false`` removes one)."""
    base = current or {"workload": "sql", "time_zone": "UTC", "compression": False, "schedule": wanted_schedule({"frequency": "Daily"}, None),
                       "retention": {"daily": 30}, "differential": None, "log": dict(DEFAULT_LOG)}
    view = dict(base)
    if options.get("time_zone"):
        view["time_zone"] = options["time_zone"]
    if options.get("compression") is not None:
        view["compression"] = options["compression"]
    view["schedule"] = wanted_schedule(options.get("schedule"), base["schedule"] if current else None) or base["schedule"]
    if options.get("retention") is not None:
        view["retention"] = wanted_retention(options["retention"])
    view["differential"] = _wanted_differential(options.get("differential"), base["differential"])
    if view["differential"] and not view["differential"].get("time"):
        view["differential"]["time"] = view["schedule"].get("time")
    view["log"] = _wanted_log(options.get("log"), base["log"])
    return view


# --- validation -----------------------------------------------------------------------------------

def _days_error(name, days, allowed):
    low, high = allowed
    if not isinstance(days, int) or not low <= days <= high:
        return [f"{name} is {days}; allowed {low}-{high} days"]
    return []


def _differential_errors(differential, schedule):
    errors = []
    if schedule and schedule["frequency"] != "Weekly":
        errors.append("differential backups need a Weekly full backup (schedule.frequency Weekly); with a Daily full backup there is none")
    day = differential.get("day")
    if day not in WEEKDAYS:
        errors.append(f"differential.day is {day}; use one day of the week, for example Wednesday")
    elif schedule and schedule["frequency"] == "Weekly" and day in (schedule.get("days") or []):
        errors.append(f"differential.day {day} is a day of the full backup; Azure runs at most one backup a day: pick another day")
    time = differential.get("time")
    match = TIME_OF_DAY.match(str(time)) if time is not None else None
    if time is not None and not match:
        errors.append(f"differential.time '{time}' is not a time of day: use HH:MM, for example 02:00")
    elif match and match.group(2) not in ("00", "30"):
        errors.append(f"differential.time '{time}' must be on the hour or half hour (HH:00 or HH:30)")
    errors.extend(_days_error("differential.retention_days", differential.get("retention_days"), DIFFERENTIAL_RETENTION_DAYS))
    return errors


def _log_errors(log):
    errors = []
    minutes, (low, high) = log.get("frequency_minutes"), LOG_MINUTES
    if not isinstance(minutes, int) or not low <= minutes <= high:
        errors.append(f"log.frequency_minutes is {minutes}; log backups run every {low} minutes to 24 hours ({low}-{high}; "
                      f"the portal offers {', '.join(map(str, LOG_FREQUENCIES))})")
    errors.extend(_days_error("log.retention_days", log.get("retention_days"), LOG_RETENTION_DAYS))
    return errors


def _full_schedule_errors(schedule):
    if schedule["frequency"] == "Hourly":
        return ["schedule.frequency Hourly is not offered for SQL full backups; use Daily or Weekly (log backups give the frequent points)"]
    return schedule_errors(schedule, "standard")


def sql_policy_errors(view):
    """Every reason Azure would refuse this SQL policy view (empty list = acceptable)."""
    errors = _full_schedule_errors(view["schedule"])
    errors.extend(retention_rule_errors(view["retention"]))
    errors.extend(retention_schedule_errors(view["retention"], view["schedule"], None))
    if view.get("differential"):
        errors.extend(_differential_errors(view["differential"], view["schedule"]))
    if view.get("log"):
        errors.extend(_log_errors(view["log"]))
    return errors


def sql_option_errors(options):
    """What can be refused from the options alone, before any call to Azure."""
    errors = [f"{name} applies to Azure VM policies only (workload vm), not to workload sql" for name in VM_ONLY_OPTIONS if options.get(name) is not None]
    schedule = wanted_schedule(options["schedule"], None) if options.get("schedule") else None
    if schedule and options["schedule"].get("frequency"):
        errors.extend(_full_schedule_errors(schedule))
    if options.get("retention") is not None:
        retention = wanted_retention(options["retention"])
        errors.extend(retention_rule_errors(retention))
        if schedule and options["schedule"].get("frequency"):
            errors.extend(retention_schedule_errors(retention, schedule, None))
    differential = options.get("differential")
    if differential and differential.get("enabled") is not False:
        partial = {key: value for key, value in differential.items() if value is not None}
        checks = _differential_errors(dict({"day": WEEKDAYS[3], "retention_days": DIFFERENTIAL_RETENTION_DAYS[0]}, **partial),
                                      schedule if schedule and options["schedule"].get("frequency") else None)
        errors.extend(checks)
    log = options.get("log")
    if log and log.get("enabled") is not False:
        errors.extend(_log_errors(dict(DEFAULT_LOG, **{key: value for key, value in log.items() if value is not None})))
    return errors


def non_sql_option_errors(options, workload):
    """The SQL-only options given for another workload's policy."""
    return [f"{name} applies to SQL Server policies only (workload sql), not to workload {workload}"
            for name in SQL_ONLY_OPTIONS if options.get(name) is not None]


# --- view -> Azure JSON ---------------------------------------------------------------------------

def _simple_retention(days):
    return {"retentionPolicyType": "SimpleRetentionPolicy", "retentionDuration": {"count": days, "durationType": "Days"}}


def sql_policy_properties(view):
    """The ``properties`` of a policy PUT body for a (validated) SQL view."""
    subs = [{"policyType": "Full", "schedulePolicy": schedule_body(view["schedule"], "standard"),
             "retentionPolicy": retention_body(view["retention"], view["schedule"])}]
    differential = view.get("differential")
    if differential:
        subs.append({"policyType": "Differential",
                     "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Weekly",
                                        "scheduleRunDays": [differential["day"]], "scheduleRunTimes": [azure_time(differential["time"])],
                                        "scheduleWeeklyFrequency": 0},
                     "retentionPolicy": _simple_retention(differential["retention_days"])})
    if view.get("log"):
        subs.append({"policyType": "Log",
                     "schedulePolicy": {"schedulePolicyType": "LogSchedulePolicy", "scheduleFrequencyInMins": view["log"]["frequency_minutes"]},
                     "retentionPolicy": _simple_retention(view["log"]["retention_days"])})
    return {"backupManagementType": AZURE_WORKLOAD, "workLoadType": SQL_WORKLOAD_TYPE,
            "settings": {"timeZone": view["time_zone"], "issqlcompression": bool(view["compression"]), "isCompression": bool(view["compression"])},
            "subProtectionPolicy": subs}
