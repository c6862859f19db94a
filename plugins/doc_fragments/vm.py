# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How options name a VM: by resource id, or by name and resource group, never both (``_names.VM_REF_OPTIONS``).

    One section per option name the modules use, because Ansible merges a fragment's options by name:
    ``vm`` (this one, ``_names.VM_ARGUMENT_SPEC``), ``VMS`` (``vms``), ``SERVERS`` (``servers``, SQL Server VMs) and
    ``SERVER`` (``server`` and ``target_server``, sharing their suboptions through a YAML anchor). A module may give
    its own description of the option; the suboptions stay these. Each section is one plain string literal (no
    concatenation, no anchor across sections): ansible-test's yamllint reads it as such.
    """

    DOCUMENTATION = r"""
options:
  vm:
    description:
      - The VM, by O(vm.id), or by O(vm.name) and O(vm.resource_group). Giving both forms is refused.
    type: dict
    required: true
    suboptions:
      id: {description: Resource id of the VM., type: str, aliases: [resource_id]}
      name: {description: Name of the VM., type: str}
      resource_group: {description: Resource group of the VM (may differ from the vault's)., type: str}
"""

    VMS = r"""
options:
  vms:
    description:
      - VMs, each by O(vms[].id), or by O(vms[].name) and O(vms[].resource_group). Giving both forms for one VM is refused.
    type: list
    elements: dict
    suboptions:
      id: {description: Resource id of the VM., type: str, aliases: [resource_id]}
      name: {description: Name of the VM., type: str}
      resource_group: {description: Resource group of the VM (may differ from the vault's)., type: str}
"""

    SERVERS = r"""
options:
  servers:
    description:
      - SQL Server VMs, each by O(servers[].id), or by O(servers[].name) and O(servers[].resource_group). Giving both forms for one VM is refused.
    type: list
    elements: dict
    suboptions:
      id: {description: Resource id of the VM., type: str, aliases: [resource_id]}
      name: {description: Name of the VM., type: str}
      resource_group: {description: Resource group of the VM (may differ from the vault's)., type: str}
"""

    SERVER = r"""
options:
  server:
    description:
      - The SQL Server VM, by O(server.id), or by O(server.name) and O(server.resource_group). Giving both forms is refused.
    type: dict
    required: true
    suboptions: &vm_reference
      id: {description: Resource id of the VM., type: str, aliases: [resource_id]}
      name: {description: Name of the VM., type: str}
      resource_group: {description: Resource group of the VM (may differ from the vault's)., type: str}
  target_server:
    description: Another SQL Server VM, given as O(server) is.
    type: dict
    suboptions: *vm_reference
"""
