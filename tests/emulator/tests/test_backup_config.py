"""Backup vault config and storage config through azure-mgmt-recoveryservicesbackup 11.2.0."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.recoveryservices.models import Sku, Vault
from azure.mgmt.recoveryservicesbackup.models import (BackupResourceConfig, BackupResourceConfigResource,
                                                      BackupResourceVaultConfig, BackupResourceVaultConfigResource)

from helpers import GROUP, vault_path

VAULT = "rsv-config"


@pytest.fixture
def vault(rs_client):
    return rs_client.vaults.begin_create_or_update(GROUP, VAULT, Vault(location="westeurope", sku=Sku(name="Standard"))).result()


def protect_something(emu):
    container = vault_path(VAULT) + "/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm1"
    item = container + "/protectedItems/VM;iaasvmcontainerv2;rg-app-weu;vm1"
    emu.store.put(container, {"id": container, "name": container.rsplit("/", 1)[1]})
    emu.store.put(item, {"id": item, "name": item.rsplit("/", 1)[1]})


def test_vault_config_mirrors_the_vault(vault, backup_client, rs_client):
    config = backup_client.backup_resource_vault_configs.get(VAULT, GROUP)
    assert isinstance(config, BackupResourceVaultConfigResource)
    assert config.name == "vaultconfig" and config.type == "Microsoft.RecoveryServices/vaults/backupconfig"
    assert (config.properties.soft_delete_feature_state, config.properties.enhanced_security_state,
            config.properties.soft_delete_retention_period_in_days) == ("Enabled", "Enabled", 14)
    updated = backup_client.backup_resource_vault_configs.update(VAULT, GROUP, BackupResourceVaultConfigResource(
        properties=BackupResourceVaultConfig(soft_delete_feature_state="Disabled")))
    assert updated.properties.soft_delete_feature_state == "Disabled"
    soft_delete = rs_client.vaults.get(GROUP, VAULT).properties.security_settings.soft_delete_settings
    assert soft_delete.soft_delete_state == "Disabled" and soft_delete.enhanced_security_state == "Enabled"
    put = backup_client.backup_resource_vault_configs.put(VAULT, GROUP, BackupResourceVaultConfigResource(
        properties=BackupResourceVaultConfig(soft_delete_feature_state="Enabled", soft_delete_retention_period_in_days=30)))
    assert put.properties.soft_delete_retention_period_in_days == 30
    assert rs_client.vaults.get(GROUP, VAULT).properties.security_settings.soft_delete_settings.soft_delete_retention_period_in_days == 30


def test_vault_config_refuses_bad_values(vault, backup_client):
    with pytest.raises(HttpResponseError) as caught:
        backup_client.backup_resource_vault_configs.update(VAULT, GROUP, BackupResourceVaultConfigResource(
            properties=BackupResourceVaultConfig(soft_delete_feature_state="Sometimes")))
    assert caught.value.status_code == 400


def test_vault_config_of_missing_vault_is_404(backup_client):
    with pytest.raises(ResourceNotFoundError):
        backup_client.backup_resource_vault_configs.get("rsv-missing", GROUP)


def test_storage_config_get_put_patch(vault, backup_client, rs_client, raw):
    storage = backup_client.backup_resource_storage_configs_non_crr.get(VAULT, GROUP)
    assert isinstance(storage, BackupResourceConfigResource)
    assert (storage.properties.storage_model_type, storage.properties.storage_type_state,
            storage.properties.cross_region_restore_flag) == ("GeoRedundant", "Unlocked", False)
    updated = backup_client.backup_resource_storage_configs_non_crr.update(VAULT, GROUP, BackupResourceConfigResource(
        properties=BackupResourceConfig(storage_model_type="GeoRedundant", cross_region_restore_flag=True)))
    assert updated.properties.cross_region_restore_flag is True
    assert rs_client.vaults.get(GROUP, VAULT).properties.redundancy_settings.cross_region_restore == "Enabled"
    raw.control("POST", "requests/reset")
    result = backup_client.backup_resource_storage_configs_non_crr.patch(VAULT, GROUP, BackupResourceConfigResource(
        properties=BackupResourceConfig(storage_model_type="LocallyRedundant", cross_region_restore_flag=False)))
    assert result is None
    assert [entry["status"] for entry in raw.requests_since()["requests"]] == [204]
    assert rs_client.vaults.get(GROUP, VAULT).properties.redundancy_settings.standard_tier_storage_redundancy == "LocallyRedundant"


def test_storage_locks_with_the_first_protected_item(vault, backup_client, rs_client, raw):
    protect_something(raw.emu)
    storage = backup_client.backup_resource_storage_configs_non_crr.get(VAULT, GROUP)
    assert storage.properties.storage_type_state == "Locked"
    with pytest.raises(HttpResponseError) as caught:
        backup_client.backup_resource_storage_configs_non_crr.patch(VAULT, GROUP, BackupResourceConfigResource(
            properties=BackupResourceConfig(storage_model_type="LocallyRedundant")))
    assert caught.value.status_code == 400 and caught.value.error.code == "StorageModelModifyError"
    response = raw.arm("PATCH", vault_path(VAULT), {"properties": {"redundancySettings": {"standardTierStorageRedundancy": "ZoneRedundant"}}})
    assert response.status_code == 400 and response.json()["error"]["code"] == "StorageModelModifyError"
    assert rs_client.vaults.get(GROUP, VAULT).properties.redundancy_settings.standard_tier_storage_redundancy == "GeoRedundant"


def test_encryption_config_follows_the_vault(raw, rs_client):
    """GET backupEncryptionConfigs/backupResourceEncryptionConfig: Microsoft-managed until a vault PATCH sets a key."""
    rs_client.vaults.begin_create_or_update(GROUP, "rsv-cmk", {"location": "westeurope", "sku": {"name": "RS0"},
                                                               "identity": {"type": "SystemAssigned"}}).result()
    config_path = vault_path("rsv-cmk") + "/backupEncryptionConfigs/backupResourceEncryptionConfig"
    before = raw.arm("GET", config_path, api_version="2026-10-01")
    assert before.status_code == 200 and before.json()["properties"]["encryptionAtRestType"] == "MicrosoftManaged"
    key = "https://kv-backup.vault.azure.net/keys/backup-key/0123456789abcdef"
    rs_client.vaults.begin_update(GROUP, "rsv-cmk", {"properties": {"encryption": {
        "keyVaultProperties": {"keyUri": key}, "kekIdentity": {"useSystemAssignedIdentity": True},
        "infrastructureEncryption": "Disabled"}}}).result()
    after = raw.arm("GET", config_path, api_version="2026-10-01").json()["properties"]
    assert (after["encryptionAtRestType"], after["keyUri"], after["useSystemAssignedIdentity"]) == ("CustomerManaged", key, True)


def test_deleted_protection_containers_of_a_vm_vault_is_an_empty_list(raw, rs_client):
    rs_client.vaults.begin_create_or_update(GROUP, "rsv-deleted", {"location": "westeurope", "sku": {"name": "RS0"}}).result()
    listed = raw.arm("GET", vault_path("rsv-deleted") + "/backupDeletedProtectionContainers", api_version="2026-10-01")
    assert listed.status_code == 200 and listed.json() == {"value": []}
