# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure-VM backup policies: Azure's JSON <-> the friendly "view" the modules expose.

Private to the collection.  Pure functions, unit tested without Azure:

* ``policy_view(policy)`` turns an AzureIaasVM policy as Azure returns it into the view
  (``"2026-01-01T22:30:00Z"`` becomes ``"22:30"``, days sorted, defaults Azure fills in such as
  ``tieringPolicy: DoNotTier, duration 0, durationType Invalid`` dropped), so comparing it with
  the wanted view never shows Azure's defaults as drift;
* ``policy_errors(view)`` lists every combination Azure would reject, so the module refuses
  before any write;
* ``policy_properties(view)`` builds the REST body's ``properties`` from a view.
"""

from __future__ import annotations

import re

WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
WEEKS = ["First", "Second", "Third", "Fourth", "Last"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
FREQUENCIES = ["Daily", "Weekly", "Hourly"]
HOURLY_INTERVALS = [4, 6, 8, 12]
TIERING_MODES = ["TierRecommended", "TierAfter", "DoNotTier"]
DURATION_TYPES = ["Days", "Weeks", "Months", "Years"]
POLICY_TYPES = {"standard": "V1", "enhanced": "V2"}

# Allowed ranges Azure enforces for Azure-VM policies (Azure Backup support matrix).
RETENTION_RANGES = {"daily": (7, 9999), "weekly": (1, 5163), "monthly": (1, 1188), "yearly": (1, 99)}
INSTANT_RESTORE_RANGES = {"standard": (1, 5), "enhanced": (1, 30)}
WEEKLY_STANDARD_INSTANT_RESTORE_DAYS = 5
DATE_PREFIX = "2026-01-01T"
TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# --- Azure JSON -> view ------------------------------------------------------------------------

def time_of_day(azure_time):
    """"2026-01-01T22:30:00Z" (or "22:30:00") -> "22:30"."""
    if not azure_time:
        return None
    clock = str(azure_time).rsplit("T", maxsplit=1)[-1]
    return clock[:5]


def sort_days(days):
    return sorted({day.capitalize() for day in days or []}, key=WEEKDAYS.index)


def sort_weeks(weeks):
    return sorted({week.capitalize() for week in weeks or []}, key=WEEKS.index)


def sort_months(months):
    return sorted({month.capitalize() for month in months or []}, key=MONTHS.index)


def schedule_view(schedule):
    """The schedule part of the view, for V1 (SimpleSchedulePolicy) and V2 (SimpleSchedulePolicyV2)."""
    frequency = schedule.get("scheduleRunFrequency")
    if frequency == "Hourly":
        hourly = schedule.get("hourlySchedule") or {}
        return {"frequency": "Hourly", "hourly_interval": hourly.get("interval"),
                "window_start": time_of_day(hourly.get("scheduleWindowStartTime")),
                "window_duration": hourly.get("scheduleWindowDuration")}
    if schedule.get("schedulePolicyType") == "SimpleSchedulePolicyV2":
        inner = schedule.get("weeklySchedule" if frequency == "Weekly" else "dailySchedule") or {}
        times, days = inner.get("scheduleRunTimes"), inner.get("scheduleRunDays")
    else:
        times, days = schedule.get("scheduleRunTimes"), schedule.get("scheduleRunDays")
    view = {"frequency": frequency, "time": time_of_day((times or [None])[0])}
    if frequency == "Weekly":
        view["days"] = sort_days(days)
    return view


def _days_of_month(daily_format):
    days = []
    for day in (daily_format or {}).get("daysOfTheMonth") or []:
        days.append("Last" if day.get("isLast") else int(day.get("date") or 0))
    return days


def _long_term_view(schedule, with_months=False):
    """monthly/yearly retention: count plus weekly-format (weeks, days) or daily-format (days_of_month)."""
    view = {"count": (schedule.get("retentionDuration") or {}).get("count")}
    if with_months:
        view["months"] = sort_months(schedule.get("monthsOfYear"))
    if schedule.get("retentionScheduleFormatType") == "Daily":
        view["days_of_month"] = _days_of_month(schedule.get("retentionScheduleDaily"))
    else:
        weekly = schedule.get("retentionScheduleWeekly") or {}
        view["weeks"] = sort_weeks(weekly.get("weeksOfTheMonth"))
        view["days"] = sort_days(weekly.get("daysOfTheWeek"))
    return view


def retention_view(retention):
    view = {}
    daily = retention.get("dailySchedule")
    if daily:
        view["daily"] = (daily.get("retentionDuration") or {}).get("count")
    weekly = retention.get("weeklySchedule")
    if weekly:
        view["weekly"] = {"count": (weekly.get("retentionDuration") or {}).get("count"), "days": sort_days(weekly.get("daysOfTheWeek"))}
    if retention.get("monthlySchedule"):
        view["monthly"] = _long_term_view(retention["monthlySchedule"])
    if retention.get("yearlySchedule"):
        view["yearly"] = _long_term_view(retention["yearlySchedule"], with_months=True)
    return view


def tiering_view(tiering_policy):
    """The archive tiering rule; Azure's default (DoNotTier, 0, Invalid) reads as DoNotTier."""
    rule = (tiering_policy or {}).get("ArchivedRP") or {}
    mode = rule.get("tieringMode") or "DoNotTier"
    if mode != "TierAfter":
        return {"mode": mode}
    return {"mode": mode, "duration": rule.get("duration"), "duration_type": rule.get("durationType")}


def policy_type_name(azure_policy_type):
    return "enhanced" if azure_policy_type == "V2" else "standard"


def policy_view(policy):
    """The friendly, normalised view of an AzureIaasVM policy as Azure returns it."""
    properties = policy.get("properties") or {}
    return {
        "policy_type": policy_type_name(properties.get("policyType")),
        "time_zone": properties.get("timeZone") or "UTC",
        "instant_restore_days": properties.get("instantRpRetentionRangeInDays"),
        "schedule": schedule_view(properties.get("schedulePolicy") or {}),
        "retention": retention_view(properties.get("retentionPolicy") or {}),
        "tiering": tiering_view(properties.get("tieringPolicy")),
    }


# --- options -> view ---------------------------------------------------------------------------

def clean_schedule(schedule):
    """Keep only the fields the schedule's frequency uses; fill Azure's defaults for the rest."""
    frequency = schedule.get("frequency") or "Daily"
    if frequency == "Hourly":
        return {"frequency": "Hourly", "hourly_interval": schedule.get("hourly_interval") or 4,
                "window_start": schedule.get("window_start") or "08:00",
                "window_duration": schedule.get("window_duration") or 12}
    view = {"frequency": frequency, "time": schedule.get("time") or "00:00"}
    if frequency == "Weekly":
        view["days"] = sort_days(schedule.get("days"))
    return view


def normalise_clock(value):
    """"8:00" -> "08:00"; anything not a time of day is returned unchanged (validation names it)."""
    match = TIME_OF_DAY.match(str(value)) if value is not None else None
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else value


def wanted_schedule(option, current_schedule):
    """The schedule option laid over the current schedule when the frequency stays the same."""
    if option is None:
        return current_schedule
    option = {key: value for key, value in option.items() if value is not None}
    for key in ("time", "window_start"):
        if key in option:
            option[key] = normalise_clock(option[key])
    base = current_schedule if current_schedule and option.get("frequency", current_schedule["frequency"]) == current_schedule["frequency"] else {}
    return clean_schedule(dict(base or {}, **option))


def _day_of_month(day):
    """3 or "3" -> 3; "last" -> "Last"."""
    text = str(day)
    if text.lower() == "last":
        return "Last"
    return int(text) if text.isdigit() else text


def wanted_retention(option):
    """The retention option as a view (it replaces the whole retention when set)."""
    view = {}
    if option.get("daily") is not None:
        view["daily"] = option["daily"]
    weekly = option.get("weekly")
    if weekly:
        view["weekly"] = {"count": weekly.get("count"), "days": sort_days(weekly.get("days"))}
    for name in ("monthly", "yearly"):
        rule = option.get(name)
        if not rule:
            continue
        entry = {"count": rule.get("count")}
        if name == "yearly":
            entry["months"] = sort_months(rule.get("months"))
        if rule.get("days_of_month"):
            entry["days_of_month"] = [_day_of_month(day) for day in rule["days_of_month"]]
        else:
            entry["weeks"] = sort_weeks(rule.get("weeks"))
            entry["days"] = sort_days(rule.get("days"))
        view[name] = entry
    return view


def wanted_tiering(option):
    if option.get("mode") == "TierAfter":
        return {"mode": "TierAfter", "duration": option.get("duration"), "duration_type": option.get("duration_type")}
    return {"mode": option.get("mode") or "DoNotTier"}


def default_instant_restore_days(schedule, policy_type):
    if policy_type == "standard" and schedule["frequency"] == "Weekly":
        return WEEKLY_STANDARD_INSTANT_RESTORE_DAYS
    return 2


def desired_view(current, options):
    """The wanted view: ``current`` (or Azure's defaults for a new policy) with the options set laid over.

    ``schedule``, ``retention`` and ``tiering`` replace their part as a whole when set (within a
    schedule of the same frequency, unset fields keep their current values).
    """
    base = current or {"policy_type": "standard", "time_zone": "UTC", "instant_restore_days": None,
                       "schedule": clean_schedule({}), "retention": {"daily": 30}, "tiering": {"mode": "DoNotTier"}}
    view = dict(base)
    if options.get("policy_type"):
        view["policy_type"] = options["policy_type"]
    if options.get("time_zone"):
        view["time_zone"] = options["time_zone"]
    view["schedule"] = wanted_schedule(options.get("schedule"), base["schedule"] if current else None) or base["schedule"]
    if options.get("retention") is not None:
        view["retention"] = wanted_retention(options["retention"])
    if options.get("tiering") is not None:
        view["tiering"] = wanted_tiering(options["tiering"])
    if options.get("instant_restore_days") is not None:
        view["instant_restore_days"] = options["instant_restore_days"]
    elif current is None or (view["policy_type"] == "standard" and view["schedule"]["frequency"] == "Weekly"):
        view["instant_restore_days"] = default_instant_restore_days(view["schedule"], view["policy_type"])
    return view


# --- validation --------------------------------------------------------------------------------

def _range_error(name, value, allowed):
    low, high = allowed
    if value is None:
        return f"{name} is required ({low}-{high})"
    if not low <= value <= high:
        return f"{name} is {value}; allowed {low}-{high}"
    return None


def _clock_errors(schedule):
    errors = []
    for key in ("time", "window_start"):
        value = schedule.get(key)
        if value is None:
            continue
        match = TIME_OF_DAY.match(str(value))
        if not match:
            errors.append(f"schedule.{key} '{value}' is not a time of day: use HH:MM, for example 22:30")
        elif match.group(2) not in ("00", "30"):
            errors.append(f"schedule.{key} '{value}' must be on the hour or half hour (HH:00 or HH:30)")
    return errors


def schedule_errors(schedule, policy_type, require_days=True):
    errors = _clock_errors(schedule)
    frequency = schedule["frequency"]
    if frequency == "Hourly":
        if policy_type == "standard":
            errors.append("schedule.frequency Hourly needs policy_type enhanced; a standard policy runs Daily or Weekly")
        interval, duration = schedule.get("hourly_interval"), schedule.get("window_duration")
        if interval not in HOURLY_INTERVALS:
            errors.append(f"schedule.hourly_interval is {interval}; allowed {', '.join(map(str, HOURLY_INTERVALS))}")
        elif not isinstance(duration, int) or not interval <= duration <= 24 or duration % interval:
            errors.append(f"schedule.window_duration is {duration}; with hourly_interval {interval} use a multiple of {interval} from {interval} to 24")
    if frequency == "Weekly" and require_days and not schedule.get("days"):
        errors.append("schedule.days is required for a Weekly schedule (for example [Sunday])")
    return errors


def _count_error(name, count, kind):
    message = _range_error(name, count, RETENTION_RANGES[kind])
    return [message] if message else []


def retention_rule_errors(retention):
    """Ranges and required fields of each retention rule, on their own (no schedule needed)."""
    errors = []
    if "daily" in retention:
        errors.extend(_count_error("retention.daily", retention["daily"], "daily"))
    weekly = retention.get("weekly")
    if weekly:
        errors.extend(_count_error("retention.weekly.count", weekly.get("count"), "weekly"))
        if not weekly.get("days"):
            errors.append("retention.weekly.days is required (for example [Sunday])")
    for name in ("monthly", "yearly"):
        rule = retention.get(name)
        if not rule:
            continue
        errors.extend(_count_error(f"retention.{name}.count", rule.get("count"), name))
        if name == "yearly" and not rule.get("months"):
            errors.append("retention.yearly.months is required (for example [January])")
        if "days_of_month" in rule:
            bad = [day for day in rule["days_of_month"] if day != "Last" and not (isinstance(day, int) and 1 <= day <= 28)]
            if bad:
                errors.append(f"retention.{name}.days_of_month has {bad}; allowed 1-28 or Last")
        elif not rule.get("weeks") or not rule.get("days"):
            errors.append(f"retention.{name} needs weeks and days (for example weeks: [First], days: [Sunday]) or days_of_month")
    return errors


def _days_outside_schedule(name, days, schedule):
    if schedule["frequency"] == "Weekly" and days and not set(days) <= set(schedule.get("days") or []):
        return [f"{name} {days} must be among the scheduled days {schedule.get('days')}"]
    return []


def retention_schedule_errors(retention, schedule, instant_restore_days):
    """What the schedule demands of the retention (weekly schedules keep weekly points, ...)."""
    errors = []
    if schedule["frequency"] == "Weekly":
        if "daily" in retention:
            errors.append("retention.daily is not allowed with a Weekly schedule; use retention.weekly")
        if "weekly" not in retention:
            errors.append("retention.weekly is required with a Weekly schedule")
    elif "daily" not in retention:
        low, high = RETENTION_RANGES["daily"]
        errors.append(f"retention.daily is required with a {schedule['frequency']} schedule ({low}-{high} days)")
    daily = retention.get("daily")
    if isinstance(daily, int) and instant_restore_days and daily < instant_restore_days:
        errors.append(f"retention.daily ({daily}) is shorter than instant_restore_days ({instant_restore_days})")
    errors.extend(_days_outside_schedule("retention.weekly.days", (retention.get("weekly") or {}).get("days"), schedule))
    for name in ("monthly", "yearly"):
        rule = retention.get(name) or {}
        if "days_of_month" in rule and schedule["frequency"] == "Weekly":
            errors.append(f"retention.{name}.days_of_month needs a Daily schedule; with a Weekly schedule use weeks and days")
        errors.extend(_days_outside_schedule(f"retention.{name}.days", rule.get("days"), schedule))
    return errors


def tiering_errors(tiering):
    if tiering["mode"] == "TierAfter":
        if not tiering.get("duration") or tiering.get("duration_type") not in DURATION_TYPES:
            return [f"tiering mode TierAfter needs duration (> 0) and duration_type ({', '.join(DURATION_TYPES)})"]
    elif tiering.get("duration"):
        return [f"tiering duration applies only to mode TierAfter, not {tiering['mode']}"]
    return []


def instant_restore_errors(days, policy_type, schedule):
    low, high = INSTANT_RESTORE_RANGES[policy_type]
    if days is not None and not low <= days <= high:
        article = "an" if policy_type == "enhanced" else "a"
        return [f"instant_restore_days is {days}; {article} {policy_type} policy (policy_type {policy_type}) allows {low}-{high} days"]
    if policy_type == "standard" and schedule and schedule["frequency"] == "Weekly" and days not in (None, WEEKLY_STANDARD_INSTANT_RESTORE_DAYS):
        return [f"instant_restore_days is {days}; a standard policy with a Weekly schedule keeps instant restore {WEEKLY_STANDARD_INSTANT_RESTORE_DAYS} days"]
    return []


def policy_errors(view):
    """Every reason Azure would refuse this policy view (empty list = acceptable)."""
    policy_type, schedule = view["policy_type"], view["schedule"]
    errors = schedule_errors(schedule, policy_type)
    errors.extend(instant_restore_errors(view.get("instant_restore_days"), policy_type, schedule))
    errors.extend(retention_rule_errors(view["retention"]))
    errors.extend(retention_schedule_errors(view["retention"], schedule, view.get("instant_restore_days")))
    errors.extend(tiering_errors(view["tiering"]))
    return errors


def option_errors(options):
    """What can be refused from the options alone, before any call to Azure.

    The policy type and the parts of the policy not given are unknown until the policy is read,
    so this applies the most permissive reading; ``policy_errors`` checks the whole result later.
    """
    policy_type = options.get("policy_type") or "enhanced"
    schedule = wanted_schedule(options["schedule"], None) if options.get("schedule") else None
    errors = schedule_errors(schedule, policy_type, require_days=False) if schedule else []
    errors.extend(instant_restore_errors(options.get("instant_restore_days"), policy_type, schedule if options.get("policy_type") else None))
    if options.get("retention") is not None:
        retention = wanted_retention(options["retention"])
        errors.extend(retention_rule_errors(retention))
        if schedule and options["schedule"].get("frequency"):
            errors.extend(retention_schedule_errors(retention, schedule, options.get("instant_restore_days")))
    if options.get("tiering") is not None:
        errors.extend(tiering_errors(options["tiering"]))
    return errors


# --- view -> Azure JSON ------------------------------------------------------------------------

def azure_time(clock):
    return f"{DATE_PREFIX}{clock}:00Z"


def schedule_body(schedule, policy_type):
    frequency = schedule["frequency"]
    if policy_type == "standard":
        body = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": frequency,
                "scheduleRunTimes": [azure_time(schedule["time"])], "scheduleWeeklyFrequency": 0}
        if frequency == "Weekly":
            body["scheduleRunDays"] = schedule["days"]
        return body
    body = {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": frequency}
    if frequency == "Hourly":
        body["hourlySchedule"] = {"interval": schedule["hourly_interval"], "scheduleWindowStartTime": azure_time(schedule["window_start"]),
                                  "scheduleWindowDuration": schedule["window_duration"]}
    elif frequency == "Weekly":
        body["weeklySchedule"] = {"scheduleRunDays": schedule["days"], "scheduleRunTimes": [azure_time(schedule["time"])]}
    else:
        body["dailySchedule"] = {"scheduleRunTimes": [azure_time(schedule["time"])]}
    return body


def _duration(count, duration_type):
    return {"count": count, "durationType": duration_type}


def _long_term_body(rule, retention_times, duration_type):
    body = {"retentionTimes": retention_times, "retentionDuration": _duration(rule["count"], duration_type)}
    if "days_of_month" in rule:
        body["retentionScheduleFormatType"] = "Daily"
        body["retentionScheduleDaily"] = {"daysOfTheMonth": [
            {"date": 0, "isLast": True} if day == "Last" else {"date": day, "isLast": False} for day in rule["days_of_month"]]}
    else:
        body["retentionScheduleFormatType"] = "Weekly"
        body["retentionScheduleWeekly"] = {"daysOfTheWeek": rule["days"], "weeksOfTheMonth": rule["weeks"]}
    if "months" in rule:
        body["monthsOfYear"] = rule["months"]
    return body


def retention_body(retention, schedule):
    """Retention points are kept at the time backups run (the window start for hourly schedules)."""
    retention_times = [azure_time(schedule.get("time") or schedule.get("window_start"))]
    body = {"retentionPolicyType": "LongTermRetentionPolicy"}
    if "daily" in retention:
        body["dailySchedule"] = {"retentionTimes": retention_times, "retentionDuration": _duration(retention["daily"], "Days")}
    if "weekly" in retention:
        body["weeklySchedule"] = {"daysOfTheWeek": retention["weekly"]["days"], "retentionTimes": retention_times,
                                  "retentionDuration": _duration(retention["weekly"]["count"], "Weeks")}
    if "monthly" in retention:
        body["monthlySchedule"] = _long_term_body(retention["monthly"], retention_times, "Months")
    if "yearly" in retention:
        body["yearlySchedule"] = _long_term_body(retention["yearly"], retention_times, "Years")
    return body


def tiering_body(tiering):
    if tiering["mode"] == "TierAfter":
        return {"ArchivedRP": {"tieringMode": "TierAfter", "duration": tiering["duration"], "durationType": tiering["duration_type"]}}
    return {"ArchivedRP": {"tieringMode": tiering["mode"]}}


def policy_properties(view):
    """The ``properties`` of a policy PUT body for a (validated) view."""
    return {
        "backupManagementType": "AzureIaasVM",
        "policyType": POLICY_TYPES[view["policy_type"]],
        "timeZone": view["time_zone"],
        "instantRpRetentionRangeInDays": view["instant_restore_days"],
        "schedulePolicy": schedule_body(view["schedule"], view["policy_type"]),
        "retentionPolicy": retention_body(view["retention"], view["schedule"]),
        "tieringPolicy": tiering_body(view["tiering"]),
    }
