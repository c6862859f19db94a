# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every module declares, defined once (the community.docker pattern).

    A module extends ``attributes`` (what each attribute means), ``attributes.action_group`` when it is in
    the collection's action group, and ``attributes.state`` or ``attributes.info`` (how far it supports
    each). A module whose support differs says so in its own ``attributes`` (its values win).
    """

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and report what would change, sending no write to Azure.
  diff_mode:
    description: Returns the managed settings before and after the change, in diff mode.
  idempotent:
    description:
      - When run twice with the same options, the second run reports no change and sends no write
        (the emulator's request log proves it in the integration tests).
"""

    ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/azure_backup.recovery_services.all) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - azure_backup.recovery_services.all
"""

    STATE = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

    INFO = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: N/A
    details: Read-only; returns no diff.
  idempotent:
    support: full
    details: Read-only; never changes anything.
"""
