# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How options name a VM: by resource id, or by name and resource group, never both.

    The suboptions stand in both fragments: ansible-test's yamllint reads each as one string literal.
    """

    DOCUMENTATION = r"""
options:
  vm:
    description:
      - The VM, by O(vm.id), or by O(vm.name) and O(vm.resource_group). Giving both forms is refused.
    type: dict
    required: true
    suboptions:
      id:
        description: Resource id of the VM.
        type: str
        aliases: [resource_id]
      name:
        description: Name of the VM.
        type: str
      resource_group:
        description: Resource group of the VM (may differ from the vault's).
        type: str
"""

    VMS = r"""
options:
  vms:
    description:
      - VMs, each by O(vms[].id), or by O(vms[].name) and O(vms[].resource_group). Giving both forms for one VM is refused.
    type: list
    elements: dict
    suboptions:
      id:
        description: Resource id of the VM.
        type: str
        aliases: [resource_id]
      name:
        description: Name of the VM.
        type: str
      resource_group:
        description: Resource group of the VM (may differ from the vault's).
        type: str
"""
