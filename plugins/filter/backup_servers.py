# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters behind the audit's backup server section: backup_engine_info results per vault -> rows -> a text table.

Documented in the sidecar files plugins/filter/backup_server_rows.yml and backup_server_table.yml.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.filter.vm_backup import aligned, loop_results

ROW_KEYS = ("name", "kind", "version", "agent_version", "health", "last_contact", "hours_since_contact", "stale",
            "protected_servers_count", "protected_items_count")


def backup_server_rows(registered):
    """One row per backup server of each vault listed; a vault that could not be listed gives one row with its error.

    ``registered`` is a loop of backup_engine_info over ``[vault name, resource group]`` pairs.
    """
    rows = []
    for item, result in loop_results(registered):
        vault, group = (list(item) + [None, None])[:2]
        if "servers" not in result:
            rows.append({"vault": vault, "resource_group": group, "name": None, "error": result.get("msg", "no result")})
            continue
        rows += [dict({key: server.get(key) for key in ROW_KEYS}, vault=vault, resource_group=group) for server in result["servers"]]
    return rows


def _status(row):
    if row.get("error"):
        return "ERROR"
    return "STALE" if row.get("stale") else "OK"


def backup_server_table(rows):
    """Lines of a table of backup servers and MARS agents, stale and unlistable first."""
    order = {"ERROR": 0, "STALE": 1, "OK": 2}
    ordered = sorted(rows, key=lambda row: (order[_status(row)], row.get("vault") or "", row.get("name") or ""))
    lines = aligned(("STATUS", "SERVER", "KIND", "VERSION", "VAULT", "LAST CONTACT"),
                    [(_status(row), row.get("name") or "-", row.get("kind") or "-", row.get("version") or "-", row.get("vault"),
                      row.get("error") or (f"{row['hours_since_contact']} h ago" if row.get("hours_since_contact") is not None else "never"))
                     for row in ordered])
    return lines if rows else lines + ["(no backup servers or MARS agents registered)"]


class FilterModule:
    """azure_backup.recovery_services filters for the backup servers of the audit."""

    def filters(self):
        return {"backup_server_rows": backup_server_rows, "backup_server_table": backup_server_table}
