# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options the protection modules share (vm_protection, file_share_protection, sql_protection), defined once.

``PROTECTION_ARGUMENT_SPEC`` goes with the ``azure_backup.recovery_services.protection`` doc fragment and
``BACKUP_EXPIRY_ARGUMENT_SPEC`` with ``protection.BACKUP_EXPIRY`` (on-demand backup as a yes/no with an expiry
date: VMs and file shares; SQL Server chooses a backup type instead). What differs by workload - the policy, the
items, how long an on-demand point may be kept - stays in each module.

``ITEM_FILTER_ARGUMENT_SPEC`` (with ``protection.ITEM_FILTERS``) and ``item_matches`` are the filters of the info
modules that list protected items (protected_item_info, file_share_info).
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import is_soft_deleted, item_policy_name, item_state

PROTECTION_ARGUMENT_SPEC = dict(
    state=dict(type="str", default="present", choices=["present", "stopped", "absent"]),
    retain=dict(type="str", default="forever", choices=["forever", "as_per_policy"]),
    delete_backup_data=dict(type="bool", default=False),
    wait_for_backup_job=dict(type="bool", default=False),
    max_parallel=dict(type="int", default=10),
)

BACKUP_EXPIRY_ARGUMENT_SPEC = dict(
    backup_now=dict(type="bool", default=False),
    backup_expiry=dict(type="str", aliases=["recovery_point_expiry_time"]),  # azure.azcollection's name (azure_rm_backupazurevm)
)

# Azure's protection states of an item (ProtectionState in the Backup API), as the filter takes them.
PROTECTION_STATES = ["IRPending", "Protected", "ProtectionError", "ProtectionStopped", "ProtectionPaused", "BackupsSuspended"]
ITEM_FILTER_ARGUMENT_SPEC = dict(
    protection_state=dict(type="list", elements="str", choices=PROTECTION_STATES),
    policy=dict(type="str"),
    soft_deleted=dict(type="bool"),
)


def item_matches(item, params):
    """Whether a protected item passes the ``protection_state``, ``policy`` and ``soft_deleted`` filters."""
    if params["protection_state"] and item_state(item) not in params["protection_state"]:
        return False
    if params["policy"] and (item_policy_name(item) or "").lower() != params["policy"].lower():
        return False
    return params["soft_deleted"] is None or is_soft_deleted(item) == params["soft_deleted"]
