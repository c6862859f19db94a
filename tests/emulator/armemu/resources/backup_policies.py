"""Backup policies of a vault (``V/backupPolicies``): the three defaults and read routes.

A new vault comes with ``DefaultPolicy`` (AzureIaasVM V1), ``EnhancedPolicy`` (AzureIaasVM V2,
hourly) and ``HourlyLogBackup`` (AzureWorkload SQL), with the values of a real 2026 export
(contract §3.2). Only GET and list are served here; writes belong to a later file.

- ``GET V/backupPolicies[?$filter=backupManagementType eq 'AzureIaasVM']`` → 200 ``{"value": [...]}``
- ``GET V/backupPolicies/{policyName}`` → 200, or 404 ``BMSUserErrorPolicyNotExist`` (inferred code)
"""

import re

from armemu.core.errors import ArmError
from armemu.core.http import json_response
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, require_vault

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


@route("GET", VAULT + "/backupPolicies")
def list_policies(req):
    policies = req.emu.store.children(require_vault(req)["id"], "backupPolicies")
    return paged_response(req, [policy for policy in policies if _matches_filter(policy, req.query_value("$filter"))])


@route("GET", VAULT + "/backupPolicies/{policyName}")
def get_policy(req):
    body = req.emu.store.get(f"{require_vault(req)['id']}/backupPolicies/{req.params['policyName']}")
    if body is None:
        raise ArmError(404, "BMSUserErrorPolicyNotExist", f"Policy '{req.params['policyName']}' does not exist in the vault.")
    return json_response(200, body)
