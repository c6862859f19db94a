# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters behind the file_share_backup role and the audit: shares from variables and storage account tags -> one batch per
vault, results -> coverage, protected shares -> report rows and a text table. Each filter is documented in a sidecar file
(plugins/filter/<name>.yml)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

TAG_VAULT = "azure-backup-vault"
TAG_POLICY = "azure-backup-policy"
TAG_SHARES = "azure-backup-shares"


def _tag(account, name):
    return next((value for key, value in (account.get("tags") or {}).items() if key.lower() == name), None)


def _vault_group(vault, given, defaults):
    if given:
        return given
    for entry in defaults.get("vaults") or []:
        if str(entry.get("name", "")).lower() == vault.lower():
            return entry.get("resource_group")
    if defaults.get("vault_resource_group"):
        return defaults["vault_resource_group"]
    raise AnsibleFilterError(f"vault {vault}: no resource group (set vault_resource_group, list the vault in azure_backup_vaults, "
                             "or set azure_backup_default_vault_resource_group)")


def _tagged_entries(accounts):
    """Entries of the variable's form from tagged storage accounts: tag azure-backup-shares lists the shares (or * for all)."""
    entries = []
    for account in accounts or []:
        vault, wanted = _tag(account, TAG_VAULT), _tag(account, TAG_SHARES) or "*"
        if not vault:
            continue
        if wanted.strip() == "*":
            if "shares" not in account:
                raise AnsibleFilterError(f"storage account {account['name']} is tagged {TAG_SHARES}=* but its shares were not listed")
            names = [share["name"] for share in account["shares"] if share.get("protocol", "SMB") == "SMB"]
        else:
            names = [name.strip() for name in wanted.split(",") if name.strip()]
        entries.append({"vault": vault, "policy": _tag(account, TAG_POLICY),
                        "shares": [{"storage_account": account["id"], "name": name} for name in names]})
    return entries


def file_share_batches(entries, tagged_accounts=None, defaults=None):
    """One ``{vault_name, resource_group, shares}`` batch per vault for file_share_protection, from the variable's entries and tagged accounts."""
    defaults = defaults or {}
    batches = {}
    for entry in list(entries or []) + _tagged_entries(tagged_accounts):
        if not entry.get("vault"):
            raise AnsibleFilterError(f"azure_backup_file_shares entry without vault: {entry}")
        group = _vault_group(entry["vault"], entry.get("vault_resource_group"), defaults)
        batch = batches.setdefault((entry["vault"].lower(), group.lower()), {"vault_name": entry["vault"], "resource_group": group, "shares": []})
        for share in entry.get("shares") or []:
            policy = share.get("policy") or entry.get("policy") or defaults.get("policy") or None
            batch["shares"].append({key: value for key, value in dict(share, policy=policy).items() if value not in (None, "")})
    return [dict(batches[key], label=f"{batches[key]['vault_name']} ({len(batches[key]['shares'])} shares)") for key in sorted(batches)]


def file_share_coverage(results):
    """Per vault, from async_status (or file_share_protection) results looped over batches: shares protected and failed, with errors."""
    coverage = []
    for result in (results or {}).get("results") or []:
        batch = (result.get("item") or {}).get("item") or result.get("item") or {}
        entry = {"vault": batch.get("vault_name"), "protected": [], "failed": []}
        shares = result.get("shares")
        if shares is None:
            entry["failed"] = [{"share": f"{share.get('storage_account')}/{share.get('name')}", "error": result.get("msg") or "the run failed"}
                               for share in batch.get("shares") or []]
        for share in shares or []:
            label = f"{share['resource_group']}/{share['storage_account']}/{share['name']}"
            if share.get("error"):
                entry["failed"].append({"share": label, "error": share["error"]})
            else:
                entry["protected"].append(label)
        coverage.append(entry)
    return coverage


def file_share_rows(results):
    """One row per protected share (or per vault whose listing failed) from file_share_info results looped over vaults."""
    rows = []
    for result in (results or {}).get("results") or []:
        vault = (result.get("item") or [None])[0]
        if result.get("failed"):
            rows.append({"vault": vault, "error": result.get("msg") or "the listing failed"})
        for share in result.get("protected_shares") or []:
            rows.append({"vault": vault, "storage_account": share["storage_account"], "resource_group": share["resource_group"],
                         "share": share["name"], "policy": share["policy"], "protection_state": "SoftDeleted" if share["soft_deleted"] else
                         share["protection_state"], "last_backup_time": share["last_backup_time"], "last_backup_status": share["last_backup_status"]})
    return rows


def file_share_table(rows):
    """The rows as aligned text lines (a header, then one line per share)."""
    header = ("VAULT", "STORAGE ACCOUNT", "SHARE", "POLICY", "STATE", "LAST BACKUP")
    lines = [header] + [(row["vault"], "-", "-", "-", "ERROR", row["error"]) if row.get("error") else
                        (row["vault"], row["storage_account"], row["share"], row["policy"] or "-", row["protection_state"],
                         f"{row['last_backup_status'] or '-'} {(row['last_backup_time'] or '')[:19]}".strip()) for row in rows]
    widths = [max(len(str(line[index])) for line in lines) for index in range(len(header))]
    return ["  ".join(str(value).ljust(width) for value, width in zip(line, widths)).rstrip() for line in lines]


class FilterModule:
    def filters(self):
        return {"file_share_batches": file_share_batches, "file_share_coverage": file_share_coverage, "file_share_rows": file_share_rows,
                "file_share_table": file_share_table}
