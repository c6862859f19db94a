# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""SQL Server in Azure VMs: names, the vault's SQL listings, what a listing says about a database, request bodies.

Private to the collection. Pure functions (all but ``list_sql``), unit tested without Azure. What sql_protection does for
one database is decided by ``_protection.plan_item`` (the same protect / change policy / resume /
undelete / stop / delete plan as for a VM, from the protected item of the vault's listing).

Azure's names (SQL backup documentation and azure-cli): a VM registered for SQL is the container
``VMAppContainer;Compute;{rg};{vm}``; its discovered items are ``SQLInstance;{instance}``,
``SQLAvailabilityGroupContainer;{ag}`` and ``SQLDataBase;{instance or ag};{db}``; a protected
database is ``SQLDataBase;{instance};{db}`` (Azure lower-cases the item name, so names are compared
without case).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_all, list_containers, list_policies

AZURE_WORKLOAD = "AzureWorkload"
SQL_WORKLOAD_TYPE = "SQLDataBase"
SQL_ITEM_TYPE = "AzureVmWorkloadSQLDatabase"
WORKLOAD_FILTER = "backupManagementType eq 'AzureWorkload'"
SQL_FILTER = "backupManagementType eq 'AzureWorkload' and workloadType eq 'SQLDataBase'"
SQL_ITEMS_FILTER = "backupManagementType eq 'AzureWorkload' and itemType eq 'SQLDataBase'"
DEFAULT_INSTANCE = "MSSQLSERVER"
BACKUP_TYPES = {"full": "Full", "differential": "Differential", "log": "Log", "copy_only_full": "CopyOnlyFull"}
# Full and copy-only full points can carry their own expiry; differential and log points follow the policy (azure-cli backup_now).
EXPIRING_BACKUP_TYPES = ("full", "copy_only_full")
DEFAULT_EXPIRY_DAYS = {"full": 45, "copy_only_full": 30}  # azure-cli's defaults for an on-demand full / copy-only backup
BACKUP_RETENTION_DAYS = (1, 36135)
NAME_LIMIT = 84  # a SQL Server VM's name and resource group name together (Azure Backup's prerequisites)
NEVER_DISCOVERED = {"tempdb": "Azure Backup does not back up tempdb (it is recreated at every SQL Server start)"}
FULL_ONLY = {"master": "Azure Backup takes only full backups of master"}


def container_name(resource_group, vm_name):
    return f"VMAppContainer;Compute;{resource_group};{vm_name}"


def parent_item_name(kind, parent):
    """``SQLInstance;{instance}`` or ``SQLAvailabilityGroupContainer;{ag}``."""
    return f"{'SQLAvailabilityGroupContainer' if kind == 'availability_group' else 'SQLInstance'};{parent}"


def database_key(container, parent, database):
    """How a database is matched across listings: container, parent (instance or AG) and name, lower-cased."""
    return f"{container};{parent};{database}".lower()


def intent_name(container, parent_item):
    """A stable name for the auto-protection intent of one instance or AG (Azure takes any name; az uses a random
    GUID): derived from the container and item, so two runs write the same intent, never two."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{container}/{parent_item}".lower()))


# --- reading listings -----------------------------------------------------------------------------

LISTINGS = {  # kind: (what the operation is called, the SDK operations group, the filter)
    "protected": ("protected SQL databases", "backup_protected_items", SQL_ITEMS_FILTER),
    "protectable": ("protectable SQL items", "backup_protectable_items", SQL_FILTER),
    "intents": ("auto-protection intents", "backup_protection_intent", WORKLOAD_FILTER),
}


def list_sql(session, vault, resource_group, kind):
    """One of the vault's SQL listings, every page: ``protected``, ``protectable``, ``intents``, ``containers`` or ``policies``."""
    if kind == "containers":
        return list_containers(session, vault, resource_group, WORKLOAD_FILTER)
    if kind == "policies":
        return list_policies(session, vault, resource_group)
    what, group, odata = LISTINGS[kind]
    return list_all(session, f"list {what} of vault {vault}", getattr(session.client("backup"), group).list, vault, resource_group, filter=odata)


def _properties(entry):
    return (entry or {}).get("properties") or {}


def _container_of(resource_id):
    parts = (resource_id or "").split("/")
    lowered = [part.lower() for part in parts]
    return parts[lowered.index("protectioncontainers") + 1] if "protectioncontainers" in lowered else ""


def index_protectable(items):
    """``{database key: protectable item}`` and ``{parent key: protectable item}`` from the protectable-items listing."""
    databases, parents = {}, {}
    for entry in items:
        properties = _properties(entry)
        container = _container_of(entry.get("id"))
        kind = properties.get("protectableItemType")
        if kind == "SQLDataBase":
            parent = properties.get("parentName") or properties.get("parentUniqueName") or ""
            databases[database_key(container, parent, properties.get("friendlyName", ""))] = entry
        elif kind in ("SQLInstance", "SQLAvailabilityGroupContainer"):
            parents[f"{container};{entry.get('name', '')}".lower()] = entry
    return databases, parents


def index_protected(items):
    """``{database key: protected item}`` from the protected-items listing (the item name carries parent and database)."""
    indexed = {}
    for entry in items:
        parts = (entry.get("name") or "").split(";")
        if len(parts) == 3:
            indexed[database_key(_properties(entry).get("containerName") or _container_of(entry.get("id")), parts[1], parts[2])] = entry
    return indexed


def validation_failure(protectable):
    """Azure's reason (``prebackupvalidation``) why a discovered item cannot be protected, or None."""
    validation = _properties(protectable).get("prebackupvalidation") or {}
    if str(validation.get("status", "")).lower() in ("failed",):
        return f"Azure's pre-backup validation failed: {validation.get('code')}: {validation.get('message')}"
    return None


def inquiry_failure(container):
    """The reason a registered container's last inquiry failed, or None."""
    info = ((_properties(container).get("extendedInfo") or {}).get("inquiryInfo") or {})
    if str(info.get("status", "")).lower() == "failed":
        detail = info.get("errorDetail") or {}
        return f"the SQL discovery on the VM failed: {detail.get('code')}: {detail.get('message')}"
    return None


def is_registered(container):
    return str(_properties(container).get("registrationStatus", "")).lower() == "registered"


def intent_target(intent):
    """(container, parent item name) an intent auto-protects, lower-cased, from its ``itemId``."""
    parts = str(_properties(intent).get("itemId") or "").split("/")
    lowered = [part.lower() for part in parts]
    for container_key, item_key in (("protectioncontainers", "protectableitems"), ("backupprotectioncontainer", "backupprotectableitems")):
        if container_key in lowered and item_key in lowered:
            return lowered[lowered.index(container_key) + 1], lowered[lowered.index(item_key) + 1]
    return None


# --- checks on the options alone --------------------------------------------------------------------

def server_errors(resource_group, vm_name):
    """Why Azure Backup cannot register this VM for SQL workloads, from its names alone."""
    length = len(resource_group) + len(vm_name)
    if length > NAME_LIMIT:
        return [f"the VM name and resource group name together are {length} characters; Azure Backup registers SQL Server VMs whose "
                f"names add up to {NAME_LIMIT} at most"]
    return []


def database_errors(database, state, backup_now):
    """Why a named database is refused before any call (empty list = fine)."""
    name = (database.get("name") or "").lower()
    errors = []
    if name in NEVER_DISCOVERED and state == "present":
        errors.append(NEVER_DISCOVERED[name])
    if name in FULL_ONLY and backup_now in ("differential", "log"):
        errors.append(f"{FULL_ONLY[name]}: backup_now {backup_now} is refused for it")
    return errors


def backup_expiry(backup_type, retention_days=None, now=None):
    """The expiry Azure takes for an on-demand full or copy-only backup (None for differential and log), or raise ValueError."""
    if backup_type not in EXPIRING_BACKUP_TYPES:
        if retention_days is not None:
            raise ValueError(f"backup_retention_days applies to backup_now full or copy_only_full; a {backup_type} backup is kept as "
                             "the policy says")
        return None
    days = DEFAULT_EXPIRY_DAYS[backup_type] if retention_days is None else retention_days
    low, high = BACKUP_RETENTION_DAYS
    if not low <= days <= high:
        raise ValueError(f"backup_retention_days is {days}; allowed {low}-{high} (1 day to 99 years)")
    return ((now or datetime.now(timezone.utc)) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- request bodies ---------------------------------------------------------------------------------

def register_body(vm_id, reregister=False):
    return {"properties": {"containerType": "VMAppContainer", "backupManagementType": AZURE_WORKLOAD, "workloadType": SQL_WORKLOAD_TYPE,
                           "sourceResourceId": vm_id, "operationType": "Reregister" if reregister else "Register"}}


# A database's protected-item identity (for ``_protection.protect_body`` and the other item bodies): the container and item
# names in the URL say which database; the body names no source.
SQL_DATABASE_ITEM = {"protectedItemType": SQL_ITEM_TYPE, "workloadType": SQL_WORKLOAD_TYPE}


def backup_body(backup_type, expiry):
    properties = {"objectType": "AzureWorkloadBackupRequest", "backupType": BACKUP_TYPES[backup_type]}
    if expiry:
        properties["recoveryPointExpiryTimeInUTC"] = expiry
    return {"properties": properties}


def intent_body(parent_item_id, policy_id):
    return {"properties": {"protectionIntentItemType": "RecoveryServiceVaultItem", "backupManagementType": AZURE_WORKLOAD,
                           "itemId": parent_item_id, "policyId": policy_id}}
