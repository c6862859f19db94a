# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backup servers of a vault as Azure lists them, and which have stopped reporting.

Azure shows on-premises servers in two listings:

- ``backupEngines``: Microsoft Azure Backup Server (``AzureBackupServerEngine``) and System Center DPM
  (``DpmBackupEngine``), with their version, the MARS agent's version, health and ``extendedInfo.refreshedAt``
  (when the server last reported).
- ``backupProtectionContainers``: a plain MARS agent is a ``Windows`` container of management type ``MAB``
  (``agentVersion``, ``containerHealthState``, ``extendedInfo.lastRefreshedAt``); each server a MABS or DPM
  server protects to Azure is a container whose ``dpmServers`` names that backup server.

Everything here is pure (mappings in Azure's camelCase in, snake_case views out) so it can be unit tested.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import parse_time

# Management types of backup servers, and the kind each is reported as.
SERVER_KINDS = {"AzureBackupServer": "MABS", "DPM": "DPM", "MAB": "MARS"}
ENGINE_MANAGEMENT_TYPES = ("AzureBackupServer", "DPM")  # MARS agents are no backup engines


def engine_filter(management_type):
    return f"backupManagementType eq '{management_type}'"


def _hours_since(moment, now):
    return round((now - moment).total_seconds() / 3600, 1)


def _contact(text, now, stale_after_hours):
    """(last contact ISO text or None, hours since, stale?) of a server; never reported counts as stale."""
    if not text:
        return None, None, True
    moment = parse_time(text)
    hours = _hours_since(moment, now)
    return moment.isoformat(), hours, hours > stale_after_hours


def engine_view(engine, protected_containers, now, stale_after_hours):
    """A MABS or DPM server from its backup engine and the containers naming it in ``dpmServers``."""
    properties = engine.get("properties") or {}
    info = properties.get("extendedInfo") or {}
    last_contact, hours, stale = _contact(info.get("refreshedAt"), now, stale_after_hours)
    return {
        "name": engine.get("name"),
        "kind": SERVER_KINDS.get(properties.get("backupManagementType"), properties.get("backupManagementType")),
        "backup_management_type": properties.get("backupManagementType"),
        "version": properties.get("dpmVersion"),
        "agent_version": properties.get("azureBackupAgentVersion"),
        "upgrade_available": bool(properties.get("isDpmUpgradeAvailable") or properties.get("isAzureBackupAgentUpgradeAvailable")),
        "registration_status": properties.get("registrationStatus"),
        "health": properties.get("healthStatus"),
        "last_contact": last_contact,
        "hours_since_contact": hours,
        "stale": stale,
        "protected_servers_count": info.get("protectedServersCount"),
        "protected_items_count": info.get("protectedItemsCount"),
        "used_disk_space": info.get("usedDiskSpace"),
        "available_disk_space": info.get("availableDiskSpace"),
        "containers": sorted((container_view(container, now, stale_after_hours) for container in protected_containers),
                             key=lambda view: (view["name"] or "").lower()),
    }


def container_view(container, now, stale_after_hours):
    """A protection container of a backup server (a MARS agent, or a server DPM/MABS protects)."""
    properties = container.get("properties") or {}
    last_contact, hours, stale = _contact((properties.get("extendedInfo") or {}).get("lastRefreshedAt"), now, stale_after_hours)
    return {
        "name": container.get("name"),
        "friendly_name": properties.get("friendlyName"),
        "container_type": properties.get("containerType"),
        "backup_management_type": properties.get("backupManagementType"),
        "registration_status": properties.get("registrationStatus"),
        "health": properties.get("containerHealthState") or properties.get("healthStatus"),
        "protected_items_count": properties.get("protectedItemCount"),
        "agent_version": properties.get("agentVersion") or properties.get("dpmAgentVersion"),
        "backup_servers": list(properties.get("dpmServers") or []),
        "last_contact": last_contact,
        "hours_since_contact": hours,
        "stale": stale,
    }


def mars_view(container, now, stale_after_hours):
    """A MARS agent (a ``MAB`` container) reported like a backup server."""
    view = container_view(container, now, stale_after_hours)
    return {
        "name": view["name"], "kind": "MARS", "backup_management_type": "MAB", "version": view["agent_version"],
        "agent_version": view["agent_version"], "upgrade_available": False, "registration_status": view["registration_status"],
        "health": view["health"], "last_contact": view["last_contact"], "hours_since_contact": view["hours_since_contact"],
        "stale": view["stale"], "protected_servers_count": None, "protected_items_count": view["protected_items_count"],
        "used_disk_space": None, "available_disk_space": None, "containers": [view],
    }


def backup_servers(engines, containers_by_type, now, stale_after_hours):
    """Every backup server of the vault, by name: engines with the containers they protect, then MARS agents."""
    servers = []
    for engine in engines:
        management_type = (engine.get("properties") or {}).get("backupManagementType")
        name = (engine.get("name") or "").lower()
        protected = [container for container in containers_by_type.get(management_type, [])
                     if name in [server.lower() for server in (container.get("properties") or {}).get("dpmServers") or []]]
        servers.append(engine_view(engine, protected, now, stale_after_hours))
    servers += [mars_view(container, now, stale_after_hours) for container in containers_by_type.get("MAB", [])]
    return sorted(servers, key=lambda server: (server["name"] or "").lower())
