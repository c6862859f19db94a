"""Backup policies of a vault (``V/backupPolicies``, api-version 2026-10-01), contract §3.2.

A new vault comes with ``DefaultPolicy`` (AzureIaasVM V1), ``EnhancedPolicy`` (AzureIaasVM V2,
hourly) and ``HourlyLogBackup`` (AzureWorkload SQL), with the values of a real 2026 export.

- ``GET V/backupPolicies[?$filter=backupManagementType eq 'AzureIaasVM']`` → 200 ``{"value": [...]}``
- ``GET V/backupPolicies/{policyName}`` → 200, or 404 ``BMSUserErrorPolicyNotExist`` (inferred code)
- ``PUT V/backupPolicies/{policyName}`` → 200 with the policy when no item uses it; 202 with
  ``Azure-AsyncOperation: V/backupPolicies/{p}/operations/{op}`` + ``Location:
  .../operationResults/{op}`` (no Retry-After, like every Backup RP operation) when it protects items: the policy and its items change
  when the operation ends, with one ConfigureBackup job per item (``jobIds`` in the status).
  AzureIaasVM bodies are validated like Azure (400 ``BMSUserErrorInvalidPolicyInput``): V1 needs
  ``SimpleSchedulePolicy`` (Daily/Weekly), V2 ``SimpleSchedulePolicyV2`` (Hourly interval 4/6/8/12,
  Daily, Weekly); instant restore 1-5 days (V1) or 1-30 (V2); retention counts daily 7-9999,
  weekly 1-5163, monthly 1-1188, yearly 1-99; times on the hour or half hour, echoed as
  ``yyyy-MM-ddTHH:mm:00Z``.
- ``DELETE V/backupPolicies/{policyName}`` → 200 with an empty body and no LRO headers, the policy
  gone at once (Azure's recorded answer for an unused policy), 204 when absent, 400
  ``BMSUserErrorPolicyObjectInUse`` while items use it.
- ``GET .../operations/{op}`` → 200 OperationStatus (``OperationStatusJobsExtendedInfo``);
  ``GET .../operationResults/{op}`` → 200 with the policy (the SDK accepts only 200).

``protectedItemsCount`` is counted from the vault's items on every read, so it is never stale.
"""

import copy
import re
from datetime import datetime

from armemu.core.errors import ArmError
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, status_response
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.core.validation import check_time_zone
from armemu.resources._backup_support import vault_items, without_retry_after
from armemu.resources._vault_support import VAULT, azure_spelling, require_vault
from armemu.resources.backup_jobs import finish_job, start_job

POLICY_TYPE = "Microsoft.RecoveryServices/vaults/backupPolicies"
MIDNIGHT = "2026-01-01T00:00:00Z"
THIRTY_DAYS = {"count": 30, "durationType": "Days"}
FILTER_TERM = re.compile(r"(\w+)\s+eq\s+'([^']*)'", re.IGNORECASE)


def _daily_retention(count_days=30):
    return {"retentionPolicyType": "LongTermRetentionPolicy",
            "dailySchedule": {"retentionTimes": [MIDNIGHT], "retentionDuration": {"count": count_days, "durationType": "Days"}}}


def default_policy():
    return {"backupManagementType": "AzureIaasVM", "protectedItemsCount": 0, "policyType": "V1",
            "instantRpRetentionRangeInDays": 2, "instantRPDetails": {}, "timeZone": "UTC",
            "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                               "scheduleRunTimes": [MIDNIGHT], "scheduleWeeklyFrequency": 0},
            "retentionPolicy": _daily_retention(),
            "tieringPolicy": {"ArchivedRP": {"tieringMode": "DoNotTier", "duration": 0, "durationType": "Invalid"}}}


def enhanced_policy():
    return {"backupManagementType": "AzureIaasVM", "protectedItemsCount": 0, "policyType": "V2",
            "instantRpRetentionRangeInDays": 2, "instantRPDetails": {}, "timeZone": "UTC",
            "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Hourly",
                               "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": "2026-01-01T08:00:00Z",
                                                  "scheduleWindowDuration": 12}},
            "retentionPolicy": _daily_retention(),
            "tieringPolicy": {"ArchivedRP": {"tieringMode": "DoNotTier", "duration": 0, "durationType": "Invalid"}}}


def hourly_log_policy():
    return {"backupManagementType": "AzureWorkload", "workLoadType": "SQLDataBase", "protectedItemsCount": 0,
            "settings": {"timeZone": "UTC", "issqlcompression": False, "isCompression": False},
            "subProtectionPolicy": [
                {"policyType": "Full",
                 "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                                    "scheduleRunTimes": [MIDNIGHT], "scheduleWeeklyFrequency": 0},
                 "retentionPolicy": _daily_retention()},
                {"policyType": "Log",
                 "schedulePolicy": {"schedulePolicyType": "LogSchedulePolicy", "scheduleFrequencyInMins": 60},
                 "retentionPolicy": {"retentionPolicyType": "SimpleRetentionPolicy", "retentionDuration": dict(THIRTY_DAYS)}}],
            "makePolicyConsistent": False}


DEFAULT_POLICIES = {"DefaultPolicy": default_policy, "EnhancedPolicy": enhanced_policy, "HourlyLogBackup": hourly_log_policy}


def policy_resource(vault_id, name, properties):
    return {"id": f"{vault_id}/backupPolicies/{name}", "name": name, "type": POLICY_TYPE, "properties": properties}


def seed_default_policies(store, vault_id):
    """Store the three policies every new vault starts with."""
    for name, make in DEFAULT_POLICIES.items():
        body = policy_resource(vault_id, name, make())
        store.put(body["id"], body)


def _matches_filter(policy, filter_text):
    """``backupManagementType eq 'X' [and workloadType eq 'Y']``, the filters the clients send."""
    properties = policy["properties"]
    for field, value in FILTER_TERM.findall(filter_text or ""):
        if field.lower() == "backupmanagementtype" and properties.get("backupManagementType", "").lower() != value.lower():
            return False
        if field.lower() == "workloadtype" and properties.get("workLoadType", "VM").lower() != value.lower():
            return False
    return True


def find_policy(store, vault_id, name):
    return store.get(f"{vault_id}/backupPolicies/{name}")


def policy_users(store, vault_id, policy_id):
    """The vault's items associated with the policy (stopped-with-retain-forever items are not)."""
    return [item for item in vault_items(store, vault_id) if item["properties"].get("policyId", "").lower() == policy_id.lower()]


def with_counts(store, vault_id, policies):
    """``policies`` with ``protectedItemsCount`` counted from the vault's items (one scan for all)."""
    counts = {}
    for item in vault_items(store, vault_id):
        key = item["properties"].get("policyId", "").lower()
        counts[key] = counts.get(key, 0) + 1
    for policy in policies:
        policy["properties"]["protectedItemsCount"] = counts.get(policy["id"].lower(), 0)
    return policies


@route("GET", VAULT + "/backupPolicies")
def list_policies(req):
    vault_id = require_vault(req)["id"]
    policies = req.emu.store.children(vault_id, "backupPolicies")
    matching = [policy for policy in policies if _matches_filter(policy, req.query_value("$filter"))]
    return paged_response(req, with_counts(req.emu.store, vault_id, matching))


def _require_policy(req):
    vault_id = require_vault(req)["id"]
    body = find_policy(req.emu.store, vault_id, req.params["policyName"])
    if body is None:
        raise ArmError(404, "BMSUserErrorPolicyNotExist", f"Policy '{req.params['policyName']}' does not exist in the vault.")
    return with_counts(req.emu.store, vault_id, [body])[0]


@route("GET", VAULT + "/backupPolicies/{policyName}")
def get_policy(req):
    return json_response(200, _require_policy(req))


# --- writes ---------------------------------------------------------------------------------------

INVALID_POLICY = ("Input for create or update policy is not in proper format\r\nPlease check format of parameters like schedule "
                  "time, schedule days, retention time and retention days")
WEEK_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
RETENTION_LIMITS = {  # schedule: (durationType, smallest count, largest count), as the portal and Azure enforce them
    "dailySchedule": ("Days", 7, 9999),
    "weeklySchedule": ("Weeks", 1, 5163),
    "monthlySchedule": ("Months", 1, 1188),
    "yearlySchedule": ("Years", 1, 99),
}
INSTANT_RP_DAYS = {"V1": (1, 5), "V2": (1, 30)}
HOURLY_INTERVALS = (4, 6, 8, 12)
BACKUP_MANAGEMENT_TYPES = ("AzureIaasVM", "AzureStorage", "AzureSql", "AzureWorkload", "MAB", "DPM", "AzureBackupServer", "DefaultBackup")


def _spell(container, key, allowed):
    """Rewrite ``container[key]`` in Azure's spelling when it names one of ``allowed`` in any casing
    (Azure matches enums case-insensitively); anything else is left for the checks to refuse."""
    if isinstance(container, dict):
        container[key] = azure_spelling(container.get(key), allowed) or container.get(key)


def _spell_days(days):
    return [azure_spelling(day, WEEK_DAYS) or day for day in days] if isinstance(days, list) else days


def invalid_policy(detail):
    """Azure's catch-all policy error; the emulator appends what exactly was wrong."""
    return ArmError(400, "BMSUserErrorInvalidPolicyInput", f"{INVALID_POLICY} ({detail})")


def normalise_time(value, field):
    """A schedule or retention time as the service echoes it: ``yyyy-MM-ddTHH:mm:00Z``, on the hour or half hour."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as err:
        raise invalid_policy(f"{field} '{value}' is not a date-time") from err
    if moment.minute not in (0, 30) or moment.second or moment.microsecond:
        raise invalid_policy(f"{field} '{value}' must be on the hour or half hour")
    return moment.strftime("%Y-%m-%dT%H:%M:00Z")


def _one_time(times, field):
    if not isinstance(times, list) or len(times) != 1:
        raise invalid_policy(f"{field} must hold exactly one time")
    return [normalise_time(times[0], field)]


def _days(days, field):
    if not isinstance(days, list) or not days or any(day not in WEEK_DAYS for day in days):
        raise invalid_policy(f"{field} must list days among {', '.join(WEEK_DAYS)}")
    return days


def _checked_v1_schedule(schedule):
    _spell(schedule, "scheduleRunFrequency", ("Daily", "Weekly", "Hourly"))
    if schedule.get("scheduleRunDays") is not None:
        schedule["scheduleRunDays"] = _spell_days(schedule["scheduleRunDays"])
    frequency = schedule.get("scheduleRunFrequency")
    if frequency not in ("Daily", "Weekly"):
        raise invalid_policy(f"a V1 policy runs Daily or Weekly, not {frequency!r} (hourly backups need an Enhanced (V2) policy)")
    schedule["scheduleRunTimes"] = _one_time(schedule.get("scheduleRunTimes"), "scheduleRunTimes")
    if frequency == "Weekly":
        schedule["scheduleRunDays"] = _days(schedule.get("scheduleRunDays"), "scheduleRunDays")
    schedule.setdefault("scheduleWeeklyFrequency", 0)
    return frequency


def _checked_v2_schedule(schedule):
    _spell(schedule, "scheduleRunFrequency", ("Daily", "Weekly", "Hourly"))
    if isinstance(schedule.get("weeklySchedule"), dict) and schedule["weeklySchedule"].get("scheduleRunDays") is not None:
        schedule["weeklySchedule"]["scheduleRunDays"] = _spell_days(schedule["weeklySchedule"]["scheduleRunDays"])
    frequency = schedule.get("scheduleRunFrequency")
    if frequency == "Hourly":
        hourly = schedule.get("hourlySchedule") or {}
        if hourly.get("interval") not in HOURLY_INTERVALS:
            raise invalid_policy(f"hourlySchedule.interval must be one of {', '.join(map(str, HOURLY_INTERVALS))}")
        duration = hourly.get("scheduleWindowDuration")
        if not isinstance(duration, int) or not hourly["interval"] <= duration <= 24:
            raise invalid_policy("hourlySchedule.scheduleWindowDuration must be between the interval and 24 hours")
        hourly["scheduleWindowStartTime"] = normalise_time(hourly.get("scheduleWindowStartTime"), "scheduleWindowStartTime")
    elif frequency == "Daily":
        daily = schedule.get("dailySchedule") or {}
        daily["scheduleRunTimes"] = _one_time(daily.get("scheduleRunTimes"), "dailySchedule.scheduleRunTimes")
    elif frequency == "Weekly":
        weekly = schedule.get("weeklySchedule") or {}
        weekly["scheduleRunDays"] = _days(weekly.get("scheduleRunDays"), "weeklySchedule.scheduleRunDays")
        weekly["scheduleRunTimes"] = _one_time(weekly.get("scheduleRunTimes"), "weeklySchedule.scheduleRunTimes")
    else:
        raise invalid_policy(f"scheduleRunFrequency must be Hourly, Daily or Weekly, not {frequency!r}")
    return frequency


def _checked_retention(retention, frequency):
    _spell(retention, "retentionPolicyType", ("LongTermRetentionPolicy", "SimpleRetentionPolicy"))
    for key, (duration_type, _least, _most) in RETENTION_LIMITS.items():
        if isinstance(retention, dict) and isinstance(retention.get(key), dict):
            _spell(retention[key].get("retentionDuration"), "durationType", (duration_type,))
    if not isinstance(retention, dict) or retention.get("retentionPolicyType") != "LongTermRetentionPolicy":
        raise invalid_policy("retentionPolicy must be a LongTermRetentionPolicy")
    if frequency in ("Daily", "Hourly") and not retention.get("dailySchedule"):
        raise invalid_policy("a daily or hourly schedule needs dailySchedule retention")
    if frequency == "Weekly" and not retention.get("weeklySchedule"):
        raise invalid_policy("a weekly schedule needs weeklySchedule retention")
    for key, (duration_type, smallest, largest) in RETENTION_LIMITS.items():
        rule = retention.get(key)
        if not rule:
            continue
        duration = rule.get("retentionDuration") or {}
        count = duration.get("count")
        if duration.get("durationType") != duration_type or not isinstance(count, int) or not smallest <= count <= largest:
            raise invalid_policy(f"{key}.retentionDuration must be {smallest}-{largest} {duration_type}")
        rule["retentionTimes"] = [normalise_time(value, f"{key}.retentionTimes") for value in rule.get("retentionTimes") or []]


def checked_vm_policy(properties):
    """An AzureIaasVM policy body as Azure stores it, or ``invalid_policy``."""
    policy = copy.deepcopy(properties)
    _spell(policy, "policyType", tuple(INSTANT_RP_DAYS))
    _spell(policy.get("schedulePolicy"), "schedulePolicyType", ("SimpleSchedulePolicy", "SimpleSchedulePolicyV2"))
    policy_type = policy.setdefault("policyType", "V1")
    if policy_type not in INSTANT_RP_DAYS:
        raise invalid_policy("policyType must be V1 or V2")
    schedule = policy.get("schedulePolicy")
    wanted_type = "SimpleSchedulePolicy" if policy_type == "V1" else "SimpleSchedulePolicyV2"
    if not isinstance(schedule, dict) or schedule.get("schedulePolicyType") != wanted_type:
        raise invalid_policy(f"a {policy_type} policy needs schedulePolicyType {wanted_type}")
    frequency = _checked_v1_schedule(schedule) if policy_type == "V1" else _checked_v2_schedule(schedule)
    _checked_retention(policy.get("retentionPolicy"), frequency)
    smallest, largest = INSTANT_RP_DAYS[policy_type]
    instant_days = policy.setdefault("instantRpRetentionRangeInDays", 2)
    if not isinstance(instant_days, int) or not smallest <= instant_days <= largest:
        raise invalid_policy(f"instantRpRetentionRangeInDays must be {smallest}-{largest} for a {policy_type} policy")
    policy.setdefault("timeZone", "UTC")
    policy.setdefault("instantRPDetails", {})
    policy.setdefault("tieringPolicy", {"ArchivedRP": {"tieringMode": "DoNotTier", "duration": 0, "durationType": "Invalid"}})
    policy["protectedItemsCount"] = 0
    return policy


def checked_policy(properties, current):
    if not isinstance(properties, dict) or not properties.get("backupManagementType"):
        raise invalid_policy("properties.backupManagementType is required")
    properties = dict(properties)
    _spell(properties, "backupManagementType", BACKUP_MANAGEMENT_TYPES)
    if current and current["properties"]["backupManagementType"] != properties["backupManagementType"]:
        raise invalid_policy("the backupManagementType of an existing policy cannot change")
    if properties["backupManagementType"] == "AzureIaasVM":
        return checked_vm_policy(properties)
    return dict(copy.deepcopy(properties), protectedItemsCount=0)


def _policy_scope(vault_id, name):
    return f"{vault_id}/backupPolicies/{name}"


def _policy_accepted(req, vault_id, name, operation):
    query = {"api-version": req.api_version}
    base = _policy_scope(vault_id, name)
    return without_retry_after(accepted(req.emu.ops, operation, req.url_for(f"{base}/operations/{operation.id}", query),
                                        req.url_for(f"{base}/operationResults/{operation.id}", query)))


def _jobs_info(job_ids):
    return {"objectType": "OperationStatusJobsExtendedInfo", "jobIds": [job.rsplit("/", 1)[-1] for job in job_ids], "failedJobsError": {}}


@route("PUT", VAULT + "/backupPolicies/{policyName}")
def put_policy(req):
    vault_id = require_vault(req)["id"]
    store, name = req.emu.store, req.params["policyName"]
    current = find_policy(store, vault_id, name)
    check_time_zone((req.json().get("properties") or {}).get("timeZone"))
    body = policy_resource(vault_id, current["name"] if current else name, checked_policy(req.json().get("properties"), current))
    users = policy_users(store, vault_id, body["id"]) if current else []
    if not users:
        store.put(body["id"], body)
        return json_response(200, body)
    jobs = [start_job(store, vault_id, "ConfigureBackup", item["properties"]["friendlyName"],
                      item["properties"]["containerName"], {"Policy Name": body["name"]}, user_triggered=False) for item in users]

    def apply():
        store.put(body["id"], body)
        for item in policy_users(store, vault_id, body["id"]):
            item["properties"]["policyType"] = body["properties"].get("policyType", "V1")
            store.put(item["id"], item)
        for job in jobs:
            finish_job(store, job)
    operation = req.emu.ops.start(_policy_scope(vault_id, body["name"]), on_complete=apply, properties=_jobs_info(jobs), kind="policy_update",
                                  result=lambda: json_response(200, with_counts(store, vault_id, [store.get(body["id"])])[0]))
    return _policy_accepted(req, vault_id, body["name"], operation)


@route("DELETE", VAULT + "/backupPolicies/{policyName}")
def delete_policy(req):
    vault_id = require_vault(req)["id"]
    store = req.emu.store
    policy = find_policy(store, vault_id, req.params["policyName"])
    if policy is None:
        return empty_response(204)
    users = policy_users(store, vault_id, policy["id"])
    if users:
        raise ArmError(400, "BMSUserErrorPolicyObjectInUse",
                       f"Policy '{policy['name']}' is associated with {len(users)} backup item(s). Associate the items with another "
                       "policy or stop their protection before you delete the policy.")
    store.delete(policy["id"])
    return empty_response(200)


def _policy_operation(req):
    vault_id = require_vault(req)["id"]
    return req.emu.ops.get(req.params["operationId"], _policy_scope(vault_id, req.params["policyName"]))


@route("GET", VAULT + "/backupPolicies/{policyName}/operations/{operationId}")
def policy_operation_status(req):
    operation = _policy_operation(req)
    return without_retry_after(status_response(req.emu.ops, operation, operation.id, placeholder_end_time=True))


@route("GET", VAULT + "/backupPolicies/{policyName}/operationResults/{operationId}")
def policy_operation_result(req):
    """200 with the policy whether or not the operation has finished: the SDK accepts nothing else."""
    operation = _policy_operation(req)
    if operation.done and operation.result:
        return operation.result()
    return json_response(200, _require_policy(req))
