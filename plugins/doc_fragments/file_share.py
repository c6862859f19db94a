# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How options name a file share: its storage account (a name with its resource group, or the account's id) and its name.

    Goes with ``_file_shares.SHARE_REF_OPTIONS`` and ``resolve_share_ref``. One section per option name, because
    Ansible merges a fragment's options by name: ``share`` (this one) and ``SHARES`` (``shares``). A module may give
    its own description of the option; the suboptions stay these. Each section is one plain string literal:
    ansible-test's yamllint reads it as such.
    """

    DOCUMENTATION = r"""
options:
  share:
    description: The file share.
    type: dict
    required: true
    suboptions:
      storage_account:
        description: Name of the storage account (with O(share.resource_group)), or its resource id.
        type: str
        required: true
      resource_group:
        description: Resource group of the storage account, when O(share.storage_account) is a name.
        type: str
      name:
        description: Name of the file share.
        type: str
        required: true
"""

    SHARES = r"""
options:
  shares:
    description: File shares.
    type: list
    elements: dict
    suboptions:
      storage_account:
        description: Name of the storage account (with O(shares[].resource_group)), or its resource id.
        type: str
        required: true
      resource_group:
        description: Resource group of the storage account, when O(shares[].storage_account) is a name.
        type: str
      name:
        description: Name of the file share.
        type: str
        required: true
"""
