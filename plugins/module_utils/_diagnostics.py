# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Diagnostic settings on a vault (Azure Monitor, 2021-05-01-preview), shared by backup_diagnostics(_info).

Private to the collection. Reads and writes go through azure-mgmt-monitor 6.x (the only release
with diagnostic settings) via ``session.client("monitor")``; the vault's id is the resource URI.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import as_mapping

# The six resource-specific Backup report tables (Log Analytics "Dedicated" mode).
BACKUP_REPORT_CATEGORIES = ("CoreAzureBackup", "AddonAzureBackupJobs", "AddonAzureBackupAlerts", "AddonAzureBackupPolicy",
                            "AddonAzureBackupStorage", "AddonAzureBackupProtectedInstance")
PRESETS = {
    "backup_reports": BACKUP_REPORT_CATEGORIES,
    "backup_reports_legacy": ("AzureBackupReport",),
    "site_recovery": ("AzureSiteRecoveryJobs", "AzureSiteRecoveryEvents", "AzureSiteRecoveryReplicatedItems",
                      "AzureSiteRecoveryReplicationStats", "AzureSiteRecoveryRecoveryPoints",
                      "AzureSiteRecoveryReplicationDataUploadRate", "AzureSiteRecoveryProtectedDiskDataChurn"),
}
DESTINATION_FIELDS = {"workspace_id": "workspaceId", "storage_account_id": "storageAccountId",
                      "event_hub_authorization_rule_id": "eventHubAuthorizationRuleId", "event_hub_name": "eventHubName"}


def setting_view(setting):
    """The managed fields of a diagnostic setting (REST-shaped dict; flattened or not) in snake_case."""
    properties = setting.get("properties") or setting
    view = {key: properties.get(field) or None for key, field in DESTINATION_FIELDS.items()}
    view["log_analytics_destination_type"] = properties.get("logAnalyticsDestinationType") if view["workspace_id"] else None
    view["categories"] = sorted(entry["category"] for entry in properties.get("logs") or [] if entry.get("enabled") and entry.get("category"))
    return view


def policy_compliant(view):
    """Azure Policy's "resource specific categories" definition: the six Backup categories, a workspace, Dedicated."""
    return bool(view["workspace_id"]) and view["log_analytics_destination_type"] == "Dedicated" and \
        set(BACKUP_REPORT_CATEGORIES) <= set(view["categories"])


def monitor(session):
    return session.client("monitor")


def serialised(setting):
    """An SDK (msrest) model as Azure's JSON, so every reader sees ``properties`` like the REST API."""
    return setting.serialize(keep_readonly=True) if hasattr(setting, "serialize") else as_mapping(setting)


def list_settings(session, vault_id, vault_name):
    """Every diagnostic setting of the vault, as REST-shaped dicts."""
    return session.call(f"list diagnostic settings of vault {vault_name}",
                        lambda: [serialised(setting) for setting in monitor(session).diagnostic_settings.list(vault_id)])


def log_categories(session, vault_id, vault_name):
    """The log categories the vault offers (diagnosticSettingsCategories)."""
    return session.call(f"list diagnostic categories of vault {vault_name}",
                        lambda: [category.name for category in monitor(session).diagnostic_settings_category.list(vault_id)
                                 if category.category_type == "Logs"])
