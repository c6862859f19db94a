"""Backup policies for SQL Server in Azure VMs (``backupManagementType: AzureWorkload``, ``workLoadType: SQLDataBase``).

A guarded ``PUT V/backupPolicies/{p}`` checks AzureWorkload bodies here, then backup_policies.py stores them. Azure's
rules (documentation, "Back up SQL Server databases in Azure VMs", policy section; the portal
enforces the same; the error is the policy catch-all ``BMSUserErrorInvalidPolicyInput``):

- ``subProtectionPolicy`` holds one ``Full`` and at most one ``Differential`` and one ``Log``.
- Full: ``SimpleSchedulePolicy`` Daily or Weekly, one run time (on the hour or half hour); retention
  ``LongTermRetentionPolicy`` as for VMs (daily 7-9999 days for a daily schedule, weekly 1-5163 weeks,
  monthly 1-1188, yearly 1-99).
- Differential: only beside a weekly full backup, once a week on a day the full backup does not run
  (documentation: "you can't set a differential backup on the day of the full backup"),
  ``SimpleRetentionPolicy`` of 7-180 days.
- Log: ``LogSchedulePolicy`` every 15 minutes to 24 hours (``scheduleFrequencyInMins`` 15-1440; the
  portal offers 15, 30, 60, 120, 240, 480, 720 and 1440), ``SimpleRetentionPolicy`` of 7-35 days.
- ``settings``: ``timeZone`` (a Windows id, checked by the route), ``issqlcompression`` and
  ``isCompression`` booleans (default false).
"""

import copy

from armemu.core.validation import check_time_zone
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT
from armemu.resources.backup_policies import WEEK_DAYS, _checked_retention, _days, _one_time, _spell, _spell_days, invalid_policy, put_policy

SUB_POLICY_TYPES = ("Full", "Differential", "Log")
LOG_MINUTES = (15, 1440)
DIFFERENTIAL_DAYS = (7, 180)
LOG_DAYS = (7, 35)


def _simple_retention(retention, smallest, largest, what):
    _spell(retention, "retentionPolicyType", ("SimpleRetentionPolicy", "LongTermRetentionPolicy"))
    duration = (retention or {}).get("retentionDuration") or {}
    _spell(duration, "durationType", ("Days",))
    count = duration.get("count")
    if not isinstance(retention, dict) or retention.get("retentionPolicyType") != "SimpleRetentionPolicy" or \
            duration.get("durationType") != "Days" or not isinstance(count, int) or not smallest <= count <= largest:
        raise invalid_policy(f"{what} backups are retained by a SimpleRetentionPolicy of {smallest}-{largest} Days")


def _full(sub):
    schedule = sub.get("schedulePolicy") or {}
    _spell(schedule, "scheduleRunFrequency", ("Daily", "Weekly"))
    if schedule.get("schedulePolicyType") != "SimpleSchedulePolicy" or schedule.get("scheduleRunFrequency") not in ("Daily", "Weekly"):
        raise invalid_policy("a Full backup runs on a SimpleSchedulePolicy, Daily or Weekly")
    schedule["scheduleRunTimes"] = _one_time(schedule.get("scheduleRunTimes"), "Full scheduleRunTimes")
    if schedule["scheduleRunFrequency"] == "Weekly":
        schedule["scheduleRunDays"] = _days(_spell_days(schedule.get("scheduleRunDays")), "Full scheduleRunDays")
    schedule.setdefault("scheduleWeeklyFrequency", 0)
    _checked_retention(sub.get("retentionPolicy"), schedule["scheduleRunFrequency"])
    return schedule


def _differential(sub, full_schedule):
    if full_schedule["scheduleRunFrequency"] != "Weekly":
        raise invalid_policy("a Differential backup needs a weekly Full backup (with a daily Full backup there is none)")
    schedule = sub.get("schedulePolicy") or {}
    _spell(schedule, "scheduleRunFrequency", ("Weekly",))
    days = _spell_days(schedule.get("scheduleRunDays"))
    if schedule.get("schedulePolicyType") != "SimpleSchedulePolicy" or schedule.get("scheduleRunFrequency") != "Weekly" or \
            not isinstance(days, list) or len(days) != 1 or days[0] not in WEEK_DAYS:
        raise invalid_policy("a Differential backup runs once a week: a Weekly SimpleSchedulePolicy with one scheduleRunDays entry")
    if days[0] in full_schedule["scheduleRunDays"]:
        raise invalid_policy(f"the Differential backup cannot run on {days[0]}, a day of the Full backup")
    schedule["scheduleRunDays"] = days
    schedule["scheduleRunTimes"] = _one_time(schedule.get("scheduleRunTimes"), "Differential scheduleRunTimes")
    schedule.setdefault("scheduleWeeklyFrequency", 0)
    _simple_retention(sub.get("retentionPolicy"), *DIFFERENTIAL_DAYS, "Differential")


def _log(sub):
    schedule = sub.get("schedulePolicy") or {}
    minutes = schedule.get("scheduleFrequencyInMins")
    if schedule.get("schedulePolicyType") != "LogSchedulePolicy" or not isinstance(minutes, int) or \
            not LOG_MINUTES[0] <= minutes <= LOG_MINUTES[1]:
        raise invalid_policy(f"a Log backup runs on a LogSchedulePolicy every {LOG_MINUTES[0]}-{LOG_MINUTES[1]} minutes")
    _simple_retention(sub.get("retentionPolicy"), *LOG_DAYS, "Log")


def checked_sql_policy(properties):
    """An AzureWorkload SQLDataBase policy as Azure stores it, or ``invalid_policy``."""
    policy = copy.deepcopy(properties)
    _spell(policy, "workLoadType", ("SQLDataBase",))
    if policy.get("workLoadType") != "SQLDataBase":
        raise invalid_policy("an AzureWorkload policy here needs workLoadType SQLDataBase")
    subs = policy.get("subProtectionPolicy")
    if not isinstance(subs, list):
        raise invalid_policy("subProtectionPolicy must list the Full, Differential and Log backups")
    for sub in subs:
        _spell(sub, "policyType", SUB_POLICY_TYPES)
        _spell(sub.get("schedulePolicy"), "schedulePolicyType", ("SimpleSchedulePolicy", "LogSchedulePolicy"))
    kinds = [sub.get("policyType") for sub in subs]
    if kinds.count("Full") != 1 or any(kind not in SUB_POLICY_TYPES or kinds.count(kind) > 1 for kind in kinds):
        raise invalid_policy("subProtectionPolicy needs exactly one Full and at most one Differential and one Log")
    by_kind = dict(zip(kinds, subs))
    full_schedule = _full(by_kind["Full"])
    if "Differential" in by_kind:
        _differential(by_kind["Differential"], full_schedule)
    if "Log" in by_kind:
        _log(by_kind["Log"])
    settings = policy.setdefault("settings", {})
    check_time_zone(settings.get("timeZone"))
    settings.setdefault("timeZone", policy.get("timeZone") or "UTC")
    for flag in ("issqlcompression", "isCompression"):
        if not isinstance(settings.setdefault(flag, False), bool):
            raise invalid_policy(f"settings.{flag} must be true or false")
    policy.setdefault("makePolicyConsistent", False)
    return policy


def is_sql_policy(req, _params):
    """Route guard: a policy PUT whose body names the AzureWorkload management type."""
    body = req.json() if req.method == "PUT" else {}
    return str((body.get("properties") or {}).get("backupManagementType", "")).lower() == "azureworkload"


@route("PUT", VAULT + "/backupPolicies/{policyName}", when=is_sql_policy)
def put_sql_policy(req):
    """Refuse what Azure refuses, then store it as any policy is (backup_policies.py: 200, or 202 while items use it)."""
    checked_sql_policy(req.json().get("properties") or {})
    return put_policy(req)
