"""Diagnostic settings on a vault through azure-mgmt-monitor 6.0.2 (2021-05-01-preview models)."""

import pytest
import yaml
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.monitor.v2021_05_01_preview.models import DiagnosticSettingsResource, LogSettings

from helpers import DEMO, GROUP, SUBSCRIPTION, vault_path

VAULT = vault_path("rsv-diag")
RG_WEU = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app-weu/providers"
WORKSPACE = f"{RG_WEU}/Microsoft.OperationalInsights/workspaces/law-weu"
STORAGE_WEU = f"{RG_WEU}/Microsoft.Storage/storageAccounts/stweu"
STORAGE_NEU = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app-neu/providers/Microsoft.Storage/storageAccounts/stneu"
BACKUP_CATEGORIES = ("CoreAzureBackup", "AddonAzureBackupJobs", "AddonAzureBackupAlerts", "AddonAzureBackupPolicy",
                     "AddonAzureBackupStorage", "AddonAzureBackupProtectedInstance")


@pytest.fixture(autouse=True)
def reports_world(emu):
    estate = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    estate["vaults"] = [{"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": "rsv-diag", "location": "westeurope"}]
    estate["logAnalyticsWorkspaces"] = [{"subscription": SUBSCRIPTION, "resourceGroup": "rg-app-weu", "name": "law-weu", "location": "westeurope"}]
    estate["storageAccounts"] = [{"subscription": SUBSCRIPTION, "resourceGroup": "rg-app-weu", "name": "stweu", "location": "westeurope"},
                                 {"subscription": SUBSCRIPTION, "resourceGroup": "rg-app-neu", "name": "stneu", "location": "northeurope"}]
    estate["eventHubNamespaces"] = [{"subscription": SUBSCRIPTION, "resourceGroup": "rg-app-weu", "name": "evhns-weu", "location": "westeurope"}]
    emu.load_estate(estate)


@pytest.fixture(scope="module")
def monitor(emu, credential):
    return MonitorManagementClient(credential, SUBSCRIPTION, base_url=emu.endpoint, credential_scopes=["https://management.azure.com/.default"],
                                   connection_verify=emu.ca_file, polling_interval=1)


def setting(categories=BACKUP_CATEGORIES, **destinations):
    destinations.setdefault("workspace_id", WORKSPACE)
    return DiagnosticSettingsResource(logs=[LogSettings(category=name, enabled=True) for name in categories],
                                      log_analytics_destination_type="Dedicated", **destinations)


def test_put_answers_200_and_reads_back(monitor, raw):
    created = monitor.diagnostic_settings.create_or_update(VAULT, "reports", setting())
    assert created.name == "reports" and created.workspace_id == WORKSPACE
    assert created.id.lower() == f"{VAULT}/providers/microsoft.insights/diagnosticSettings/reports".lower()
    assert [log.category for log in created.logs] == list(BACKUP_CATEGORIES)
    assert created.logs[0].retention_policy.enabled is False
    assert monitor.diagnostic_settings.get(VAULT, "reports").log_analytics_destination_type == "Dedicated"
    listed = raw.arm("GET", VAULT + "/providers/Microsoft.Insights/diagnosticSettings", api_version="2021-05-01-preview").json()
    assert [item["name"] for item in listed["value"]] == ["reports"] and "nextLink" not in listed
    statuses = [entry["status"] for entry in raw.requests_since()["requests"] if entry["method"] == "PUT"]
    assert statuses == [200]


def test_categories_of_a_vault(monitor):
    categories = {item.name: item.category_type for item in monitor.diagnostic_settings_category.list(VAULT)}
    assert all(categories[name] == "Logs" for name in BACKUP_CATEGORIES + ("AzureBackupReport", "AzureSiteRecoveryJobs"))
    assert categories["Health"] == "Metrics"


def test_unknown_category_is_400_with_azures_flat_error(monitor):
    with pytest.raises(HttpResponseError) as caught:
        monitor.diagnostic_settings.create_or_update(VAULT, "bad", setting(["CoreAzureBackup", "NoSuchCategory"]))
    assert caught.value.status_code == 400
    assert caught.value.error.code == "BadRequest" and caught.value.error.message == "Category 'NoSuchCategory' is not supported."


def test_same_sink_and_category_in_two_settings_is_a_conflict(monitor):
    monitor.diagnostic_settings.create_or_update(VAULT, "first", setting())
    with pytest.raises(HttpResponseError) as caught:
        monitor.diagnostic_settings.create_or_update(VAULT, "second", setting(["CoreAzureBackup"]))
    assert caught.value.status_code == 409 and "Data sinks can't be reused" in caught.value.error.message
    monitor.diagnostic_settings.create_or_update(VAULT, "second", setting(["AzureBackupReport"]))


def test_at_most_five_settings(monitor):
    for index in range(5):
        monitor.diagnostic_settings.create_or_update(VAULT, f"s{index}", setting([BACKUP_CATEGORIES[index]]))
    with pytest.raises(HttpResponseError) as caught:
        monitor.diagnostic_settings.create_or_update(VAULT, "s5", setting([BACKUP_CATEGORIES[5]]))
    assert caught.value.status_code == 400
    monitor.diagnostic_settings.create_or_update(VAULT, "s4", setting([BACKUP_CATEGORIES[5]]))


def test_archive_account_must_be_in_the_vault_region(monitor):
    with pytest.raises(HttpResponseError):
        monitor.diagnostic_settings.create_or_update(VAULT, "archive", setting(storage_account_id=STORAGE_NEU, workspace_id=None))
    assert monitor.diagnostic_settings.create_or_update(VAULT, "archive", setting(storage_account_id=STORAGE_WEU, workspace_id=None))


def test_retention_and_no_destination_are_refused(monitor):
    logs = [LogSettings(category="CoreAzureBackup", enabled=True, retention_policy={"enabled": True, "days": 30})]
    with pytest.raises(HttpResponseError) as caught:
        monitor.diagnostic_settings.create_or_update(VAULT, "retention", DiagnosticSettingsResource(workspace_id=WORKSPACE, logs=logs))
    assert "does not support retention" in caught.value.error.message
    with pytest.raises(HttpResponseError):
        monitor.diagnostic_settings.create_or_update(VAULT, "nowhere", DiagnosticSettingsResource(logs=logs[:0]))


def test_delete_is_200_then_204(monitor, raw):
    monitor.diagnostic_settings.create_or_update(VAULT, "gone", setting())
    monitor.diagnostic_settings.delete(VAULT, "gone")
    monitor.diagnostic_settings.delete(VAULT, "gone")
    assert [entry["status"] for entry in raw.requests_since()["requests"] if entry["method"] == "DELETE"] == [200, 204]
    with pytest.raises(ResourceNotFoundError):
        monitor.diagnostic_settings.get(VAULT, "gone")


def test_destinations_are_readable_with_their_region(raw):
    workspace = raw.arm("GET", WORKSPACE, api_version="2023-09-01").json()
    assert workspace["location"] == "westeurope" and workspace["properties"]["customerId"]
    assert raw.arm("GET", STORAGE_NEU, api_version="2023-05-01").json()["location"] == "northeurope"
    rule = raw.arm("GET", f"{RG_WEU}/Microsoft.EventHub/namespaces/evhns-weu/authorizationRules/RootManageSharedAccessKey",
                   api_version="2024-01-01")
    assert rule.status_code == 200
    assert raw.arm("GET", WORKSPACE + "-missing", api_version="2023-09-01").status_code == 404
