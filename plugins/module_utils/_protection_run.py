# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one run of the modules that protect many items of a vault: vm_protection, file_share_protection, sql_protection.

Private to the collection.  ``ProtectionRun.run()`` does, for every item of the task:

1. ``plan_items()`` (the module's): the vault's listings read once, one plan per item (``plan_item``: ``_protection.plan_item``,
   decided through ``_reconcile.plan``), and every refusal the listings can tell, before any write;
2. with ``all_or_nothing``, any item's error ends the task before any write;
3. ``prepare(plans)`` (the module's): what the item writes need first (container discovery, registration, storage accounts);
4. the protected-items listing read again just before the first item write, so a write another run made meanwhile
   (AWX slices, overlapping jobs) is not sent twice;
5. the writes step by step (undelete, protect/stop, delete, backup), at most ``max_parallel`` at once; the writes of one step
   are awaited together through the vault's jobs listing (``_jobs.JobWatch``: one paged read per round, not one poll per item)
   or, for the steps the module does not list in ``JOB_STEPS``, one by one (``finish_write``); ``wait_timeout`` is one
   deadline for the whole task; with ``wait: false`` only a write that a later step of the same item needs is awaited;
6. ``after_writes(plans)`` (the module's); one more listing for the final states (only after awaited writes); a result per
   item, the summary, the diff and the request counts.  Any item's error fails the task (``TaskFailure``, every result attached).

A module supplies only what differs: how to list and key its items, how to plan and name one, its write requests, its result fields.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import (
    JobWatch, finish_write, job_container, run_parallel, wait_for_job,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import IAAS_VM, names_from_item_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._polling import retry_after_seconds
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import NONE, item_view, plan_item
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal, TaskFailure
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_max_parallel, check_wait_timeout
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import check_vault_options

STEP_VERBS = {"undelete": "undelete", "protect": "protect", "stop": "stop protection of", "delete": "delete backup data of", "backup": "back up"}
# Jobs started this long before our writes still count as theirs: the controller's clock and Azure's may differ.
CLOCK_SKEW = timedelta(minutes=2)
# First look at the jobs when Azure's answers give no Retry-After (Backup's configure operations take seconds to minutes).
FIRST_JOB_POLL_SECONDS = 3
# What a plan may carry besides the fields every item result has, copied into the result when set.
OPTIONAL_RESULT_KEYS = ("backup_job_status", "findings", "error", "ineligible", "deferred")


def check_run_options(params, nouns):
    """The refusals the three modules share, before any request: vault, wait_timeout, max_parallel, what state allows."""
    check_vault_options(params)
    check_wait_timeout(params)
    if params["state"] == "absent" and not params["delete_backup_data"]:
        raise Refusal(f"state=absent stops protection AND deletes the backup data of the {nouns}; set delete_backup_data: true to confirm, "
                      "or use state=stopped to keep the data")
    if params["backup_now"] and params["state"] != "present":
        raise Refusal(f"backup_now needs state=present (the {nouns} would be {params['state']})")
    check_max_parallel(params)


class ProtectionRun:
    """One task of a multi-item protection module (see the module docstring for the order of things).

    A subclass sets the class attributes and implements ``plan_items``, ``read_protected``, ``replan``, ``start_step``,
    ``job_key_of`` and ``identify``; ``prepare``, ``after_writes``, ``extras``, ``changed_elsewhere``, ``counters`` and
    ``failures`` have defaults.
    """

    NOUN, NOUNS, ITEMS_KEY = "item", "items", "items"  # words in messages ("VM", "VMs"); the result key of the per-item list ("vms")
    JOB_STEPS = {"protect": "ConfigureBackup", "stop": "DisableBackup", "undelete": "Undelete"}  # steps awaited through the jobs listing
    BACKUP_MANAGEMENT_TYPE = IAAS_VM  # the jobs listing's filter
    POLL_COUNTER = "item_polls"  # the ``requests`` key counting per-item polls
    EXTRA_COUNTERS = ()

    def __init__(self, module, expiry=None):
        self.module, self.params, self.session = module, module.params, module.session
        self.vault, self.resource_group = self.params["vault_name"], self.params["resource_group"]
        self.expiry = expiry
        self.deadline = time.monotonic() + self.params["wait_timeout"]
        self.policies = {}
        self.requests = dict.fromkeys(("listings", "writes", "job_list_rounds", self.POLL_COUNTER) + tuple(self.EXTRA_COUNTERS), 0)

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    # --- what a module supplies ------------------------------------------------------------------

    def plan_items(self):
        """Read the listings and return one plan per item (``plan_item``); no write."""
        raise NotImplementedError

    def read_protected(self):
        """{item key: protected item} from a fresh listing of the vault's protected items."""
        raise NotImplementedError

    def replan(self, plan, item):
        """A new plan for the item of ``plan``, now found as ``item`` (or None)."""
        raise NotImplementedError

    def start_step(self, plan, step):
        """Send the write of one step; returns Azure's raw response."""
        raise NotImplementedError

    def job_key_of(self, plan):
        """The item's key in the jobs listing, as ``job_key`` reads it from a job."""
        raise NotImplementedError

    @staticmethod
    def job_key(properties):
        """The key of a job's item (from the job's properties), lower-cased."""
        return job_container(properties)

    def identify(self, plan):
        """The fields that name the item in its result (first in the result)."""
        raise NotImplementedError

    def prepare(self, plans):
        """Writes the item writes need first (discovery, registration); skipped by ``all_or_nothing`` when an item failed."""

    def after_writes(self, plans):
        """Work after the item writes (also called in check mode)."""

    def extras(self):
        """Result keys besides the per-item list (e.g. the servers a task registered)."""
        return {}

    def changed_elsewhere(self, extras):
        """Whether the entries of ``extras`` show a change."""
        return any(entry.get("changed") for value in extras.values() if isinstance(value, list) for entry in value)

    def counters(self):
        """The ``requests`` result: what the task sent."""
        return dict(self.requests)

    def failures(self, plans, results):
        """(lines naming each failure, how many entries the task had)."""
        return [f"{plan['label']}: {result['error']}" for plan, result in zip(plans, results) if result.get("error")], len(results)

    # --- planning --------------------------------------------------------------------------------

    def plan_item(self, item, policy, key, label, **fields):
        """One item's plan: ``_protection.plan_item`` and what the run keeps beside it."""
        plan = plan_item(item, dict(self.params, policy=policy, backup_now=bool(self.params.get("backup_now"))))
        plan.update(key=key, label=label, item=item, policy=policy, names=names_from_item_id(item["id"]) if item else None, jobs={}, **fields)
        return plan

    def listing(self, function, *args):
        """One listing, counted."""
        self.requests["listings"] += 1
        return function(self.session, *args)

    def recheck_before_writing(self, plans):
        """Re-list the protected items once before the first item write: a write another run made meanwhile is not repeated."""
        writing = [plan for plan in plans if plan["steps"] and not plan["error"] and not plan.get("deferred")]
        if not writing:
            return
        items = self.read_protected()
        for plan in writing:
            item = items.get(plan["key"])
            if item == plan["item"]:
                continue
            fresh = self.replan(plan, item)
            fresh["names"] = fresh["names"] or plan["names"]
            if fresh["action"] == NONE:
                fresh["reason"] += " (written meanwhile by another run)"
            plan.update(fresh)

    # --- writing ---------------------------------------------------------------------------------

    def write(self, plans):
        self.session.client("backup")  # built once, before worker threads share it
        for index in range(max((len(plan["steps"]) for plan in plans), default=0)):
            self.run_step(plans, index)

    def run_step(self, plans, index):
        """Step ``index`` of every item that has one: start all writes, then await them all."""
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
            if step in self.JOB_STEPS:
                self.await_through_jobs(step, group, since)
                continue
            for (plan, _response), _result, error in run_parallel(lambda entry: self.await_one(entry, index), group, self.params["max_parallel"]):
                if error:
                    plan["error"] = str(error)

    def await_through_jobs(self, step, to_await, since):
        """Await the writes of one step through the vault's jobs listing (one paged read per round for all of them).

        A write whose job did not finish before the deadline is read back in the protected-items listing;
        only a write that shows neither a finished job nor its wanted state is reported failed.
        """
        watch = JobWatch(self.session, self.vault, self.resource_group, self.JOB_STEPS[step], since, self.BACKUP_MANAGEMENT_TYPE, self.job_key)
        awaiting = {self.job_key_of(plan): position for position, (plan, _response) in enumerate(to_await)}
        first_pause = min(retry_after_seconds(response.headers) or FIRST_JOB_POLL_SECONDS for _plan, response in to_await)
        outcomes = watch.await_all(awaiting, self.deadline, first_pause,
                                   settled=lambda positions: self.settled(step, [(position, to_await[position][0]) for position in positions]))
        self.requests["job_list_rounds"] += watch.rounds
        for position, (job_id, error) in outcomes.items():
            plan = to_await[position][0]
            plan["jobs"][step] = job_id
            if error:
                plan["error"] = f"{STEP_VERBS[step]} {self.NOUN} {plan['label']} failed: {error}"
        unfinished = [(position, plan) for position, (plan, _response) in enumerate(to_await) if position not in outcomes]
        done = set(self.settled(step, unfinished)) if unfinished else set()
        for position, plan in unfinished:
            if position not in done:
                plan["error"] = (f"{STEP_VERBS[step]} {self.NOUN} {plan['label']}: not finished within wait_timeout "
                                 f"({self.params['wait_timeout']} s for the whole task); raise wait_timeout or set wait=false")

    def settled(self, step, entries):
        """The keys of ``entries`` ((key, plan) pairs) whose item shows the step done, from ONE protected-items listing."""
        items = self.read_protected()
        return [key for key, plan in entries
                if step not in plan_item(items.get(plan["key"]), dict(self.params, policy=plan["policy"], backup_now=False))["steps"]]

    def await_one(self, entry, index):
        """Await one item's write of step ``index`` through its own status (and its backup job when asked)."""
        plan, response = entry
        step = plan["steps"][index]
        self.requests[self.POLL_COUNTER] += 1
        plan["jobs"][step] = finish_write(self.session, f"{STEP_VERBS[step]} {self.NOUN} {plan['label']}", response, self.remaining())
        if step == "backup" and self.params["wait_for_backup_job"] and plan["jobs"][step]:
            job = wait_for_job(self.session, self.vault, self.resource_group, plan["jobs"][step], self.remaining())
            plan["backup_job_status"] = (job.get("properties") or {}).get("status")

    # --- reporting -------------------------------------------------------------------------------

    def item_result(self, plan, final_items):
        """One item's result: in check mode what would be written, otherwise what was, and its state after."""
        changed = bool(plan["steps"]) and not plan["error"] if self.module.check_mode else bool(plan.get("written"))
        if final_items is not None and plan.get("written"):
            view = item_view(final_items.get(plan["key"]))
        else:
            view = plan["after"] if changed else plan["before"]
        result = dict(self.identify(plan), action=plan["action"], changed=changed, policy=view["policy"], protection_state=view["protection_state"],
                      reason=plan["reason"],
                      job_id=next((plan["jobs"][step] for step in reversed(plan["steps"]) if step != "backup" and plan["jobs"].get(step)), None),
                      backup_job_id=plan["jobs"].get("backup"))
        result.update((key, plan[key]) for key in OPTIONAL_RESULT_KEYS if plan.get(key))
        return result

    def outcome(self, plans, results):
        """The task's result: per-item results, the other entries, summary, diff and request counts."""
        changing = [plan for plan in plans if plan["steps"] and not plan["error"]]
        extras = self.extras()
        changed = any(result["changed"] for result in results) or self.changed_elsewhere(extras)
        diff = {"before": {self.ITEMS_KEY: {plan["label"]: plan["before"] for plan in changing}},
                "after": {self.ITEMS_KEY: {plan["label"]: plan["after"] for plan in changing}}}
        return dict({self.ITEMS_KEY: results}, **extras, changed=changed, summary=summary(results), requests=self.counters(), diff=diff)

    def refuse_partial(self, plans):
        """With ``all_or_nothing``, any item's error fails the task before any write."""
        if not self.params.get("all_or_nothing") or not any(plan["error"] for plan in plans):
            return
        results = [dict(self.item_result(plan, None), changed=False) for plan in plans]
        lines, _total = self.failures(plans, results)
        raise TaskFailure("all_or_nothing: nothing was written because " + "; ".join(lines), **self.outcome(plans, results))

    def run(self):
        plans = self.plan_items()
        self.refuse_partial(plans)
        self.prepare(plans)
        if not self.module.check_mode:
            self.recheck_before_writing(plans)
            self.write(plans)
        self.after_writes(plans)
        awaited = not self.module.check_mode and self.params["wait"] and any(plan.get("written") for plan in plans)
        final_items = self.read_protected() if awaited else None
        results = [self.item_result(plan, final_items) for plan in plans]
        outcome = self.outcome(plans, results)
        lines, total = self.failures(plans, results)
        if lines:
            raise TaskFailure(f"{len(lines)} of {total} {self.NOUNS} failed: " + "; ".join(lines), **outcome)
        return outcome


def summary(results):
    actions = {}
    for result in results:
        actions[result["action"]] = actions.get(result["action"], 0) + 1
    return {"total": len(results), "changed": sum(1 for result in results if result["changed"]),
            "unchanged": sum(1 for result in results if not result["changed"] and not result.get("error")),
            "failed": sum(1 for result in results if result.get("error")), "actions": actions}
