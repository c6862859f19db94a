# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One-call listings of a vault (every page, each entry a mapping) and the filters Azure Backup's lists take.

Backup responses are read as mappings (``as_mapping``): the 11.2 SDK deserialises Azure-VM items,
containers and protectable items to base models (contract §7.1). Azure Backup's list filters are OData
terms with dates in its own 'yyyy-MM-dd hh:mm:ss tt' form (``odata_filter``, ``filter_date``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import IAAS_VM, item_vm_id

PROTECTED_VMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"
PROTECTABLE_VMS_FILTER = "backupManagementType eq 'AzureIaasVM' and workloadType eq 'VM'"
FILTER_DATE_FORMAT = "%Y-%m-%d %I:%M:%S %p"  # Azure Backup's 'yyyy-MM-dd hh:mm:ss tt'


def parse_time(value):
    """A UTC datetime from ISO-8601 text ("2026-01-01", "2026-01-01 10:00", "...T22:48:25.4353958Z").

    Times without a zone are UTC. Raises ValueError naming the value.
    """
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValueError(f"'{value}' is not a date or time: use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' or ISO-8601") from error
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def recovery_point_time(point):
    """When a recovery point (mapping) was taken, or None when Azure gives no time."""
    text = (point.get("properties") or {}).get("recoveryPointTime")
    return parse_time(text) if text else None


def newest_point(points, before=None):
    """The newest recovery point, or the newest taken at or before ``before``; None when there is none."""
    timed = [point for point in points if recovery_point_time(point) is not None]
    if before is not None:
        timed = [point for point in timed if recovery_point_time(point) <= before]
    return max(timed, key=recovery_point_time, default=None)


def filter_date(moment):
    """A datetime as Azure Backup's list filters want it, e.g. '2026-01-01 10:30:00 PM' (UTC)."""
    return moment.astimezone(timezone.utc).strftime(FILTER_DATE_FORMAT)


def odata_filter(terms):
    """"a eq 'x' and b eq 'y'" from {a: x, b: y}, skipping unset terms (None when nothing is set)."""
    text = " and ".join(f"{key} eq '{value}'" for key, value in terms.items() if value is not None)
    return text or None


def list_all(session, operation, list_function, *args, **kwargs):
    """Every page of an SDK list call, each entry as a mapping."""
    return session.call(operation, lambda: [as_mapping(entry) for entry in list_function(*args, **kwargs)])


def backup_client(session):
    return session.client("backup")


def list_policies(session, vault, resource_group, backup_management_type=None):
    """The vault's backup policies (one call, all pages), optionally of one management type."""
    kwargs = {"filter": f"backupManagementType eq '{backup_management_type}'"} if backup_management_type else {}
    return list_all(session, f"list backup policies of vault {vault}", backup_client(session).backup_policies.list,
                    vault, resource_group, **kwargs)


def get_policy(session, vault, resource_group, name):
    found = session.get_or_none(f"read backup policy {name} of vault {vault}", backup_client(session).protection_policies.get,
                                vault, resource_group, name)
    return as_mapping(found)


def list_protected_vms(session, vault, resource_group):
    """Every Azure-VM protected item of the vault, all pages, in ONE listing."""
    return list_all(session, f"list protected VMs of vault {vault}", backup_client(session).backup_protected_items.list,
                    vault, resource_group, filter=PROTECTED_VMS_FILTER)


def list_protectable_vms(session, vault, resource_group):
    """VMs discovery found for the vault (same subscription and region, not protected elsewhere)."""
    return list_all(session, f"list protectable VMs of vault {vault}", backup_client(session).backup_protectable_items.list,
                    vault, resource_group, filter=PROTECTABLE_VMS_FILTER)


def read_guard_proxy(session, vault, resource_group):
    """The vault's resource guard proxy (multi-user authorization), or None: Azure lists at most one, named VaultProxy."""
    proxies = list_all(session, f"list resource guard proxies of vault {vault}", backup_client(session).resource_guard_proxies.get,
                       vault, resource_group)
    return proxies[0] if proxies else None


def list_containers(session, vault, resource_group, backup_filter):
    return list_all(session, f"list protection containers of vault {vault}",
                    backup_client(session).backup_protection_containers.list, vault, resource_group, filter=backup_filter)


def index_by_vm_id(items):
    """{lower-cased VM id: item} for protected or protectable items."""
    return {item_vm_id(item): item for item in items if item_vm_id(item)}


def list_jobs_since(session, vault, resource_group, operation, since, backup_management_type=IAAS_VM):
    """The vault's jobs of one ``operation`` and management type (Azure VMs unless told) started at or after ``since``
    (every page, newest first)."""
    window = odata_filter({"backupManagementType": backup_management_type, "operation": operation, "startTime": filter_date(since),
                           "endTime": filter_date(datetime.now(timezone.utc) + timedelta(days=1))})
    return list_all(session, f"list {operation} jobs of vault {vault}", backup_client(session).backup_jobs.list,
                    vault, resource_group, filter=window)
