"""The audit's vault security posture: settings beside the declared ones, flagged where weaker (plugins/filter/vault_posture.py)."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.filter import vault_posture as filters

GUARD = "/subscriptions/2/resourceGroups/rg-sec/providers/Microsoft.DataProtection/resourceGuards/guard-weu"
STRONG = {"name": "rsv-weu", "location": "westeurope", "soft_delete": "AlwaysON", "soft_delete_retention_days": 30,
          "enhanced_security": "Enabled", "immutability": "Locked", "cross_subscription_restore": "Disabled",
          "multi_user_authorization": "Enabled", "resource_guard_id": GUARD, "storage_redundancy": "GeoRedundant", "cross_region_restore": True}
DECLARED = {"name": "rsv-weu", "resource_group": "rg-backup", "location": "westeurope", "storage_redundancy": "GRS", "cross_region_restore": True,
            "security": {"soft_delete": "Enabled", "soft_delete_retention_days": 30, "enhanced_security": "Enabled", "immutability": "Unlocked",
                         "cross_subscription_restore": "Disabled", "resource_guard": {"id": GUARD.upper()}, "resource_guard_token": "secret-token"},
            "diagnostics": [{"name": "backup-reports", "preset": ["backup_reports"]}, {"name": "old", "state": "absent"}]}
COMPLIANT = {"settings": [{"name": "backup-reports", "categories": ["CoreAzureBackup"]}], "policy_compliant": True}


def looped(name, group, result):
    return {"results": [dict(result, item=[name, group])]}


def rows(posture, diagnostics=None, declared=None):
    security = looped("rsv-weu", "rg-backup", {"vaults": [posture]} if posture is not None else {"vaults": []})
    return filters.vault_posture_rows(security, looped("rsv-weu", "rg-backup", diagnostics or COMPLIANT), [declared or DECLARED])


def test_a_vault_at_or_above_its_declared_settings_is_not_flagged_and_no_secret_is_read():
    row = rows(STRONG)[0]
    assert row["flags"] == [] and row["weaker"] == []
    assert (row["backup_reports"], row["diagnostic_settings"], row["cross_region_restore"]) == ("compliant", ["backup-reports"], True)
    assert "secret-token" not in repr(row)
    assert row["declared"]["storage_redundancy"] == "GeoRedundant" and row["declared"]["backup_reports"] == ["backup-reports"]


@pytest.mark.parametrize("change, setting, reason", [
    ({"soft_delete": "Disabled"}, "soft_delete", "soft_delete is Disabled, declared Enabled"),
    ({"soft_delete_retention_days": 14}, "soft_delete_retention_days", "soft deleted data is kept 14 days, declared 30"),
    ({"enhanced_security": None}, "enhanced_security", "enhanced_security is not reported, declared Enabled"),
    ({"immutability": "Disabled"}, "immutability", "immutability is Disabled, declared Unlocked"),
    ({"cross_subscription_restore": "Enabled"}, "cross_subscription_restore", "cross_subscription_restore is Enabled, declared Disabled"),
    ({"storage_redundancy": "ZoneRedundant"}, "storage_redundancy", "storage_redundancy is ZoneRedundant, declared GeoRedundant"),
    ({"cross_region_restore": False}, "cross_region_restore", "cross-region restore is off, declared on"),
    ({"resource_guard_id": None, "multi_user_authorization": "Disabled"}, "multi_user_authorization", "no Resource Guard"),
    ({"resource_guard_id": GUARD + "-other"}, "multi_user_authorization", f"Resource Guard is {GUARD}-other"),
])
def test_each_weaker_setting_is_flagged_with_its_reason(change, setting, reason):
    row = rows(dict(STRONG, **change))[0]
    assert row["weaker"] == [setting]
    assert reason in row["flags"][0]["reason"]


def test_stronger_than_declared_is_not_flagged_and_undeclared_settings_are_shown_not_judged():
    declared = {"name": "rsv-weu", "resource_group": "rg-backup", "storage_redundancy": "LocallyRedundant", "security": {"immutability": "Disabled"}}
    row = rows(dict(STRONG, soft_delete="Disabled", multi_user_authorization="Disabled", resource_guard_id=None), declared=declared)[0]
    assert row["weaker"] == [] and row["soft_delete"] == "Disabled"


def test_a_missing_declared_diagnostic_setting_is_flagged_and_reports_are_classified():
    row = rows(STRONG, diagnostics={"settings": [], "policy_compliant": False})[0]
    assert row["weaker"] == ["backup_reports"] and row["backup_reports"] == "none"
    assert "backup-reports missing" in row["flags"][0]["reason"]
    legacy = {"settings": [{"name": "backup-reports", "categories": ["AddonAzureBackupJobs"]}], "policy_compliant": False}
    assert rows(STRONG, diagnostics=legacy)[0]["backup_reports"] == "configured"


def test_a_vault_not_read_or_missing_is_an_error_row():
    assert rows(None)[0]["error"] == "vault rsv-weu does not exist in resource group rg-backup"
    failed = filters.vault_posture_rows({"results": [{"item": ["rsv-weu", "rg-backup"], "failed": True, "msg": "AuthorizationFailed"}]},
                                        {"results": []}, [DECLARED])
    assert failed == [{"vault": "rsv-weu", "resource_group": "rg-backup", "error": "AuthorizationFailed"}]
    unread = rows(STRONG, diagnostics={"failed": True, "msg": "403"})[0]
    assert (unread["backup_reports"], unread["diagnostics_error"], unread["weaker"]) == ("unknown", "403", ["backup_reports"])


def test_the_default_resource_group_applies_to_an_entry_without_one():
    security = looped("rsv-weu", "rg-default", {"vaults": [STRONG]})
    row = filters.vault_posture_rows(security, looped("rsv-weu", "rg-default", COMPLIANT), [{"name": "rsv-weu"}], "rg-default")[0]
    assert row["resource_group"] == "rg-default" and row["soft_delete"] == "AlwaysON"


def test_the_table_marks_weaker_settings_and_lists_the_reasons():
    weak = rows(dict(STRONG, soft_delete_retention_days=14))[0]
    missing = dict(rows(None)[0], vault="rsv-gone")
    lines = filters.vault_posture_table([weak, missing])
    assert lines[0].split()[:3] == ["VAULT", "REDUNDANCY", "CRR"]
    assert lines[1].split() == ["rsv-weu", "GeoRedundant", "on", "AlwaysON", "14!", "Enabled", "Locked", "Enabled", "Disabled", "compliant", "1"]
    assert lines[2].split()[0] == "rsv-gone" and "ERROR" in lines[2]
    assert lines[3:] == ["weaker   rsv-weu: soft deleted data is kept 14 days, declared 30",
                         "error    rsv-gone: vault rsv-weu does not exist in resource group rg-backup"]
    assert len({len(line.split()) for line in lines[1:3]}) == 1
