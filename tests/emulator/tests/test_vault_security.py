"""Vault security through the real SDKs: soft delete rules, resource guard proxies (MUA), security PIN."""

import pytest
import yaml
from azure.core.exceptions import HttpResponseError

from helpers import DEMO, GROUP, SUBSCRIPTION, vault_path

OTHER_TENANT = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
GUARD = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-other/providers/Microsoft.DataProtection/resourceGuards/guard-weu"
REMOTE_GUARD = ("/subscriptions/3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a/resourceGroups/rg-security/providers/"
                "Microsoft.DataProtection/resourceGuards/guard-remote-weu")
GUARD_NEU = GUARD.replace("guard-weu", "guard-neu")
DISABLE_SOFT_DELETE = "/disableSoftDeleteRequests/default"


@pytest.fixture(autouse=True)
def security_world(emu):
    """The demo estate plus three resource guards and one vault."""
    estate = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    estate["resourceGuards"] = [
        {"subscription": "00000000-0000-0000-0000-000000000002", "resourceGroup": "rg-other", "name": "guard-weu", "location": "westeurope"},
        {"subscription": "00000000-0000-0000-0000-000000000002", "resourceGroup": "rg-other", "name": "guard-neu", "location": "northeurope"},
        {"subscription": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a", "resourceGroup": "rg-security", "name": "guard-remote-weu",
         "location": "westeurope", "tenant": OTHER_TENANT},
    ]
    estate["vaults"] = [{"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": "rsv-sec", "location": "westeurope"}]
    emu.load_estate(estate)


def vault_config(backup_client):
    return backup_client.backup_resource_vault_configs.get("rsv-sec", GROUP).properties


def associate(backup_client, guard=GUARD, **kwargs):
    return backup_client.resource_guard_proxy.put("rsv-sec", GROUP, "VaultProxy", {"properties": {"resourceGuardResourceId": guard}}, **kwargs)


def test_backupconfig_and_vault_agree_on_soft_delete(backup_client, rs_client):
    backup_client.backup_resource_vault_configs.update(
        "rsv-sec", GROUP, {"properties": {"softDeleteFeatureState": "AlwaysON", "softDeleteRetentionPeriodInDays": 30}})
    soft_delete = rs_client.vaults.get(GROUP, "rsv-sec").properties.security_settings.soft_delete_settings
    assert (soft_delete.soft_delete_state, soft_delete.soft_delete_retention_period_in_days) == ("AlwaysON", 30)
    with pytest.raises(HttpResponseError) as caught:
        backup_client.backup_resource_vault_configs.update("rsv-sec", GROUP, {"properties": {"softDeleteFeatureState": "Disabled"}})
    assert caught.value.status_code == 400
    assert caught.value.error.code == "BMSUserErrorDisablingSoftDeleteStateNotAllowed"
    assert vault_config(backup_client).soft_delete_feature_state == "AlwaysON"


@pytest.mark.parametrize("days", [13, 181])
def test_retention_outside_14_to_180_days_is_refused(backup_client, days):
    with pytest.raises(HttpResponseError) as caught:
        backup_client.backup_resource_vault_configs.update("rsv-sec", GROUP, {"properties": {"softDeleteRetentionPeriodInDays": days}})
    assert caught.value.status_code == 400 and "between 14 and 180" in caught.value.error.message


def test_locked_immutability_cannot_change(rs_client):
    rs_client.vaults.begin_update(GROUP, "rsv-sec", {"properties": {"securitySettings": {"immutabilitySettings": {"state": "Locked"}}}}).result()
    with pytest.raises(HttpResponseError) as caught:
        rs_client.vaults.begin_update(GROUP, "rsv-sec", {"properties": {"securitySettings": {"immutabilitySettings": {"state": "Unlocked"}}}}).result()
    assert caught.value.status_code == 400 and "irreversible" in caught.value.error.message


def test_proxy_put_reflects_on_the_vault_and_lists(backup_client, rs_client, raw):
    proxy = associate(backup_client)
    assert proxy.name == "VaultProxy" and proxy.properties.resource_guard_resource_id == GUARD
    details = {detail.vault_critical_operation: detail.default_resource_request for detail in proxy.properties.resource_guard_operation_details}
    assert details["Microsoft.RecoveryServices/vaults/backupconfig/write"] == GUARD + DISABLE_SOFT_DELETE
    assert rs_client.vaults.get(GROUP, "rsv-sec").properties.security_settings.multi_user_authorization == "Enabled"
    listed = list(backup_client.resource_guard_proxies.get("rsv-sec", GROUP))
    assert [item.name for item in listed] == ["VaultProxy"]
    assert backup_client.resource_guard_proxy.get("rsv-sec", GROUP, "VaultProxy").id == vault_path("rsv-sec") + "/backupResourceGuardProxies/VaultProxy"
    assert raw.arm("GET", GUARD, api_version="2025-07-01").status_code == 403  # ansible-ci cannot read the security team's subscription


def test_proxy_put_refuses_a_guard_in_another_region_or_missing(backup_client):
    for guard, code in ((GUARD_NEU, "BMSUserErrorResourceGuardLocationMismatch"), (GUARD + "x", "BMSUserErrorResourceGuardNotFound")):
        with pytest.raises(HttpResponseError) as caught:
            associate(backup_client, guard)
        assert caught.value.error.code == code


def test_mua_protects_disabling_soft_delete(backup_client, rs_client):
    associate(backup_client)
    with pytest.raises(HttpResponseError) as caught:
        backup_client.backup_resource_vault_configs.update("rsv-sec", GROUP, {"properties": {"softDeleteFeatureState": "Disabled"}})
    assert caught.value.status_code == 400 and GUARD + DISABLE_SOFT_DELETE in caught.value.error.message
    with pytest.raises(HttpResponseError):
        rs_client.vaults.begin_update(GROUP, "rsv-sec", {"properties": {"securitySettings": {"softDeleteSettings": {"softDeleteState": "Disabled"}}}})
    assert vault_config(backup_client).soft_delete_feature_state == "Enabled"
    backup_client.backup_resource_vault_configs.update(
        "rsv-sec", GROUP, {"properties": {"softDeleteFeatureState": "Disabled", "resourceGuardOperationRequests": [GUARD + DISABLE_SOFT_DELETE]}})
    assert vault_config(backup_client).soft_delete_feature_state == "Disabled"


def test_cross_tenant_guard_needs_the_auxiliary_token(backup_client, raw):
    with pytest.raises(HttpResponseError) as caught:
        associate(backup_client, REMOTE_GUARD)
    assert caught.value.status_code == 401
    associate(backup_client, REMOTE_GUARD, headers={"x-ms-authorization-auxiliary": "Bearer token-from-the-other-tenant"})
    body = {"properties": {"softDeleteFeatureState": "Disabled", "resourceGuardOperationRequests": [REMOTE_GUARD + DISABLE_SOFT_DELETE]}}
    with pytest.raises(HttpResponseError):
        backup_client.backup_resource_vault_configs.update("rsv-sec", GROUP, body)
    backup_client.backup_resource_vault_configs.update("rsv-sec", GROUP, body, x_ms_authorization_auxiliary="Bearer token-from-the-other-tenant")
    assert raw.emu.log.summary()["writes"] == 4


def test_removing_the_guard_needs_an_authorised_unlock(backup_client, rs_client):
    associate(backup_client)
    with pytest.raises(HttpResponseError) as caught:
        backup_client.resource_guard_proxy.delete("rsv-sec", GROUP, "VaultProxy")
    assert caught.value.error.code == "BMSUserErrorUnlockDeleteRequired"
    with pytest.raises(HttpResponseError):
        backup_client.resource_guard_proxy.unlock_delete("rsv-sec", GROUP, "VaultProxy", {"resourceGuardOperationRequests": []})
    unlocked = backup_client.resource_guard_proxy.unlock_delete(
        "rsv-sec", GROUP, "VaultProxy",
        {"resourceGuardOperationRequests": [GUARD + "/deleteResourceGuardProxyRequests/default"],
         "resourceToBeDeleted": vault_path("rsv-sec") + "/backupResourceGuardProxies/VaultProxy"})
    assert unlocked.unlock_delete_expiry_time
    backup_client.resource_guard_proxy.delete("rsv-sec", GROUP, "VaultProxy")
    assert list(backup_client.resource_guard_proxies.get("rsv-sec", GROUP)) == []
    assert rs_client.vaults.get(GROUP, "rsv-sec").properties.security_settings.multi_user_authorization == "Disabled"


def test_security_pin_has_dotnet_ticks_and_is_kept_for_tests(backup_client, emu):
    pin = backup_client.security_pins.get("rsv-sec", GROUP)
    assert pin.security_pin == pin.token and len(pin.security_pin) == 6 and pin.security_pin.isdigit()
    assert isinstance(pin.expiry_time_in_utc_ticks, int) and pin.expiry_time_in_utc_ticks > 639_000_000_000_000_000
    issued = emu.store.get(vault_path("rsv-sec") + "/backupSecurityPIN/issued")
    assert issued["pins"][-1]["securityPIN"] == pin.security_pin


def test_security_pin_under_mua_needs_the_guard_request(backup_client):
    associate(backup_client)
    with pytest.raises(HttpResponseError):
        backup_client.security_pins.get("rsv-sec", GROUP)
    request = {"resourceGuardOperationRequests": [GUARD + "/getBackupSecurityPINRequests/default"]}
    assert backup_client.security_pins.get("rsv-sec", GROUP, request).security_pin


def test_cross_subscription_restore_permanently_disabled_is_final(rs_client):
    patch = {"properties": {"restoreSettings": {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": "PermanentlyDisabled"}}}}
    rs_client.vaults.begin_update(GROUP, "rsv-sec", patch).result()
    patch["properties"]["restoreSettings"]["crossSubscriptionRestoreSettings"]["crossSubscriptionRestoreState"] = "Enabled"
    with pytest.raises(HttpResponseError):
        rs_client.vaults.begin_update(GROUP, "rsv-sec", patch).result()
