#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vm_protection
short_description: Protect Azure VMs with a backup policy, stop or remove their protection, back them up now
version_added: 1.0.0
description:
  - Puts one or many Azure VMs under backup protection in one Recovery Services vault, moves them to
    another policy, resumes, stops or removes protection, undeletes soft-deleted items, and triggers
    on-demand backups.
  - Built for many VMs in one task. It lists the vault's protected VMs once and its policies once; an
    idempotent run sends no write, no per-VM request and the same few reads whatever the number of VMs.
    Container discovery runs at most once, only when a VM to protect is not yet among the vault's protectable VMs.
  - Writes start together, at most O(max_parallel) at a time, and are awaited together through the vault's jobs
    listing (one paged read per round for all of them, not one status poll per VM); a write whose job did not
    finish in time is read back in the protected-items listing before it is reported failed. Just before the
    first write the protected items are listed once more, so a write another run made meanwhile is not repeated.
  - O(wait_timeout) is one deadline for the whole task (discovery and every wait share it). With O(wait=false)
    nothing is awaited, discovery included; VMs that need discovery first are left for the next run (C(deferred)).
  - Before protecting a VM the vault has not discovered, cheap pre-checks run (O(precheck)) from listings - the VM
    exists and is in the vault's region (the subscription's VM status listing), no other vault protects it (the
    protected items of the subscription's other vaults in that region). A VM the vault's protectable items
    list already passes them. A VM failing them is failed with the reason Azure's data gave (C(ineligible)) while
    the others go on, unless O(all_or_nothing) is set. M(azure_backup.recovery_services.vm_backup_precheck) runs
    every pre-check.
  - The task fails when any VM failed, after the other VMs were handled; RV(vms) says what happened to each.
  - VMs may live in other resource groups than the vault, but in the vault's subscription and region.
options:
  vms:
    description: The VMs, each by O(vms[].id) or by O(vms[].name) and O(vms[].resource_group). Mutually exclusive with O(vm).
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
        description: Resource group of the VM.
        type: str
      policy:
        description: Policy for this VM, in place of O(policy).
        type: str
  vm:
    description: One VM, as an entry of O(vms).
    type: dict
    suboptions:
      id:
        description: Resource id of the VM.
        type: str
        aliases: [resource_id]
      name:
        description: Name of the VM.
        type: str
      resource_group:
        description: Resource group of the VM.
        type: str
      policy:
        description: Policy for this VM, in place of O(policy).
        type: str
  policy:
    description:
      - Name of the vault's Azure VM (C(AzureIaasVM)) backup policy to protect the VMs with, or its resource id
        (C(/subscriptions/.../vaults/VAULT/backupPolicies/NAME), as azure.azcollection's C(backup_policy_id) takes it).
        An id of another vault's policy is refused.
      - Needed to protect, resume or undelete-and-protect a VM; a protected VM moves to it when it differs.
        Left unset, protected VMs keep their policy.
    type: str
    aliases: [backup_policy_id]
  state:
    description:
      - V(present) protects the VMs (resuming stopped ones, undeleting soft-deleted ones first).
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
    description: Confirms that O(state=absent) deletes the VMs' backup data. Without it, O(state=absent) is refused before any write.
    type: bool
    default: false
  backup_now:
    description: Trigger an on-demand backup of each VM once it is protected (with O(state=present)).
    type: bool
    default: false
  backup_retention_days:
    description: Days the on-demand recovery point is kept (1-36135, up to 99 years). Default 30. Mutually exclusive with O(backup_expiry).
    type: int
  backup_expiry:
    description: Date (C(YYYY-MM-DD), UTC) until which the on-demand recovery point is kept, from tomorrow to 99 years ahead.
    type: str
  wait_for_backup_job:
    description: Wait until each on-demand backup job finishes and return its status.
    type: bool
    default: false
  precheck:
    description: Run the cheap pre-checks, from listings, on VMs that the vault has not discovered yet.
    type: bool
    default: true
  all_or_nothing:
    description: When any VM fails its pre-checks or planning, fail the task before any write instead of skipping that VM.
    type: bool
    default: false
  max_parallel:
    description: How many writes are sent at once.
    type: int
    default: 10
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Protect the web tier with the nightly policy, the database with the hourly one
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: vm-nightly
    vms:
      - {name: web-01, resource_group: rg-app}
      - {name: web-02, resource_group: rg-app}
      - {name: db-01, resource_group: rg-db, policy: vm-hourly}

- name: Protect one VM and back it up now, keeping that point 90 days
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    policy: vm-nightly
    vm: {id: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-03}
    backup_now: true
    backup_retention_days: 90
    wait_for_backup_job: true

- name: Stop protecting a VM, keeping its recovery points as long as the policy says
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-02, resource_group: rg-app}
    state: stopped
    retain: as_per_policy

- name: Remove protection and delete the backup data
  azure_backup.recovery_services.vm_protection:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: old-01, resource_group: rg-app}
    state: absent
    delete_backup_data: true
"""

RETURN = r"""
vms:
  description: One result per VM, in the order given. In check mode, the plan.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id of the VM.
      type: str
    name:
      description: Name of the VM.
      type: str
    resource_group:
      description: Resource group of the VM.
      type: str
    action:
      description: V(protect), V(change_policy), V(resume), V(undelete_and_protect), V(undelete), V(stop), V(delete) or V(none).
      type: str
    changed:
      description: Whether a write was sent for this VM (or would be, in check mode).
      type: bool
    policy:
      description: The VM's policy after the task.
      type: str
    protection_state:
      description: Azure's protection state after the task (C(NotProtected) when there is no item).
      type: str
    job_id:
      description: The Azure job of the protection change, when Azure reported one.
      type: str
    backup_job_id:
      description: The on-demand backup job.
      type: str
    backup_job_status:
      description: Status of that job, with O(wait_for_backup_job).
      type: str
    reason:
      description: Why the VM needs (or needs no) change.
      type: str
    error:
      description: Why the VM failed (pre-check finding, bad input or Azure error); absent when it did not.
      type: str
    ineligible:
      description: True when the VM failed its pre-checks for a reason Azure's data gave (other region, protected
        elsewhere, not found), rather than on an error; the vm_backup role's C(skip) gate skips such VMs.
      type: bool
    deferred:
      description: True when the VM needs container discovery first and O(wait=false) left it for the next run.
      type: bool
  sample:
    - id: /subscriptions/0000/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-01
      name: web-01
      resource_group: rg-app
      action: protect
      changed: true
      policy: vm-nightly
      protection_state: IRPending
      job_id: 6a1c8f8e-0c7e-4b8e-9f0e-2b1f0f3f4a11
      reason: not protected; protect with policy vm-nightly
summary:
  description: Counts over the VMs.
  returned: always
  type: dict
  sample: {total: 3, changed: 1, unchanged: 2, failed: 0, actions: {protect: 1, none: 2}}
requests:
  description:
    - What the task sent - C(listings) (each counted once, all its pages together), C(writes) (item writes and
      discovery), C(job_list_rounds) (rounds of the jobs listing that awaited the writes), C(item_polls) (per-item
      status polls, only for deletions and on-demand backups) and C(backup_status_queries) (per-VM pre-check queries,
      only for VMs the listings could not decide).
  returned: always
  type: dict
  sample: {listings: 3, writes: 14, job_list_rounds: 2, item_polls: 0, backup_status_queries: 0}
"""

import time
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import (
    finish_write, item_delete, item_put, JobWatch, refresh_containers, run_parallel, trigger_backup, wait_for_job,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_policies, read_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import (
    IAAS_VM, VM_REF_OPTIONS, container_name, item_name, names_from_item_id, short_container_name,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, retry_after_seconds
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal, TaskFailure
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import (
    NONE, PROTECT, STOP_STATES, backup_expiry, item_view, plan_vm, protect_body, stop_body, undelete_body,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import (
    check_max_parallel, check_policy_ref, check_vm_ref, check_wait_timeout,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vm_precheck import CRITICAL, VaultListings, precheck_vms

VM_OPTIONS = dict(VM_REF_OPTIONS, policy=dict(type="str"))
STEP_VERBS = {"undelete": "undelete", "protect": "protect", "stop": "stop protection of", "delete": "delete backup data of", "backup": "back up"}
# Steps whose writes are awaited through the vault's jobs listing (the job Azure starts for each write).
STEP_JOB_OPERATIONS = {"protect": "ConfigureBackup", "stop": "DisableBackup", "undelete": "Undelete"}
# Jobs started this long before our writes still count as theirs: the controller's clock and Azure's may differ.
CLOCK_SKEW = timedelta(minutes=2)
# First look at the jobs when Azure's answers give no Retry-After (Backup's configure operations take seconds to minutes).
FIRST_JOB_POLL_SECONDS = 3


def vms_to_protect_first_time(plans):
    """Plans of VMs the vault has no item for and that are to be protected (and have no error yet)."""
    return [plan for plan in plans if plan["item"] is None and plan["action"] == PROTECT and not plan["error"]]


class ProtectionRun:
    """One vm_protection task: read the vault's listings, plan per VM, write in parallel, await through listings, report per VM.

    ``wait_timeout`` is one deadline for the whole task (discovery and every wait share it).
    ``requests`` counts what was sent, for the result: listings, writes, job-listing rounds, per-item polls.
    """

    def __init__(self, module, targets, expiry):
        self.module = module
        self.params = module.params
        self.session = module.session
        self.vault = self.params["vault_name"]
        self.resource_group = self.params["resource_group"]
        self.targets = targets
        self.expiry = expiry
        self.policies = {}
        self.deadline = time.monotonic() + self.params["wait_timeout"]
        self.listings = None
        self.requests = {"listings": 0, "writes": 0, "job_list_rounds": 0, "item_polls": 0, "backup_status_queries": 0}

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    # --- reading -------------------------------------------------------------------------------

    def read_policies(self):
        """The named policies, from ONE listing; bad names and non-VM policies fail the task before any write."""
        wanted = {target["policy"] for target in self.targets if target["policy"]}
        if not wanted or self.params["state"] != "present":
            return
        self.requests["listings"] += 1
        listed = {policy["name"].lower(): policy for policy in list_policies(self.session, self.vault, self.resource_group)}
        vm_policies = sorted(policy["name"] for policy in listed.values() if (policy.get("properties") or {}).get("backupManagementType") == IAAS_VM)
        for name in sorted(wanted):
            policy = listed.get(name.lower())
            if policy is None:
                raise Refusal(f"policy {name} does not exist in vault {self.vault}; its Azure VM policies are: {', '.join(vm_policies)}")
            management_type = (policy.get("properties") or {}).get("backupManagementType")
            if management_type != IAAS_VM:
                raise Refusal(f"policy {name} of vault {self.vault} is an {management_type} policy; VMs need an {IAAS_VM} policy: "
                              f"{', '.join(vm_policies)}")
            self.policies[name.lower()] = policy

    def plan_target(self, target, item):
        plan = plan_vm(item, dict(self.params, policy=target["policy"]))
        plan.update(ref=target["ref"], item=item, policy=target["policy"], names=names_from_item_id(item["id"]) if item else None, jobs={})
        return plan

    def plans(self):
        """One plan per VM, from ONE listing of the vault's protected VMs."""
        items = self.listings.protected_here()
        return [self.plan_target(target, items.get(target["ref"]["key"])) for target in self.targets]

    def precheck(self, plans):
        """The cheap pre-checks (exists, region, protected elsewhere), from listings, for VMs the vault has not discovered.

        A VM among the vault's protectable items is discovered, so it exists, is in the vault's region and no vault
        protects it: it needs no check.  The others are decided by the VM and vault listings (precheck_vms).
        """
        if not self.params["precheck"]:
            return
        undiscovered = [plan for plan in vms_to_protect_first_time(plans) if plan["ref"]["key"] not in self.listings.protectable()]
        if not undiscovered:
            return
        try:
            self.listings.vault = read_vault(self.session, self.resource_group, self.vault)
            self.session.client("compute")
            checked = precheck_vms(self.session, [plan["ref"] for plan in undiscovered], self.listings, full=False,
                                   max_parallel=self.params["max_parallel"])
        except AzureOperationError as error:
            # A listing that failed (after the client's retries) leaves these VMs unchecked: failed, never written.
            checked = [(plan["ref"], None, error) for plan in undiscovered]
        for plan, (_ref, answer, error) in zip(undiscovered, checked):
            if error:
                plan["error"] = f"pre-check failed: {error}"
                continue
            plan["findings"] = answer["findings"]
            critical = [entry["reason"] for entry in answer["findings"] if entry["status"] == CRITICAL]
            if critical:
                plan["error"] = "; ".join(critical)
                plan["ineligible"] = True
            elif answer["vm"]:
                plan["ref"] = dict(plan["ref"], id=answer["vm"].get("id") or plan["ref"]["id"], name=answer["vm"].get("name") or plan["ref"]["name"])

    def locate_new(self, plans):
        """Container and item names of VMs to protect: from the protectable-items listing, after at most ONE discovery."""
        new = vms_to_protect_first_time(plans)
        if not new:
            return
        undiscovered = [plan for plan in new if plan["ref"]["key"] not in self.listings.protectable()]
        if undiscovered and self.module.check_mode:
            for plan in undiscovered:
                plan["reason"] += " (after container discovery)"
        elif undiscovered:
            self.requests["writes"] += 1
            refresh_containers(self.session, self.vault, self.resource_group, self.remaining(), wait=self.params["wait"])
            if not self.params["wait"]:
                for plan in undiscovered:
                    plan["deferred"] = True
                    plan["reason"] += "; container discovery started (wait=false): protected by the next run"
                self.module.warn(f"{len(undiscovered)} VM(s) of vault {self.vault} need container discovery, which was started "
                                 "but not awaited (wait=false); run the task again to protect them")
            else:
                self.listings.forget("protectable")
        protectable = self.listings.protectable()
        for plan in new:
            found = protectable.get(plan["ref"]["key"])
            ref = plan["ref"]
            plan["names"] = names_from_item_id(found["id"]) if found else (container_name(ref["resource_group"], ref["name"]),
                                                                           item_name(ref["resource_group"], ref["name"]))

    def recheck_before_writing(self, plans):
        """Re-list the vault's protected items once, just before the first write, and drop writes another run already made.

        Two runs started together (AWX slices, overlapping jobs) would otherwise both write the same items.
        """
        writing = [plan for plan in plans if plan["steps"] and not plan["error"] and not plan.get("deferred")]
        if not writing:
            return
        self.listings.forget("protected")
        items = self.listings.protected_here()
        targets = {target["ref"]["key"]: target for target in self.targets}
        for plan in writing:
            item = items.get(plan["ref"]["key"])
            if item == plan["item"]:
                continue
            fresh = self.plan_target(dict(targets[plan["ref"]["key"]], ref=plan["ref"]), item)
            fresh["names"] = fresh["names"] or plan["names"]
            if fresh["action"] == NONE:
                fresh["reason"] += " (written meanwhile by another run)"
            plan.update(fresh)

    # --- writing -------------------------------------------------------------------------------

    def start_step(self, plan, step):
        """Send the write of one step; returns Azure's raw response."""
        vm_id = (plan["item"] and plan["item"]["properties"].get("sourceResourceId")) or plan["ref"]["id"]
        names = plan["names"]
        if step == "undelete":
            return item_put(self.session, self.vault, self.resource_group, names, undelete_body(vm_id))
        if step == "protect":
            return item_put(self.session, self.vault, self.resource_group, names, protect_body(vm_id, self.policies[plan["policy"].lower()]["id"]))
        if step == "stop":
            policy_id = (plan["item"]["properties"].get("policyId") or "") if plan["item"] else ""
            return item_put(self.session, self.vault, self.resource_group, names, stop_body(vm_id, STOP_STATES[self.params["retain"]], policy_id))
        if step == "delete":
            return item_delete(self.session, self.vault, self.resource_group, names)
        return trigger_backup(self.session, self.vault, self.resource_group, names, self.expiry)

    def run_step(self, plans, index):
        """Step ``index`` of every VM that has one: start all writes, then await them all."""
        active = [plan for plan in plans if len(plan["steps"]) > index and not plan["error"] and not plan.get("deferred")]
        if not active:
            return
        since = datetime.now(timezone.utc) - CLOCK_SKEW
        started = run_parallel(lambda plan: self.start_step(plan, plan["steps"][index]), active, self.params["max_parallel"])
        to_await = []
        for plan, response, error in started:
            plan["written"] = True
            self.requests["writes"] += 1
            if error:
                plan["error"] = str(error)
            elif (self.params["wait"] or index + 1 < len(plan["steps"])) and response is not None and response.status_code in (201, 202):
                to_await.append((plan, response))
        for step in sorted({plan["steps"][index] for plan, _response in to_await}):
            group = [(plan, response) for plan, response in to_await if plan["steps"][index] == step]
            if step in STEP_JOB_OPERATIONS:
                self.await_through_jobs(step, group, since)
                continue
            awaited = run_parallel(lambda entry: self.await_step(entry[0], entry[0]["steps"][index], entry[1]), group, self.params["max_parallel"])
            for (plan, dummy), dummy_result, error in awaited:
                if error:
                    plan["error"] = str(error)

    def await_through_jobs(self, step, to_await, since):
        """Await the writes of one step through the vault's jobs listing (one paged read per round for all of them).

        A write whose job did not finish before the deadline is read back in the vault's protected-items listing;
        only a write that shows neither a finished job nor its wanted state is reported failed.
        """
        watch = JobWatch(self.session, self.vault, self.resource_group, STEP_JOB_OPERATIONS[step], since)
        awaiting = {short_container_name(plan["names"][0]): position for position, (plan, _response) in enumerate(to_await)}
        first_pause = min(retry_after_seconds(response.headers) or FIRST_JOB_POLL_SECONDS for _plan, response in to_await)
        outcomes = watch.await_all(awaiting, self.deadline, first_pause,
                                   settled=lambda positions: self.settled(step, [(position, to_await[position][0]) for position in positions]))
        self.requests["job_list_rounds"] += watch.rounds
        for position, (job_id, error) in outcomes.items():
            plan = to_await[position][0]
            plan["jobs"][step] = job_id
            if error:
                plan["error"] = f"{STEP_VERBS[step]} VM {plan['ref']['label']} failed: {error}"
        unfinished = [(position, plan) for position, (plan, _response) in enumerate(to_await) if position not in outcomes]
        if unfinished:
            done = set(self.settled(step, unfinished))
            for position, plan in unfinished:
                if position not in done:
                    plan["error"] = (f"{STEP_VERBS[step]} VM {plan['ref']['label']}: not finished within wait_timeout "
                                     f"({self.params['wait_timeout']} s for the whole task); raise wait_timeout or set wait=false")

    def settled(self, step, entries):
        """The keys of ``entries`` ((key, plan) pairs) whose item shows the step done, from ONE protected-items listing."""
        self.listings.forget("protected")
        items = self.listings.protected_here()
        return [key for key, plan in entries
                if step not in plan_vm(items.get(plan["ref"]["key"]), dict(self.params, policy=plan["policy"]))["steps"]]

    def await_step(self, plan, step, response):
        label = f"{STEP_VERBS[step]} VM {plan['ref']['label']}"
        self.requests["item_polls"] += 1
        plan["jobs"][step] = finish_write(self.session, label, response, self.remaining())
        if step == "backup" and self.params["wait_for_backup_job"] and plan["jobs"][step]:
            job = wait_for_job(self.session, self.vault, self.resource_group, plan["jobs"][step], self.remaining())
            plan["backup_job_status"] = (job.get("properties") or {}).get("status")

    def execute(self, plans):
        self.session.client("backup")  # built once, before worker threads share it
        for index in range(max((len(plan["steps"]) for plan in plans), default=0)):
            self.run_step(plans, index)

    def final_items(self, plans):
        """Protection states after the writes, from ONE more listing (only when something was written and awaited)."""
        if self.module.check_mode or not self.params["wait"] or not any(plan.get("written") for plan in plans):
            return None
        self.listings.forget("protected")
        return self.listings.protected_here()

    # --- reporting -----------------------------------------------------------------------------

    def vm_changed(self, plan):
        """In check mode: a write would be sent; otherwise: a write was sent."""
        if self.module.check_mode:
            return bool(plan["steps"]) and not plan["error"]
        return bool(plan.get("written"))

    def vm_result(self, plan, final_items):
        ref = plan["ref"]
        changed = self.vm_changed(plan)
        if final_items is not None and plan.get("written"):
            view = item_view(final_items.get(ref["key"]))
        else:
            view = plan["after"] if changed else plan["before"]
        result = {"id": ref["id"], "name": ref["name"], "resource_group": ref["resource_group"], "action": plan["action"], "changed": changed,
                  "policy": view["policy"], "protection_state": view["protection_state"], "reason": plan["reason"],
                  "job_id": next((plan["jobs"][step] for step in reversed(plan["steps"]) if step != "backup" and plan["jobs"].get(step)), None),
                  "backup_job_id": plan["jobs"].get("backup")}
        for key in ("backup_job_status", "findings", "error", "ineligible", "deferred"):
            if plan.get(key):
                result[key] = plan[key]
        return result

    @staticmethod
    def summary(results):
        actions = {}
        for result in results:
            actions[result["action"]] = actions.get(result["action"], 0) + 1
        return {"total": len(results), "changed": sum(1 for result in results if result["changed"]),
                "unchanged": sum(1 for result in results if not result["changed"] and not result.get("error")),
                "failed": sum(1 for result in results if result.get("error")), "actions": actions}

    @staticmethod
    def diff(plans):
        changing = [plan for plan in plans if plan["steps"] and not plan["error"]]
        return {"before": {"vms": {plan["ref"]["label"]: plan["before"] for plan in changing}},
                "after": {"vms": {plan["ref"]["label"]: plan["after"] for plan in changing}}}

    def counters(self):
        counts = dict(self.requests)
        if self.listings:
            counts["listings"] += self.listings.counts["listings"]
            counts["backup_status_queries"] += self.listings.counts["backup_status_queries"]
        return counts

    def failure(self, message, plans, results):
        """The task's failure, with every VM's result: some may have been written before another failed."""
        return TaskFailure(message, vms=results, summary=self.summary(results), changed=any(result["changed"] for result in results),
                           diff=self.diff(plans), requests=self.counters())

    def run(self):
        self.read_policies()
        # The vault's id and location are read only if a VM must be pre-checked; its listings need just its name.
        self.listings = VaultListings(self.session, {"name": self.vault, "id": None, "location": None}, self.resource_group)
        plans = self.plans()
        self.precheck(plans)
        if self.params["all_or_nothing"] and any(plan["error"] for plan in plans):
            results = [self.vm_result(plan, None) for plan in plans]
            failed = [f"{plan['ref']['label']}: {plan['error']}" for plan in plans if plan["error"]]
            raise self.failure("all_or_nothing: nothing was written because " + "; ".join(failed), plans,
                               [dict(result, changed=False) for result in results])
        self.locate_new(plans)
        if not self.module.check_mode:
            self.recheck_before_writing(plans)
            self.execute(plans)
        final_items = self.final_items(plans)
        results = [self.vm_result(plan, final_items) for plan in plans]
        failed = [f"{result['resource_group']}/{result['name']}: {result['error']}" for result in results if result.get("error")]
        if failed:
            raise self.failure(f"{len(failed)} of {len(results)} VMs failed: " + "; ".join(failed), plans, results)
        return {"changed": any(result["changed"] for result in results), "vms": results, "summary": self.summary(results),
                "diff": self.diff(plans), "requests": self.counters()}


def validate(module):
    """Refuse bad input before any call; returns (targets, backup expiry)."""
    params = module.params
    check_vault_options(params)
    check_wait_timeout(params)
    if params["state"] == "absent" and not params["delete_backup_data"]:
        raise Refusal("state=absent stops protection AND deletes the backup data of the VMs; set delete_backup_data: true to confirm, "
                      "or use state=stopped to keep the data")
    if params["backup_now"] and params["state"] != "present":
        raise Refusal(f"backup_now needs state=present (the VMs would be {params['state']})")
    check_max_parallel(params)
    expiry = None
    if params["backup_now"]:
        try:
            expiry = backup_expiry(params["backup_retention_days"], params["backup_expiry"])
        except ValueError as error:
            raise Refusal(str(error)) from error
    entries = params["vms"] if params["vms"] is not None else [params["vm"]]
    vault = (module.session.subscription_id, params["resource_group"], params["vault_name"])
    default_policy = check_policy_ref(params["policy"], "policy", *vault)
    targets, seen = [], set()
    for index, entry in enumerate(entries):
        ref = check_vm_ref(entry, module.session.subscription_id, f"vms[{index}]")
        if ref["key"] in seen:
            raise Refusal(f"vms[{index}]: VM {ref['label']} is listed twice")
        seen.add(ref["key"])
        targets.append({"ref": ref, "policy": check_policy_ref(entry.get("policy"), f"vms[{index}].policy", *vault) or default_policy})
    return targets, expiry


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            vms=dict(type="list", elements="dict", options=VM_OPTIONS),
            vm=dict(type="dict", options=VM_OPTIONS),
            policy=dict(type="str", aliases=["backup_policy_id"]),
            state=dict(type="str", default="present", choices=["present", "stopped", "absent"]),
            retain=dict(type="str", default="forever", choices=["forever", "as_per_policy"]),
            delete_backup_data=dict(type="bool", default=False),
            backup_now=dict(type="bool", default=False),
            backup_retention_days=dict(type="int"),
            backup_expiry=dict(type="str"),
            wait_for_backup_job=dict(type="bool", default=False),
            precheck=dict(type="bool", default=True),
            all_or_nothing=dict(type="bool", default=False),
            max_parallel=dict(type="int", default=10),
        ),
        clients=("recoveryservices", "backup", "compute"),
        wait_options=True,
        supports_check_mode=True,
        required_one_of=[("vms", "vm")],
        mutually_exclusive=[("vms", "vm"), ("backup_retention_days", "backup_expiry")],
    )
    module.run(lambda: ProtectionRun(module, *validate(module)).run())


if __name__ == "__main__":
    main()
