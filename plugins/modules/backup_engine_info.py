#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_engine_info
short_description: List the backup servers (MABS, DPM, MARS agents) registered with a Recovery Services vault
version_added: 1.0.0
description:
  - Lists the on-premises backup servers a vault knows, Microsoft Azure Backup Server (MABS) and System Center
    Data Protection Manager (DPM) servers from the vault's backup engines, with the servers each protects to
    Azure, and plain MARS agents from the vault's C(MAB) protection containers.
  - For each, its version, the MARS agent's version, health, when it last reported to Azure (C(refreshedAt) of a
    backup engine, C(lastRefreshedAt) of a container) and whether that is longer ago than O(stale_after_hours).
  - At most one listing of backup engines and one of containers per management type (all pages), whatever the
    number of servers.
options:
  backup_management_types:
    description:
      - Which kinds of servers to list. C(AzureBackupServer) is MABS, C(DPM) is System Center DPM, C(MAB) is a plain
        MARS agent.
    type: list
    elements: str
    default: [AzureBackupServer, DPM, MAB]
    choices: [AzureBackupServer, DPM, MAB]
  stale_after_hours:
    description:
      - A server that has not reported for longer than this is flagged (RV(servers[].stale), RV(stale)).
      - Servers report to Azure at least once a day while their agent runs; the default allows for one missed day.
    type: int
    default: 48
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.info
seealso:
  - module: azure_backup.recovery_services.backup_container_info
  - module: azure_backup.recovery_services.mars_vault_credentials
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Backup servers of the vault
  azure_backup.recovery_services.backup_engine_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
  register: backup_servers

- name: Servers that have not reported for a day
  ansible.builtin.debug:
    msg: "{{ backup_servers.stale }}"
  when: backup_servers.stale | length > 0

- name: Only the MABS servers, flagged after 12 hours
  azure_backup.recovery_services.backup_engine_info:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    backup_management_types: [AzureBackupServer]
    stale_after_hours: 12
"""

RETURN = r"""
servers:
  description: The backup servers, by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The server's name as registered (usually its FQDN).
      type: str
    kind:
      description: C(MABS), C(DPM) or C(MARS).
      type: str
    backup_management_type:
      description: Azure's management type, C(AzureBackupServer), C(DPM) or C(MAB).
      type: str
    version:
      description: The MABS or DPM version (C(dpmVersion)); for a MARS agent, the agent's version.
      type: str
    agent_version:
      description: The MARS agent's version.
      type: str
    upgrade_available:
      description: Whether Azure reports a newer server or agent version.
      type: bool
    registration_status:
      description: As Azure gives it, e.g. C(Registered).
      type: str
    health:
      description: As Azure gives it, e.g. C(Healthy).
      type: str
    last_contact:
      description: When the server last reported to Azure (UTC, ISO 8601); null when Azure gives no time.
      type: str
    hours_since_contact:
      description: Hours since RV(servers[].last_contact).
      type: float
    stale:
      description: Not reported within O(stale_after_hours) (or never).
      type: bool
    protected_servers_count:
      description: Servers a MABS or DPM server protects (null for a MARS agent).
      type: int
    protected_items_count:
      description: Items the server protects.
      type: int
    containers:
      description:
        - The protection containers the server's backups are in; for MABS and DPM one per protected server
          (C(dpmServers) names the backup server), for a MARS agent its own container.
      type: list
      elements: dict
  sample:
    - name: mabs-01.contoso.local
      kind: MABS
      backup_management_type: AzureBackupServer
      version: 14.0.30.0
      agent_version: 2.0.9532.0
      health: Healthy
      last_contact: '2026-11-30T06:00:00+00:00'
      hours_since_contact: 3.5
      stale: false
      protected_servers_count: 1
      containers:
        - name: fs-01.contoso.local
          protected_items_count: 3
stale:
  description: Names of the servers flagged as stale.
  returned: always
  type: list
  elements: str
"""

import datetime

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, list_all
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._backup_servers import (ENGINE_MANAGEMENT_TYPES, backup_servers,
                                                                                                     engine_filter)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options


def check_options(params):
    check_vault_options(params)
    if params["stale_after_hours"] < 1:
        raise Refusal(f"stale_after_hours must be 1 or more, not {params['stale_after_hours']}")
    if not params["backup_management_types"]:
        raise Refusal("backup_management_types must name at least one of AzureBackupServer, DPM, MAB")


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            backup_management_types=dict(type="list", elements="str", default=["AzureBackupServer", "DPM", "MAB"],
                                         choices=["AzureBackupServer", "DPM", "MAB"]),
            stale_after_hours=dict(type="int", default=48),
        ),
        clients=("backup",),
        supports_check_mode=True,
    )
    params = module.params

    def run():
        check_options(params)
        vault, group, session = params["vault_name"], params["resource_group"], module.session
        wanted = list(dict.fromkeys(params["backup_management_types"]))
        engine_types = [kind for kind in wanted if kind in ENGINE_MANAGEMENT_TYPES]
        engines = []
        if engine_types:
            engine_query = engine_filter(engine_types[0]) if len(engine_types) == 1 else None
            engines = [engine for engine in list_all(session, f"list backup engines of vault {vault}", backup_client(session).backup_engines.list,
                                                     vault, group, filter=engine_query)
                       if (engine.get("properties") or {}).get("backupManagementType") in engine_types]
        containers_by_type = {
            kind: list_all(session, f"list {kind} protection containers of vault {vault}", backup_client(session).backup_protection_containers.list,
                           vault, group, filter=engine_filter(kind))
            for kind in wanted}
        servers = backup_servers(engines, containers_by_type, datetime.datetime.now(datetime.timezone.utc), params["stale_after_hours"])
        return {"changed": False, "servers": servers, "stale": [server["name"] for server in servers if server["stale"]]}

    module.run(run)


if __name__ == "__main__":
    main()
