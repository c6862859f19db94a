#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sql_backup_info
short_description: SQL Server in Azure VMs of a vault - registered VMs, discovered instances and databases, protection
version_added: 1.0.0
description:
  - Lists, for one Recovery Services vault, the VMs registered for SQL workloads (with the result of their last discovery),
    the instances and availability groups Azure discovered on them (auto-protectable, auto-protected), and every
    database - discovered or protected - with whether it can be protected (Azure's pre-backup validation), whether it
    is, with which policy, its last backup and its health.
  - Four listings whatever the number of VMs and databases (containers, protectable items, protected items, intents).
options:
  servers:
    description:
      - Only these VMs, each by O(servers[].id), or by O(servers[].name) and O(servers[].resource_group). Giving both
        forms for one VM is refused.
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.vm.SERVERS
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: What the vault knows of its SQL Server VMs
  azure_backup.recovery_services.sql_backup_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
  register: sql

- name: Databases not protected
  ansible.builtin.debug:
    msg: "{{ sql.databases | rejectattr('protected') | map(attribute='label') | list }}"
"""

RETURN = r"""
servers:
  description: The VMs registered for SQL workloads.
  returned: always
  type: list
  elements: dict
  sample: [{server: rg-sql/vm-sql-01, container: "VMAppContainer;Compute;rg-sql;vm-sql-01", registration_status: Registered,
            health_status: Healthy, discovery_status: Success, discovery_error: null, last_updated: "2026-11-30T08:00:00Z"}]
instances:
  description: The instances and availability groups Azure discovered.
  returned: always
  type: list
  elements: dict
  sample: [{server: rg-sql/vm-sql-01, kind: instance, name: MSSQLSERVER, databases: 5, auto_protectable: true, auto_protected: false}]
databases:
  description: Every database discovered or protected (system databases included; tempdb is never listed).
  returned: always
  type: list
  elements: dict
  sample:
    - server: rg-sql/vm-sql-01
      label: rg-sql/vm-sql-01/MSSQLSERVER/sales
      parent: MSSQLSERVER
      parent_kind: instance
      name: sales
      protectable: true
      validation: null
      protected: true
      protection_state: Protected
      policy: HourlyLogBackup
      last_backup_time: "2026-11-30T07:45:00Z"
      last_backup_status: Healthy
      health: Healthy
      soft_deleted: false
summary:
  description: Counts.
  returned: always
  type: dict
  sample: {servers: 1, databases: 5, protected: 1, not_protected: 4, not_protectable: 0}
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_REF_OPTIONS
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import item_policy_name, item_state, is_soft_deleted
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_protection import (
    index_protectable, index_protected, inquiry_failure, intent_target, list_sql, validation_failure,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_vm_refs
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options

PARENT_KINDS = {"SQLInstance": "instance", "SQLAvailabilityGroupContainer": "availability_group",
                "AzureVmWorkloadSQLInstance": "instance", "AzureVmWorkloadSQLAvailabilityGroup": "availability_group"}


def container_label(name):
    """``rg/vm`` from ``VMAppContainer;Compute;rg;vm``."""
    parts = (name or "").split(";")
    return f"{parts[2]}/{parts[3]}" if len(parts) == 4 else name


def server_view(container):
    properties = container.get("properties") or {}
    info = ((properties.get("extendedInfo") or {}).get("inquiryInfo") or {})
    return {"server": container_label(container["name"]), "container": container["name"], "vm_id": properties.get("sourceResourceId"),
            "registration_status": properties.get("registrationStatus"), "health_status": properties.get("healthStatus"),
            "discovery_status": info.get("status"), "discovery_error": inquiry_failure(container), "last_updated": properties.get("lastUpdatedTime")}


def sql_inventory(containers, protectable, protected, intents):
    """(servers, instances, databases) joined from the four listings."""
    databases_found, parents = index_protectable(protectable)
    items = index_protected(protected)
    auto = {f"{container};{item}" for container, item in (intent_target(intent) or ("", "") for intent in intents)}
    servers = [server_view(container) for container in sorted(containers, key=lambda entry: entry["name"].lower())]
    instances = []
    for key, entry in sorted(parents.items()):
        properties = entry.get("properties") or {}
        instances.append({"server": container_label(entry["id"].split("/")[-3]), "kind": PARENT_KINDS.get(
            properties.get("protectableItemType"), "instance"), "name": properties.get("friendlyName"),
            "databases": properties.get("subinquireditemcount"), "auto_protectable": bool(properties.get("isAutoProtectable")),
            "auto_protected": key.lower() in auto or bool(properties.get("isAutoProtected"))})
    databases = []
    for key in sorted(set(databases_found) | set(items)):
        found, item = databases_found.get(key), items.get(key)
        source = (item or found or {}).get("properties") or {}
        parts = key.split(";")
        real_name, parent_name = source.get("friendlyName") or parts[5], source.get("parentName") or source.get("parentUniqueName") or parts[4]
        server = container_label(source.get("containerName") or (found or {}).get("id", "").split("/")[-3] or ";".join(parts[:4]))
        item_properties = (item or {}).get("properties") or {}
        databases.append({
            "server": server, "label": f"{server}/{parent_name}/{real_name}", "parent": parent_name,
            "parent_kind": PARENT_KINDS.get(source.get("parentType"), "instance"), "name": real_name,
            "protectable": found is not None and validation_failure(found) is None, "validation": validation_failure(found) if found else None,
            "protected": item is not None and not is_soft_deleted(item) and item_state(item).lower() not in ("protectionstopped", "backupssuspended"),
            "protection_state": ("SoftDeleted" if is_soft_deleted(item) else item_state(item)) if item else "NotProtected",
            "policy": item_policy_name(item) if item else None, "last_backup_time": item_properties.get("lastBackupTime"),
            "last_backup_status": item_properties.get("lastBackupStatus"),
            "health": item_properties.get("protectedItemHealthStatus") or item_properties.get("healthStatus"),
            "soft_deleted": bool(item and is_soft_deleted(item))})
    return servers, instances, databases


def main():
    module = AzureBackupModule(
        argument_spec=dict(**VAULT_ARGUMENT_SPEC, servers=dict(type="list", elements="dict", options=VM_REF_OPTIONS)),
        clients=("backup",),
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_vault_options(params)
        wanted = {ref["label"].lower() for ref in check_vm_refs(params["servers"], module.session.subscription_id, "servers")}
        listings = {kind: list_sql(module.session, params["vault_name"], params["resource_group"], kind)
                    for kind in ("containers", "protectable", "protected", "intents")}
        servers, instances, databases = sql_inventory(listings["containers"], listings["protectable"], listings["protected"], listings["intents"])
        if wanted:
            servers, instances, databases = ([entry for entry in entries if entry["server"].lower() in wanted]
                                             for entries in (servers, instances, databases))
        summary = {"servers": len(servers), "databases": len(databases), "protected": sum(1 for entry in databases if entry["protected"]),
                   "not_protected": sum(1 for entry in databases if not entry["protected"]),
                   "not_protectable": sum(1 for entry in databases if not entry["protected"] and not entry["protectable"])}
        return {"changed": False, "servers": servers, "instances": instances, "databases": databases, "summary": summary}

    module.run(run)


if __name__ == "__main__":
    main()
