#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The documentation of the vault_runs action plugin (plugins/action/vault_runs.py), which does the work on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_runs
short_description: Run a module once per vault batch, all the vaults at once, and wait for them in one task
version_added: 1.0.0
description:
  - Starts O(module) once per entry of O(batches), all at once (as C(async) with C(poll=0) would), then waits for every
    run in the same task, and returns each run's answer with its batch. It prints one line per run, named by the batch's
    C(label) when it has one. The task fails when a run failed, as a loop does when an item failed.
  - What the vm_agent, vm_backup and sql_backup roles use for their one run per vault. Unlike a loop of C(async) starts
    followed by a loop of M(ansible.builtin.async_status) polls, it templates no loop item (a vault's thousands of VMs)
    per start or poll, and on a local connection (the roles delegate to C(localhost)) it reads the runs' result files
    directly instead of running a module process per poll.
  - C(module_defaults) for O(module) (or its action group) apply to each run, as they would to a task of that module.
  - Sends nothing to Azure itself; each run of O(module) sends what that module sends.
options:
  module:
    description: The module to run, for example V(azure_backup.recovery_services.vm_protection).
    type: str
    required: true
  batches:
    description: One entry per run, for example one per vault, as the P(azure_backup.recovery_services.vm_backup_batches#filter) filter returns them.
    type: list
    elements: dict
    required: true
  batch_options:
    description:
      - "Option of O(module) -> key of a batch whose value it takes, for example V({vault_name: vault_name, vms: vms})."
      - A key a batch does not have leaves that option out of its run.
    type: dict
    required: true
  options:
    description: Options of O(module) that every run shares.
    type: dict
    default: {}
  timeout:
    description: Seconds a run may take; a run still going then is stopped and reported failed.
    type: int
    default: 3600
  poll:
    description: Seconds between two looks at the runs that have not finished.
    type: float
    default: 0.5
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Each run of O(module) runs in check mode as that module supports it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The runs' diffs, one after the other.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: full
    details: As idempotent as O(module).
  action:
    support: full
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
  async:
    support: none
    description: Starts its own runs asynchronously; the task itself does not take C(async).
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Protect the VMs, one vm_protection run per vault, all vaults at once
  azure_backup.recovery_services.vault_runs:
    module: azure_backup.recovery_services.vm_protection
    batches: "{{ hostvars | azure_backup.recovery_services.vm_backup_batches(ansible_play_hosts) }}"
    batch_options:
      vault_name: vault_name
      resource_group: resource_group
      vms: vms
    options:
      state: present
  register: protection
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
results:
  description: One answer per batch, in the order of O(batches).
  returned: always
  type: list
  elements: dict
  contains:
    item:
      description: The batch.
      type: dict
    finished:
      description: Whether the run ended (false only when it was still going at O(timeout)).
      type: bool
    failed:
      description: Whether the run failed; C(msg) then says why.
      type: bool
    ansible_job_id:
      description: The run's async job id.
      type: str
"""
