"""Azure Monitor diagnostic settings on a vault (Microsoft.Insights, api-version 2021-05-01-preview).

Routes under ``{vaultId}/providers/Microsoft.Insights/`` (contract §5, the 2021-05-01-preview spec):
- ``PUT diagnosticSettings/{name}`` → **200** (never 201) with the setting; ``GET`` one → 200;
  ``GET diagnosticSettings`` → 200 ``{"value": [...]}`` without nextLink; ``DELETE`` → 200, or 204
  when there is nothing to delete.
- ``GET diagnosticSettingsCategories[/{name}]`` → the categories a vault offers.

Validation, in Azure's words where a real message is known:
- an unknown category → 400 BadRequest "Category 'X' is not supported.";
- mixing ``category`` and ``categoryGroup`` → 400 "Diagnostic setting does not support mix of log
  category and log category group.";
- a retention policy that is enabled → 400 "Diagnostic settings does not support retention for new
  diagnostic settings.";
- the same destination for the same category in two settings → 409 Conflict "Data sink '...' is
  already used in diagnostic setting '...' for category '...'. Data sinks can't be reused in
  different settings on the same category for the same resource.";
- at most 5 settings per resource; at least one destination; a storage account in the resource's
  region (messages for these three are inferred).
The Monitor RP's error body is flat: ``{"code": ..., "message": ...}`` (the spec's ErrorResponse).
"""

from armemu.core.arm import normalise_location
from armemu.core.errors import ArmError
from armemu.core.http import empty_response, json_response
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, require_vault

INSIGHTS = VAULT + "/providers/Microsoft.Insights"
SETTING_TYPE = "Microsoft.Insights/diagnosticSettings"
MAX_SETTINGS = 5
BACKUP_LOG_CATEGORIES = ("CoreAzureBackup", "AddonAzureBackupJobs", "AddonAzureBackupAlerts", "AddonAzureBackupPolicy",
                         "AddonAzureBackupStorage", "AddonAzureBackupProtectedInstance", "AzureBackupReport", "AzureBackupOperations")
SITE_RECOVERY_LOG_CATEGORIES = ("AzureSiteRecoveryJobs", "AzureSiteRecoveryEvents", "AzureSiteRecoveryReplicatedItems",
                                "AzureSiteRecoveryReplicationStats", "AzureSiteRecoveryRecoveryPoints",
                                "AzureSiteRecoveryReplicationDataUploadRate", "AzureSiteRecoveryProtectedDiskDataChurn",
                                "ASRReplicatedItems")
METRIC_CATEGORIES = ("Health",)
CATEGORY_GROUPS = ("allLogs",)
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId", "serviceBusRuleId")


class InsightsError(ArmError):
    """An error in the Monitor RP's flat format ``{"code", "message"}``."""

    def body(self):
        return {"code": self.code, "message": self.message}


def _settings_prefix(vault_id):
    return f"{vault_id}/providers/microsoft.insights/diagnosticSettings"


def _category_body(vault_id, name, category_type):
    body = {"id": f"{vault_id}/providers/microsoft.insights/diagnosticSettingsCategories/{name}", "name": name,
            "type": "microsoft.insights/diagnosticSettingsCategories", "properties": {"categoryType": category_type}}
    if category_type == "Logs":
        body["properties"]["categoryGroups"] = list(CATEGORY_GROUPS)
    return body


def vault_categories(vault_id):
    logs = [_category_body(vault_id, name, "Logs") for name in BACKUP_LOG_CATEGORIES + SITE_RECOVERY_LOG_CATEGORIES]
    return logs + [_category_body(vault_id, name, "Metrics") for name in METRIC_CATEGORIES]


def _check_entries(entries, known, kind):
    for entry in entries:
        if entry.get("category") and entry.get("categoryGroup"):
            raise InsightsError(400, "BadRequest", "Diagnostic setting does not support mix of log category and log category group.")
        name = entry.get("category") or entry.get("categoryGroup")
        if name is None:
            raise InsightsError(400, "BadRequest", f"Each {kind} setting needs a category or a categoryGroup.")
        if name.lower() not in {item.lower() for item in known}:
            raise InsightsError(400, "BadRequest", f"Category '{name}' is not supported.")
        if not isinstance(entry.get("enabled"), bool):
            raise InsightsError(400, "BadRequest", f"The 'enabled' field of {kind} category '{name}' is required.")
        if (entry.get("retentionPolicy") or {}).get("enabled"):
            raise InsightsError(400, "BadRequest", "Diagnostic settings does not support retention for new diagnostic settings.")
    has_category = any(entry.get("category") for entry in entries)
    if has_category and any(entry.get("categoryGroup") for entry in entries):
        raise InsightsError(400, "BadRequest", "Diagnostic setting does not support mix of log category and log category group.")


def _enabled_categories(properties):
    """Lower-cased names of the enabled log categories (a category group stands for its members)."""
    names = set()
    for entry in properties.get("logs") or []:
        if entry.get("enabled"):
            if entry.get("categoryGroup"):
                names.update(name.lower() for name in BACKUP_LOG_CATEGORIES + SITE_RECOVERY_LOG_CATEGORIES)
            else:
                names.add(entry["category"].lower())
    return names


def _check_sink_reuse(others, name, properties):
    """409 when another setting already sends one of the same categories to one of the same destinations."""
    mine = _enabled_categories(properties)
    for other in others:
        if other["name"].lower() == name.lower():
            continue
        shared = mine & _enabled_categories(other["properties"])
        for destination in DESTINATIONS:
            sink = properties.get(destination)
            if sink and shared and sink.lower() == (other["properties"].get(destination) or "").lower():
                category = sorted(shared)[0]
                raise InsightsError(409, "Conflict",
                                    f"Data sink '{sink}' is already used in diagnostic setting '{other['name']}' for category '{category}'. "
                                    "Data sinks can't be reused in different settings on the same category for the same resource.")


def _check_storage_region(store, vault, properties):
    account_id = properties.get("storageAccountId")
    account = store.get(account_id) if account_id else None
    if account and account["location"] != normalise_location(vault["location"]):
        raise InsightsError(400, "BadRequest",
                            f"The storage account '{account_id}' is in '{account['location']}'; a diagnostic setting can only archive "
                            f"to a storage account in the resource's region '{vault['location']}'.")


def _validate(store, vault, name, properties, others):
    if not any(properties.get(destination) for destination in DESTINATIONS):
        raise InsightsError(400, "BadRequest", "At least one destination (workspaceId, storageAccountId, eventHubAuthorizationRuleId, "
                                               "marketplacePartnerId) must be specified.")
    categories = vault_categories(vault["id"])
    log_names = [item["name"] for item in categories if item["properties"]["categoryType"] == "Logs"] + list(CATEGORY_GROUPS)
    metric_names = [item["name"] for item in categories if item["properties"]["categoryType"] == "Metrics"]
    _check_entries(properties.get("logs") or [], log_names, "log")
    _check_entries(properties.get("metrics") or [], metric_names, "metric")
    destination_type = properties.get("logAnalyticsDestinationType")
    if destination_type not in (None, "Dedicated", "AzureDiagnostics"):
        raise InsightsError(400, "BadRequest", f"Invalid logAnalyticsDestinationType '{destination_type}'. Allowed values: Dedicated, "
                                               "AzureDiagnostics.")
    if len(others) >= MAX_SETTINGS and name.lower() not in {other["name"].lower() for other in others}:
        raise InsightsError(400, "BadRequest", f"Diagnostic settings are limited to {MAX_SETTINGS} per resource; "
                                               f"'{vault['name']}' already has {len(others)}.")
    _check_storage_region(store, vault, properties)
    _check_sink_reuse(others, name, properties)


def _stored_properties(properties):
    """What the RP echoes: the known fields, retention policies filled in as disabled."""
    kept = {key: properties[key] for key in DESTINATIONS + ("eventHubName", "logAnalyticsDestinationType") if properties.get(key)}
    kept["logs"] = [dict(entry, retentionPolicy=entry.get("retentionPolicy") or {"enabled": False, "days": 0})
                    for entry in properties.get("logs") or []]
    kept["metrics"] = [dict(entry, retentionPolicy=entry.get("retentionPolicy") or {"enabled": False, "days": 0})
                       for entry in properties.get("metrics") or []]
    return kept


@route("PUT", INSIGHTS + "/diagnosticSettings/{name}")
def put_setting(req):
    vault = require_vault(req)
    name = req.params["name"]
    properties = req.json().get("properties")
    if not isinstance(properties, dict):
        raise InsightsError(400, "BadRequest", "The request body needs 'properties'.")
    others = req.emu.store.children(vault["id"], "providers/microsoft.insights/diagnosticSettings")
    _validate(req.emu.store, vault, name, properties, others)
    existing = next((other for other in others if other["name"].lower() == name.lower()), None)
    body = {"id": f"{_settings_prefix(vault['id'])}/{existing['name'] if existing else name}",
            "type": SETTING_TYPE, "name": existing["name"] if existing else name, "properties": _stored_properties(properties)}
    req.emu.store.put(body["id"], body)
    return json_response(200, body)


@route("GET", INSIGHTS + "/diagnosticSettings/{name}")
def get_setting(req):
    vault = require_vault(req)
    body = req.emu.store.get(f"{_settings_prefix(vault['id'])}/{req.params['name']}")
    if body is None:
        raise InsightsError(404, "ResourceNotFound", f"The diagnostic setting '{req.params['name']}' doesn't exist.")
    return json_response(200, body)


@route("GET", INSIGHTS + "/diagnosticSettings")
def list_settings(req):
    vault = require_vault(req)
    return json_response(200, {"value": req.emu.store.children(vault["id"], "providers/microsoft.insights/diagnosticSettings")})


@route("DELETE", INSIGHTS + "/diagnosticSettings/{name}")
def delete_setting(req):
    vault = require_vault(req)
    deleted = req.emu.store.delete(f"{_settings_prefix(vault['id'])}/{req.params['name']}")
    return empty_response(200 if deleted else 204)


@route("GET", INSIGHTS + "/diagnosticSettingsCategories")
def list_categories(req):
    return json_response(200, {"value": vault_categories(require_vault(req)["id"])})


@route("GET", INSIGHTS + "/diagnosticSettingsCategories/{name}")
def get_category(req):
    vault = require_vault(req)
    for category in vault_categories(vault["id"]):
        if category["name"].lower() == req.params["name"].lower():
            return json_response(200, category)
    raise InsightsError(404, "ResourceNotFound", f"Category '{req.params['name']}' is not supported.")
