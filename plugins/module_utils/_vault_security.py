# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A vault's security settings without Azure: the view vault_security manages, and what a change weakens.

Soft delete, enhanced security, immutability, cross-subscription restore and the resource guard live in
three places (the vault body, its backupconfig, its guard proxy); ``security_view`` reads them as one dict.
``downgrades`` and ``critical_operations`` say what a change weakens and which of Azure's vault critical
operations it performs, so the module can refuse an unconfirmed downgrade or one the guard would block
before any write; ``guard_request`` finds the guard's request that authorises an operation.
``security_posture`` is what vault_security_info returns and the audit compares: the view plus the
vault's redundancy and cross-region restore, with multi-user authorization spelled out.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import normalise_location

GUARD_TYPE = "Microsoft.DataProtection/resourceGuards"
GUARD_API_VERSION = "2025-07-01"
CONFIG_WRITE = "Microsoft.RecoveryServices/vaults/backupconfig/write"
REDUCE_IMMUTABILITY = "Microsoft.RecoveryServices/vaults/write#reduceImmutabilityState"
DELETE_GUARD_PROXY = "Microsoft.RecoveryServices/vaults/backupResourceGuardProxies/delete"
SECURITY_PIN = "Microsoft.RecoveryServices/vaults/backupSecurityPIN/action"
# A guard proxy lists each critical operation it protects, by vault operation (what the service
# sends, azure-cli matches on it) or, in some spec examples, by the guard's request type.
GUARD_REQUEST_TYPES = {
    CONFIG_WRITE: "disableSoftDeleteRequests",
    REDUCE_IMMUTABILITY: "reduceImmutabilityStateRequests",
    DELETE_GUARD_PROXY: "deleteResourceGuardProxyRequests",
    SECURITY_PIN: "getBackupSecurityPINRequests",
}
OPERATION_LABELS = {
    CONFIG_WRITE: "turning off or shortening soft delete / enhanced security",
    REDUCE_IMMUTABILITY: "disabling immutability",
    DELETE_GUARD_PROXY: "removing the resource guard",
    SECURITY_PIN: "generating a security PIN",
}
IRREVERSIBLE = {"soft_delete": "AlwaysON", "enhanced_security": "AlwaysON", "immutability": "Locked",
                "cross_subscription_restore": "PermanentlyDisabled"}
CONFIG_FIELDS = {"soft_delete": "softDeleteFeatureState", "soft_delete_retention_days": "softDeleteRetentionPeriodInDays",
                 "enhanced_security": "enhancedSecurityState"}
DOTNET_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


def ticks_to_iso(ticks):
    """.NET ticks (100 ns since 0001-01-01 UTC) as ISO 8601 UTC, e.g. 2026-11-25T12:05:00Z."""
    moment = DOTNET_EPOCH + timedelta(microseconds=int(ticks) // 10)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def security_view(vault, proxy):
    """The settings this module manages, from the vault body and its guard proxy (or None)."""
    security = (vault.get("properties") or {}).get("securitySettings") or {}
    soft_delete = security.get("softDeleteSettings") or {}
    restore = ((vault.get("properties") or {}).get("restoreSettings") or {}).get("crossSubscriptionRestoreSettings") or {}
    return {
        "soft_delete": soft_delete.get("softDeleteState"),
        "soft_delete_retention_days": soft_delete.get("softDeleteRetentionPeriodInDays"),
        "enhanced_security": soft_delete.get("enhancedSecurityState"),
        "immutability": (security.get("immutabilitySettings") or {}).get("state") or "Disabled",
        "cross_subscription_restore": restore.get("crossSubscriptionRestoreState"),
        "resource_guard_id": proxy["properties"]["resourceGuardResourceId"] if proxy else None,
    }


def security_posture(vault, proxy):
    """One vault's protection as it stands: ``security_view`` plus its identity, redundancy, cross-region restore and MUA.

    Cross-region restore is a bool, as rsv_vault's option spells it; the rest keep vault_security's values.
    """
    redundancy = (vault.get("properties") or {}).get("redundancySettings") or {}
    view = security_view(vault, proxy)
    return dict(
        view,
        name=vault.get("name"),
        id=vault.get("id"),
        location=normalise_location(vault.get("location")),
        storage_redundancy=redundancy.get("standardTierStorageRedundancy"),
        cross_region_restore=redundancy.get("crossRegionRestore") == "Enabled",
        multi_user_authorization="Enabled" if view["resource_guard_id"] else "Disabled",
    )


def downgrades(current, desired):
    """Human-readable list of the changes that weaken the vault's protection."""
    found = []
    for key in ("soft_delete", "enhanced_security"):
        if current[key] in ("Enabled", "AlwaysON") and desired[key] == "Disabled":
            found.append(f"{key} {current[key]} -> Disabled")
    if (desired["soft_delete_retention_days"] or 0) < (current["soft_delete_retention_days"] or 0):
        found.append(f"soft_delete_retention_days {current['soft_delete_retention_days']} -> {desired['soft_delete_retention_days']}")
    if current["immutability"] == "Unlocked" and desired["immutability"] == "Disabled":
        found.append("immutability Unlocked -> Disabled")
    if current["resource_guard_id"] and (desired["resource_guard_id"] or "").lower() != current["resource_guard_id"].lower():
        found.append(f"resource guard {current['resource_guard_id']} removed")
    return found


def critical_operations(current, desired):
    """The vault critical operations (a resource guard may protect them) the change performs."""
    operations = []
    weakened_soft_delete = any(current[key] in ("Enabled", "AlwaysON") and desired[key] == "Disabled" for key in ("soft_delete", "enhanced_security"))
    if weakened_soft_delete or (desired["soft_delete_retention_days"] or 0) < (current["soft_delete_retention_days"] or 0):
        operations.append(CONFIG_WRITE)
    if current["immutability"] == "Unlocked" and desired["immutability"] == "Disabled":
        operations.append(REDUCE_IMMUTABILITY)
    if current["resource_guard_id"] and (desired["resource_guard_id"] or "").lower() != current["resource_guard_id"].lower():
        operations.append(DELETE_GUARD_PROXY)
    return operations


def guard_request(proxy, operation):
    """The guard's default request authorising ``operation``, or None when the guard does not protect it."""
    for detail in ((proxy or {}).get("properties") or {}).get("resourceGuardOperationDetails") or []:
        protected = detail.get("vaultCriticalOperation") or ""
        if protected.lower() == operation.lower() or protected.lower().endswith("/" + GUARD_REQUEST_TYPES[operation].lower()):
            return detail.get("defaultResourceRequest")
    return None
