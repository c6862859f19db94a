# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters behind the audit's vault security posture: what vault_security_info and backup_diagnostics_info read per
vault, beside the settings the estate declares for it (its entry in azure_backup_vaults, as the vault role reads them),
-> one row per vault with each setting flagged where the vault stands weaker than declared; and the rows as text.
Each filter is documented in a sidecar file (plugins/filter/<name>.yml)."""

from __future__ import annotations

# Each ordered setting's values from weakest to strongest. Cross-subscription restore protects more the less it
# allows; geo-redundant storage survives a region's loss, zone-redundant a zone's, locally redundant neither.
STRENGTH = {
    "soft_delete": ("Disabled", "Enabled", "AlwaysON"),
    "enhanced_security": ("Disabled", "Enabled", "AlwaysON"),
    "immutability": ("Disabled", "Unlocked", "Locked"),
    "cross_subscription_restore": ("Enabled", "Disabled", "PermanentlyDisabled"),
    "storage_redundancy": ("LocallyRedundant", "ZoneRedundant", "GeoRedundant"),
}
REDUNDANCY_SHORT_FORMS = {"LRS": "LocallyRedundant", "GRS": "GeoRedundant", "ZRS": "ZoneRedundant"}
# The settings of a posture row, in the order the reports show them.
POSTURE_KEYS = ("storage_redundancy", "cross_region_restore", "soft_delete", "soft_delete_retention_days", "enhanced_security",
                "immutability", "multi_user_authorization", "cross_subscription_restore", "backup_reports")


def is_backup_category(category):
    """A diagnostic log category that feeds Backup reports (resource-specific tables, or the legacy AzureBackupReport)."""
    return category in ("CoreAzureBackup", "AzureBackupReport") or category.startswith("AddonAzureBackup")


def _by_vault(results):
    """{(name, resource group) in lower case: loop result} of a task looped over [vault name, resource group] pairs."""
    found = {}
    for result in (results or {}).get("results") or []:
        item = result.get("item") or []
        if len(item) >= 2:
            found[(str(item[0]).lower(), str(item[1]).lower())] = result
    return found


def declared_settings(entry):
    """What a vault entry of azure_backup_vaults declares, in a posture row's terms (secrets never read)."""
    security = entry.get("security") or {}
    declared = {key: security[key] for key in ("soft_delete", "soft_delete_retention_days", "enhanced_security", "immutability",
                                               "cross_subscription_restore") if security.get(key) is not None}
    if entry.get("storage_redundancy"):
        declared["storage_redundancy"] = REDUNDANCY_SHORT_FORMS.get(entry["storage_redundancy"], entry["storage_redundancy"])
    if entry.get("cross_region_restore") is not None:
        declared["cross_region_restore"] = bool(entry["cross_region_restore"])
    guard = security.get("resource_guard")
    if guard and guard.get("state", "present") == "present" and guard.get("id"):
        declared["multi_user_authorization"] = guard["id"]
    reports = sorted(setting["name"] for setting in entry.get("diagnostics") or [] if setting.get("state", "present") == "present")
    if reports:
        declared["backup_reports"] = reports
    return declared


def weaker(key, declared, posture):
    """Why the vault stands weaker than ``declared`` for setting ``key``, or None when it does not."""
    actual = posture.get(key)
    if key in STRENGTH:
        order = STRENGTH[key]
        if actual not in order or order.index(actual) < order.index(declared):
            return f"{key} is {actual or 'not reported'}, declared {declared}"
    elif key == "soft_delete_retention_days":
        if (actual or 0) < declared:
            return f"soft deleted data is kept {actual or 0} days, declared {declared}"
    elif key == "cross_region_restore":
        if declared and not actual:
            return "cross-region restore is off, declared on"
    elif key == "multi_user_authorization":
        guard = posture.get("resource_guard_id")
        if not guard:
            return f"no Resource Guard (multi-user authorization is off), declared {declared}"
        if guard.lower() != declared.lower():
            return f"Resource Guard is {guard}, declared {declared}"
    elif key == "backup_reports":
        missing = sorted(set(declared) - set(posture.get("diagnostic_settings") or []))
        if missing:
            return f"diagnostic setting(s) {', '.join(missing)} missing: Backup reports get no data from them"
    return None


def backup_reports(diagnostics):
    """V(compliant) (Azure Policy's Backup reports definition), V(configured) (some Backup category sent somewhere) or V(none)."""
    if diagnostics.get("policy_compliant"):
        return "compliant"
    categories = [category for setting in diagnostics.get("settings") or [] for category in setting.get("categories") or []]
    return "configured" if any(is_backup_category(category) for category in categories) else "none"


def posture_row(entry, security, diagnostics):
    """One vault's row: its settings, Backup reports, and the flags where it stands weaker than its entry declares."""
    row = {"vault": entry["name"], "resource_group": entry["resource_group"]}
    if security is None or security.get("failed") or "vaults" not in security:
        return dict(row, error=(security or {}).get("msg") or "the vault's security settings were not read")
    if not security["vaults"]:
        return dict(row, error=f"vault {entry['name']} does not exist in resource group {entry['resource_group']}")
    posture = dict(security["vaults"][0])
    if diagnostics is None or diagnostics.get("failed") or "settings" not in diagnostics:
        posture.update(backup_reports="unknown", diagnostic_settings=[],
                       diagnostics_error=(diagnostics or {}).get("msg") or "the diagnostic settings were not read")
    else:
        posture.update(backup_reports=backup_reports(diagnostics),
                       diagnostic_settings=sorted(setting["name"] for setting in diagnostics["settings"]))
    declared = declared_settings(entry)
    flags = []
    for key in POSTURE_KEYS:
        if key in declared:
            reason = weaker(key, declared[key], posture)
            if reason:
                flags.append({"setting": key, "declared": declared[key], "reason": reason})
    row.update({key: posture.get(key) for key in POSTURE_KEYS + ("location", "resource_guard_id", "diagnostic_settings")})
    if posture.get("diagnostics_error"):
        row["diagnostics_error"] = posture["diagnostics_error"]
    return dict(row, declared=declared, flags=flags, weaker=[flag["setting"] for flag in flags])


def vault_posture_rows(security, diagnostics, vaults, default_resource_group=None):
    """One posture row per vault entry of ``vaults`` (azure_backup_vaults), in their order.

    ``security`` and ``diagnostics`` are vault_security_info and backup_diagnostics_info registered over a loop of
    [vault name, resource group] pairs.
    """
    security_by_vault, diagnostics_by_vault = _by_vault(security), _by_vault(diagnostics)
    rows = []
    for declared in vaults or []:
        entry = dict(declared, resource_group=declared.get("resource_group") or default_resource_group)
        key = (str(entry["name"]).lower(), str(entry["resource_group"]).lower())
        rows.append(posture_row(entry, security_by_vault.get(key), diagnostics_by_vault.get(key)))
    return rows


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def vault_posture_table(rows):
    """Aligned text lines: one line per vault with its settings (weaker ones marked ``!``), then one line per flag."""
    header = ("VAULT", "REDUNDANCY", "CRR", "SOFT DELETE", "DAYS", "ENHANCED", "IMMUTABILITY", "MUA", "X-SUBSCRIPTION", "REPORTS", "WEAKER")
    lines = [header]
    for row in rows:
        if row.get("error"):
            lines.append((row["vault"],) + ("-",) * (len(header) - 3) + ("ERROR", "-"))
            continue
        cells = [_cell(row[key]) + ("!" if key in row["weaker"] else "") for key in POSTURE_KEYS]
        lines.append((row["vault"], *cells, str(len(row["weaker"]))))
    widths = [max(len(str(line[index])) for line in lines) for index in range(len(header))]
    text = ["  ".join(str(value).ljust(width) for value, width in zip(line, widths)).rstrip() for line in lines]
    for row in rows:
        if row.get("error"):
            text.append(f"error    {row['vault']}: {row['error']}")
        text += [f"weaker   {row['vault']}: {flag['reason']}" for flag in row.get("flags") or []]
    return text


class FilterModule:
    """azure_backup.recovery_services filters for the audit's vault security posture."""

    def filters(self):
        return {"vault_posture_rows": vault_posture_rows, "vault_posture_table": vault_posture_table}
