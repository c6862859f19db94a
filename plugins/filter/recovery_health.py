# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters behind the audit's recovery health: per protected VM its last backup, the age of its newest recovery point
against the recovery point objective its policy's schedule promises (RPO met or not), and the jobs of the last day that
failed or completed with warnings. Built from three listings per vault (protected items, policies, jobs of a 24 h
window): no request per VM or per job. Each filter is documented in a sidecar file (plugins/filter/<name>.yml)."""

from __future__ import annotations

from datetime import datetime, timezone

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Azure's lastBackupTime of an item never backed up (recorded answers, Azure's REST walkthrough).
NEVER_BACKED_UP_BEFORE = 2002
ATTENTION = ("Failed", "CompletedWithWarnings")
# Protection states under which the policy's schedule runs: only these promise a recovery point objective.
SCHEDULED_STATES = ("Protected", "IRPending", "ProtectionError")


def _moment(value):
    """An aware datetime from Azure's ISO-8601 text (``Z`` or an offset, 7 fraction digits), or None."""
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:
        digits = "".join(char for char in tail if char.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits):]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None if moment.year < NEVER_BACKED_UP_BEFORE else moment


def rpo_hours(schedule):
    """Hours between two scheduled backups at the worst point of the week, as a policy's schedule view
    (backup_policy_info's ``settings.schedule``) promises them; None when the schedule says nothing."""
    frequency = (schedule or {}).get("frequency")
    if frequency == "Hourly":
        return schedule.get("hourly_interval") or None
    if frequency == "Daily":
        return 24
    if frequency == "Weekly":
        days = sorted(DAYS.index(day) for day in schedule.get("days") or [] if day in DAYS)
        if not days:
            return None
        gaps = [(days[(index + 1) % len(days)] - day) % 7 or 7 for index, day in enumerate(days)]
        return 24 * max(gaps)
    return None


def _by_vault(results):
    """[(vault, resource group, result)] of a task looped over [vault name, resource group] pairs."""
    found = []
    for result in (results or {}).get("results") or []:
        item = result.get("item") or []
        if len(item) >= 2:
            found.append((str(item[0]), str(item[1]), result))
    return found


def _failure(result):
    return result.get("msg") or "the listing failed" if result.get("failed") else None


def _health_text(details):
    return "; ".join(": ".join(str(part) for part in (entry.get("title"), entry.get("message")) if part) for entry in details or [])


def _vm_row(item, schedules, now, grace_hours):
    properties = item.get("properties") or {}
    last_backup = _moment(properties.get("last_backup_time"))
    newest = _moment(properties.get("last_recovery_point"))
    state = properties.get("protection_state") or ""
    policy = properties.get("policy_name") or ""
    promised = rpo_hours(schedules.get(policy.lower())) if state in SCHEDULED_STATES and not properties.get("is_scheduled_for_deferred_delete") else None
    row = {"vm": properties.get("friendly_name") or item.get("name"), "policy": policy, "protection_state": state,
           "last_backup_time": last_backup.isoformat() if last_backup else None, "last_backup_status": properties.get("last_backup_status") or None,
           "newest_point": newest.isoformat() if newest else None,
           "newest_point_age_hours": round((now - newest).total_seconds() / 3600, 1) if newest else None,
           "rpo_hours": promised, "health_status": properties.get("health_status"), "health": _health_text(properties.get("health_details"))}
    if properties.get("is_scheduled_for_deferred_delete"):
        row.update(rpo_met=None, reason="soft-deleted: no backup is scheduled")
    elif promised is None:
        row.update(rpo_met=None, reason=f"no schedule to meet ({state or 'no state'}, policy {policy or 'none'})")
    elif newest is None:
        row.update(rpo_met=False, reason="no recovery point yet")
    elif row["newest_point_age_hours"] > promised + grace_hours:
        row.update(rpo_met=False, reason=f"newest recovery point is {row['newest_point_age_hours']} h old, the policy promises {promised} h")
    else:
        row.update(rpo_met=True, reason="")
    return row


def recovery_health_rows(items, policies, now, grace_hours=4):
    """One row per VM the vaults protect (protected_item_info looped over [vault, resource group]), with the recovery
    point objective its policy (backup_policy_info, looped the same way) promises, measured at ``now``; a row with
    ``error`` for a vault whose listing failed."""
    moment = _moment(now) or datetime.now(timezone.utc)
    schedules = {}
    for vault, group, result in _by_vault(policies):
        schedules[(vault.lower(), group.lower())] = {policy["name"].lower(): (policy.get("settings") or {}).get("schedule")
                                                     for policy in result.get("policies") or [] if policy.get("name")}
    rows = []
    for vault, group, result in _by_vault(items):
        failure = _failure(result)
        if failure:
            rows.append({"vault": vault, "resource_group": group, "error": failure})
            continue
        vault_schedules = schedules.get((vault.lower(), group.lower()), {})
        for item in result.get("protected_items") or []:
            rows.append(dict(vault=vault, resource_group=group, **_vm_row(item, vault_schedules, moment, float(grace_hours))))
    return sorted(rows, key=lambda row: (row["vault"], str(row.get("vm", ""))))


def jobs_needing_attention(jobs, items=None):
    """The jobs (backup_job_info looped over [vault, resource group], one listing of the last 24 h each) that failed or
    completed with warnings, newest first, each with its error. A job list carries no error details on Azure; the error
    of a failed backup is then the protected item's health details (same listing as the VM rows), else the row says
    which backup_job_info call (job_id) gives it."""
    health = {}
    for vault, dummy, result in _by_vault(items):
        for item in result.get("protected_items") or []:
            properties = item.get("properties") or {}
            if properties.get("last_backup_status") == "Failed":
                health[(vault.lower(), str(properties.get("friendly_name") or "").lower())] = _health_text(properties.get("health_details"))
    rows = []
    for vault, group, result in _by_vault(jobs):
        failure = _failure(result)
        if failure:
            rows.append({"vault": vault, "resource_group": group, "error": failure})
            continue
        for job in result.get("jobs") or []:
            properties = job.get("properties") or {}
            if properties.get("status") not in ATTENTION:
                continue
            entity = properties.get("entity_friendly_name") or ""
            errors = "; ".join(f"{entry.get('error_code') or ''} {entry.get('error_string') or entry.get('error_title') or ''}".strip()
                               for entry in job.get("errors") or [])
            source = "job"
            if not errors and properties.get("operation") == "Backup" and properties.get("status") == "Failed":
                errors, source = health.get((vault.lower(), entity.lower()), ""), "item health"
            if not errors:
                errors, source = f"details: backup_job_info job_id={job.get('name')}", "none in the list"
            rows.append({"vault": vault, "resource_group": group, "entity": entity, "operation": properties.get("operation"),
                         "status": properties.get("status"), "start_time": properties.get("start_time"), "job_id": job.get("name"),
                         "error": errors, "error_source": source})
    return sorted(rows, key=lambda row: str(row.get("start_time") or ""), reverse=True)


def _aligned(lines):
    widths = [max(len(str(line[index])) for line in lines) for index in range(len(lines[0]))]
    return ["  ".join(str(value).ljust(width) for value, width in zip(line, widths)).rstrip() for line in lines]


def recovery_health_table(rows, jobs=None):
    """Aligned text: one line per VM (``!`` = RPO missed), then the jobs needing attention with their errors."""
    lines = [("RPO", "VM", "VAULT", "POLICY", "LAST BACKUP", "RESULT", "NEWEST POINT AGE (h)", "PROMISED (h)")]
    for row in rows:
        if row.get("error"):
            lines.append(("ERROR", "-", row["vault"], "-", "-", "-", "-", "-"))
            continue
        mark = {True: "met", False: "MISSED!", None: "-"}[row["rpo_met"]]
        lines.append((mark, row["vm"], row["vault"], row["policy"] or "-", (row["last_backup_time"] or "never")[:19],
                      row["last_backup_status"] or "-", "-" if row["newest_point_age_hours"] is None else row["newest_point_age_hours"],
                      row["rpo_hours"] or "-"))
    text = _aligned(lines)
    text += [f"missed   {row['vault']}/{row['vm']}: {row['reason']}" for row in rows if row.get("rpo_met") is False]
    text += [f"error    {row['vault']}: {row['error']}" for row in rows if row.get("error")]
    for job in jobs or []:
        if job.get("entity") is None:
            text.append(f"error    {job['vault']}: jobs not listed: {job['error']}")
        else:
            text.append(f"job      {job['vault']}/{job['entity']}: {job['operation']} {job['status']} at {str(job['start_time'])[:19]}: {job['error']}")
    return text


class FilterModule:
    """azure_backup.recovery_services filters for the audit's recovery health."""

    def filters(self):
        return {"recovery_health_rows": recovery_health_rows, "jobs_needing_attention": jobs_needing_attention,
                "recovery_health_table": recovery_health_table}
