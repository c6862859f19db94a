"""Pure logic of vault_security and backup_diagnostics: ticks, downgrades, MUA operations, policy compliance."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._diagnostics import (BACKUP_REPORT_CATEGORIES, policy_compliant,
                                                                                                  setting_view)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _vault_security as vault_security

GUARD = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataProtection/resourceGuards/g"
BASE = {"soft_delete": "Enabled", "soft_delete_retention_days": 14, "enhanced_security": "Enabled", "immutability": "Disabled",
        "cross_subscription_restore": "Enabled", "resource_guard_id": None}


def test_dotnet_ticks_become_iso_utc():
    assert vault_security.ticks_to_iso(636495150137443100) == "2017-12-22T04:50:13Z"  # Unix 1513918213, from the spec example
    assert vault_security.ticks_to_iso(0) == "0001-01-01T00:00:00Z"


@pytest.mark.parametrize("change, expected", [
    ({"soft_delete": "Disabled"}, ["soft_delete Enabled -> Disabled"]),
    ({"soft_delete_retention_days": 30}, []),
    ({"immutability": "Unlocked"}, []),
    ({"resource_guard_id": GUARD}, []),
])
def test_downgrades_from_a_default_vault(change, expected):
    assert vault_security.downgrades(BASE, dict(BASE, **change)) == expected


def test_shorter_retention_unlocked_to_disabled_and_guard_removal_are_downgrades_and_critical():
    current = dict(BASE, soft_delete_retention_days=30, immutability="Unlocked", resource_guard_id=GUARD)
    desired = dict(current, soft_delete_retention_days=14, immutability="Disabled", resource_guard_id=None)
    assert len(vault_security.downgrades(current, desired)) == 3
    expected = [vault_security.CONFIG_WRITE, vault_security.REDUCE_IMMUTABILITY, vault_security.DELETE_GUARD_PROXY]
    assert vault_security.critical_operations(current, desired) == expected


def test_guard_request_matches_the_vault_operation_or_the_guard_request_type():
    proxy = {"properties": {"resourceGuardOperationDetails": [
        {"vaultCriticalOperation": vault_security.CONFIG_WRITE, "defaultResourceRequest": GUARD + "/disableSoftDeleteRequests/default"},
        {"vaultCriticalOperation": "Microsoft.DataProtection/resourceGuards/deleteResourceGuardProxyRequests",
         "defaultResourceRequest": GUARD + "/deleteResourceGuardProxyRequests/default"}]}}
    assert vault_security.guard_request(proxy, vault_security.CONFIG_WRITE).endswith("/disableSoftDeleteRequests/default")
    assert vault_security.guard_request(proxy, vault_security.DELETE_GUARD_PROXY).endswith("/deleteResourceGuardProxyRequests/default")
    assert vault_security.guard_request(proxy, vault_security.SECURITY_PIN) is None
    assert vault_security.guard_request(None, vault_security.SECURITY_PIN) is None


def test_policy_compliance_needs_all_six_categories_a_workspace_and_dedicated():
    setting = {"properties": {"workspaceId": "/w", "logAnalyticsDestinationType": "Dedicated",
                              "logs": [{"category": name, "enabled": True} for name in BACKUP_REPORT_CATEGORIES]}}
    assert policy_compliant(setting_view(setting))
    setting["properties"]["logs"][0]["enabled"] = False
    assert not policy_compliant(setting_view(setting))
    setting["properties"]["logs"][0]["enabled"] = True
    setting["properties"]["logAnalyticsDestinationType"] = "AzureDiagnostics"
    assert not policy_compliant(setting_view(setting))
