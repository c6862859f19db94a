"""A vault's security posture as vault_security_info returns it (plugins/module_utils/_vault_security.py)."""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault_security import security_posture

GUARD = "/subscriptions/2/resourceGroups/rg-sec/providers/Microsoft.DataProtection/resourceGuards/guard-weu"
VAULT = {
    "id": "/subscriptions/1/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-weu",
    "name": "rsv-weu",
    "location": "West Europe",
    "properties": {
        "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Enabled"},
        "securitySettings": {"softDeleteSettings": {"softDeleteState": "AlwaysON", "softDeleteRetentionPeriodInDays": 30,
                                                    "enhancedSecurityState": "Enabled"},
                             "immutabilitySettings": {"state": "Locked"}},
        "restoreSettings": {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": "PermanentlyDisabled"}},
    },
}


def test_every_setting_from_the_vault_body_and_the_guard_proxy():
    assert security_posture(VAULT, {"properties": {"resourceGuardResourceId": GUARD}}) == {
        "name": "rsv-weu", "id": VAULT["id"], "location": "westeurope",
        "soft_delete": "AlwaysON", "soft_delete_retention_days": 30, "enhanced_security": "Enabled", "immutability": "Locked",
        "cross_subscription_restore": "PermanentlyDisabled", "resource_guard_id": GUARD, "multi_user_authorization": "Enabled",
        "storage_redundancy": "GeoRedundant", "cross_region_restore": True,
    }


def test_a_bare_vault_has_no_guard_no_immutability_and_no_cross_region_restore():
    posture = security_posture({"id": VAULT["id"], "name": "rsv-weu", "location": "westeurope", "properties": {}}, None)
    assert (posture["multi_user_authorization"], posture["resource_guard_id"], posture["immutability"], posture["cross_region_restore"]) == \
        ("Disabled", None, "Disabled", False)
    assert posture["soft_delete"] is None and posture["storage_redundancy"] is None
