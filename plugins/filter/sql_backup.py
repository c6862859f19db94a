# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter behind the sql_backup role: SQL Server VMs (inventory hosts and a list) -> one sql_protection batch per vault.

Documented in the sidecar files plugins/filter/sql_backup_batches.yml, sql_backup_coverage.yml, sql_audit_rows.yml and
sql_audit_table.yml.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_backup.recovery_services.plugins.filter.vm_backup import host_mapping, loop_results, vault_resource_group, vm_identity, vm_key

SERVER_KEYS = ("databases", "auto_protect", "policy", "inquire")


def _server_entries(hostvars, hosts, defaults):
    """(label, variables) of each inventory host with ``azure_backup_sql``, then of each ``defaults.servers`` entry."""
    hostvars = host_mapping(hostvars)
    for host in hosts:
        variables = hostvars[host]
        if variables.get("azure_backup_sql"):
            yield host, dict(variables, **{f"sql_{key}": variables["azure_backup_sql"].get(key) for key in SERVER_KEYS})
    for entry in defaults.get("servers") or []:
        label = entry.get("host") or entry.get("name") or entry.get("id") or "?"
        yield label, dict(azure_vm_id=entry.get("id"), azure_vm_name=entry.get("name"), azure_vm_resource_group=entry.get("resource_group"),
                          azure_backup_vault=entry.get("vault"), azure_backup_vault_resource_group=entry.get("vault_resource_group"),
                          **{f"sql_{key}": entry.get(key) for key in SERVER_KEYS})


def sql_backup_batches(hostvars, hosts, defaults=None):
    """One batch per vault: ``{vault_name, resource_group, servers}`` with ``servers`` ready for sql_protection."""
    defaults = defaults or {}
    batches, owner = {}, {}
    for label, variables in _server_entries(hostvars, hosts, defaults):
        vm = vm_identity(variables)
        if vm is None:
            raise AnsibleFilterError(f"SQL server {label}: no VM; set azure_vm_name and azure_vm_resource_group (or azure_vm_id)")
        vault = variables.get("azure_backup_vault") or defaults.get("vault")
        group = vault_resource_group(vault, variables, defaults) if vault else None
        if not vault or not group:
            raise AnsibleFilterError(f"SQL server {label}: no vault or vault resource group; set azure_backup_vault and "
                                     "azure_backup_vault_resource_group (or azure_backup_default_vault and list it in azure_backup_vaults)")
        key, vault_key = vm_key(vm), f"{vault}@{group}".lower()
        if key in owner and owner[key] != vault_key:
            raise AnsibleFilterError(f"SQL server {label} is assigned to two vaults: {owner[key]} and {vault_key}")
        owner[key] = vault_key
        server = dict(vm, databases=variables.get("sql_databases") or [], auto_protect=variables.get("sql_auto_protect") or [],
                      inquire=bool(variables.get("sql_inquire")))
        policy = variables.get("sql_policy") or defaults.get("policy")
        if policy:
            server["policy"] = policy
        batches.setdefault(vault_key, {"vault_name": vault, "resource_group": group, "servers": []})["servers"].append(server)
    return [dict(batches[key], label=f"{batches[key]['vault_name']} ({len(batches[key]['servers'])} SQL Server VMs)") for key in sorted(batches)]


def sql_backup_coverage(registered):
    """Per vault, from the role's registered vault_runs (or async_status) results: databases, changes, auto-protections and failures."""
    coverage = []
    for batch, result in loop_results(registered):
        entries = (result.get("databases") or []) + (result.get("servers") or []) + (result.get("auto_protection") or [])
        failed = [entry for entry in entries if entry.get("error")]
        # The role registers with failed_when: false, so a failed run shows by its failed entries, or by having no summary
        # at all (refused before any write, or never finished).
        error = (result.get("msg") or "the run did not finish") if failed or "summary" not in result else ""
        coverage.append({"vault": batch.get("vault_name"), "changed": bool(result.get("changed")),
                         "databases": (result.get("summary") or {}).get("total", 0),
                         "changed_databases": (result.get("summary") or {}).get("changed", 0),
                         "auto_protected": sum(1 for entry in result.get("auto_protection") or [] if not entry.get("error")),
                         "failed": failed, "error": error})
    return coverage


def sql_audit_rows(registered):
    """One row per database from the registered sql_backup_info loop (one run per vault): vault, server, parent, database,
    whether it is protected, its state, policy and last backup; then one row per instance or AG with no database."""
    rows = []
    for result in registered.get("results") or []:
        vault = (result.get("item") or {}).get("vault_name")
        for database in result.get("databases") or []:
            rows.append({"vault": vault, "server": database.get("server"), "parent": database.get("parent"), "database": database.get("name"),
                         "protected": bool(database.get("protected")), "protection_state": database.get("protection_state"),
                         "policy": database.get("policy"), "last_backup_time": database.get("last_backup_time"),
                         "protectable": bool(database.get("protectable")), "validation": database.get("validation")})
        if result.get("failed"):
            rows.append({"vault": vault, "server": None, "parent": None, "database": None, "protected": False, "error": result.get("msg")})
    return rows


def sql_audit_table(rows):
    """Lines of the audit's SQL table: vault, server, instance or AG, database, protected, state, policy."""
    lines = ["VAULT | SERVER | INSTANCE/AG | DATABASE | PROTECTED | STATE | POLICY"]
    for row in rows:
        if row.get("error"):
            lines.append(f"{row['vault']} | error: {row['error']}")
            continue
        lines.append(" | ".join(str(value) for value in (row["vault"], row["server"], row["parent"], row["database"],
                                                         "yes" if row["protected"] else "no", row["protection_state"], row["policy"] or "-")))
    return lines


class FilterModule:
    """azure_backup.recovery_services filters for SQL Server backup rollouts."""

    def filters(self):
        return {"sql_backup_batches": sql_backup_batches, "sql_backup_coverage": sql_backup_coverage, "sql_audit_rows": sql_audit_rows,
                "sql_audit_table": sql_audit_table}
