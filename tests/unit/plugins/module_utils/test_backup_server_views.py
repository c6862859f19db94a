"""Backup servers of a vault from Azure's listings (plugins/module_utils/_backup_servers.py)."""

import datetime

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _backup_servers as servers

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.timezone.utc)
MABS = {"name": "mabs-01", "properties": {
    "backupManagementType": "AzureBackupServer", "backupEngineType": "AzureBackupServerEngine", "dpmVersion": "14.0.30.0",
    "azureBackupAgentVersion": "2.0.9532.0", "healthStatus": "Healthy", "registrationStatus": "Registered", "isDpmUpgradeAvailable": False,
    "extendedInfo": {"refreshedAt": "2026-11-30T10:00:00Z", "protectedServersCount": 1, "protectedItemsCount": 3}}}
DPM_NEVER = {"name": "dpm-01", "properties": {"backupManagementType": "DPM", "dpmVersion": "10.22.0.0", "isAzureBackupAgentUpgradeAvailable": True}}
PROTECTED = {"name": "fs-01", "properties": {"backupManagementType": "AzureBackupServer", "containerType": "AzureBackupServerContainer",
                                             "dpmServers": ["MABS-01"], "protectedItemCount": 3,
                                             "extendedInfo": {"lastRefreshedAt": "2026-11-30T09:00:00Z"}}}
OTHERS = {"name": "hv-01", "properties": {"backupManagementType": "AzureBackupServer", "dpmServers": ["mabs-02"]}}
MARS = {"name": "win-01", "properties": {"backupManagementType": "MAB", "containerType": "Windows", "agentVersion": "2.0.9600.0",
                                         "containerHealthState": "Warning", "healthStatus": "Healthy", "protectedItemCount": 2,
                                         "extendedInfo": {"lastRefreshedAt": "2026-11-27T12:00:00Z"}}}


def test_engines_carry_the_containers_naming_them_and_mars_agents_follow():
    found = servers.backup_servers([MABS, DPM_NEVER], {"AzureBackupServer": [PROTECTED, OTHERS], "MAB": [MARS]}, NOW, 48)
    assert [(server["name"], server["kind"]) for server in found] == [("dpm-01", "DPM"), ("mabs-01", "MABS"), ("win-01", "MARS")]
    dpm, mabs, mars = found
    assert [container["name"] for container in mabs["containers"]] == ["fs-01"]  # hv-01 belongs to another server
    assert mabs["containers"][0]["hours_since_contact"] == 3.0
    assert (mabs["version"], mabs["agent_version"], mabs["hours_since_contact"], mabs["stale"]) == ("14.0.30.0", "2.0.9532.0", 2.0, False)
    assert dpm["last_contact"] is None and dpm["stale"] and dpm["upgrade_available"] and dpm["containers"] == []
    assert (mars["version"], mars["health"], mars["protected_items_count"], mars["hours_since_contact"]) == ("2.0.9600.0", "Warning", 2, 72.0)
    assert mars["stale"] and mars["containers"][0]["container_type"] == "Windows"


def test_the_threshold_is_exclusive():
    found = servers.backup_servers([], {"MAB": [MARS]}, NOW, 72)
    assert not found[0]["stale"]
    assert servers.backup_servers([], {"MAB": [MARS]}, NOW, 71)[0]["stale"]


def test_engine_filter_text():
    assert servers.engine_filter("DPM") == "backupManagementType eq 'DPM'"
