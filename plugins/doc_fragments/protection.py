# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options of the protection modules (vm_protection, file_share_protection, sql_protection), written once.

    ``protection`` goes with ``_protection_options.PROTECTION_ARGUMENT_SPEC``; ``protection.BACKUP_EXPIRY`` (the
    modules whose on-demand backup is a yes/no with an expiry date) with ``BACKUP_EXPIRY_ARGUMENT_SPEC``;
    ``protection.ITEM_FILTERS`` (the info modules listing protected items) with ``ITEM_FILTER_ARGUMENT_SPEC`` and ``item_matches``.
    Each section is one plain string literal: ansible-test's yamllint reads it as such.
    """

    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(present) protects the VMs, shares or databases given (resuming stopped ones, undeleting soft-deleted ones first).
      - V(stopped) stops protection and keeps the backup data (see O(retain)); a soft-deleted item is undeleted to keep its data.
      - V(absent) stops protection and deletes the backup data; it needs O(delete_backup_data=true).
    type: str
    default: present
    choices: [present, stopped, absent]
  retain:
    description:
      - With O(state=stopped), V(forever) keeps the recovery points until you delete them (Azure's C(ProtectionStopped));
        V(as_per_policy) keeps them as long as the policy says (C(BackupsSuspended)).
    type: str
    default: forever
    choices: [forever, as_per_policy]
  delete_backup_data:
    description: Confirms that O(state=absent) deletes the backup data. Without it, O(state=absent) is refused before any write.
    type: bool
    default: false
  wait_for_backup_job:
    description: Wait until each on-demand backup job finishes and return its status.
    type: bool
    default: false
  max_parallel:
    description: How many writes are sent at once.
    type: int
    default: 10
"""

    BACKUP_EXPIRY = r"""
options:
  backup_now:
    description: Trigger an on-demand backup of each VM or share once it is protected (with O(state=present)).
    type: bool
    default: false
  backup_expiry:
    description:
      - Date (C(YYYY-MM-DD), UTC) until which the on-demand recovery point is kept, from tomorrow to as far ahead as
        O(backup_retention_days) may reach. Mutually exclusive with O(backup_retention_days).
      - A time is taken too (C(2027-12-31T06:00:00Z)), as azure.azcollection's C(recovery_point_expiry_time) takes it.
    type: str
    aliases: [recovery_point_expiry_time]
"""

    ITEM_FILTERS = r"""
options:
  protection_state:
    description: Only items in these protection states.
    type: list
    elements: str
    choices: [IRPending, Protected, ProtectionError, ProtectionStopped, ProtectionPaused, BackupsSuspended]
  policy:
    description: Only items protected with this policy (name, case-insensitive).
    type: str
  soft_deleted:
    description: V(true) lists only soft-deleted items, V(false) only the others. Unset lists both.
    type: bool
"""
