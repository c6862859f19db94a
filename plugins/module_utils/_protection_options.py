# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options the protection modules share (vm_protection, file_share_protection, sql_protection), defined once.

``PROTECTION_ARGUMENT_SPEC`` goes with the ``azure_backup.recovery_services.protection`` doc fragment and
``BACKUP_EXPIRY_ARGUMENT_SPEC`` with ``protection.BACKUP_EXPIRY`` (on-demand backup as a yes/no with an expiry
date: VMs and file shares; SQL Server chooses a backup type instead). What differs by workload - the policy, the
items, how long an on-demand point may be kept - stays in each module.
"""

from __future__ import annotations

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
