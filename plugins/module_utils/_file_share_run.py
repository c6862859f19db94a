# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One file_share_protection task: listings, a plan per share, refusals before any write, writes awaited through listings.

Private to the collection. The order of a run:

1. options checked (``check_share_options``): blob containers refused with the alternatives, confirmations, dates, duplicates;
2. ONE listing each of the vault's AzureStorage policies (only when a policy is named), registered storage accounts and
   protected shares; a plan per share (``_protection.plan_item``: the same decisions as for VMs);
3. for shares to protect that Azure has not inquired yet: the protectable-shares listing, the subscription's storage
   accounts (one listing: kind, region) and the share list of each such account - every refusal is found here, before any write;
4. writes: register accounts (awaited through the registered-accounts listing), inquire (awaited through the protectable-shares
   listing), then the item writes of the shared run (``_protection_run.ProtectionRun``: awaited through the vault's jobs
   listing, on-demand backups through their own status), then unregistrations.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import item_delete, item_put, run_parallel
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_policies
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import read_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import names_from_item_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_shares import (
    AZURE_STORAGE, BACKUP_LOCK, BLOB_REFUSAL, ON_DEMAND_RETENTION_DAYS, account_refusal, container_account_id, inquire_account,
    item_share_key, list_account_locks, list_protectable_shares, list_protected_shares, list_shares, list_storage_accounts,
    list_storage_containers, protectable_share_key, register_account, resolve_share_ref, share_item, share_job_key,
    trigger_share_backup, unregister_account,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import (
    PROTECT, STOP_STATES, backup_expiry, protect_body, stop_body, undelete_body,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_run import ProtectionRun, check_run_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal

FIRST_POLL_SECONDS = 3
MAX_POLL_SECONDS = 10.0


def check_share_options(params, subscription_id):
    """Refuse bad input before any request; returns (targets, on-demand expiry)."""
    if params.get("blob_containers"):
        raise Refusal(f"blob_containers {params['blob_containers']}: {BLOB_REFUSAL}", alternatives=[
            "blob soft delete", "blob versioning", "point-in-time restore for block blobs", "operational backup with a Backup vault"])
    check_run_options(params, "shares")
    if params["unregister_accounts"] and params["state"] == "present":
        raise Refusal("unregister_accounts applies to state=stopped or state=absent (a share to protect needs its account registered)")
    expiry = None
    if params["backup_now"]:
        low, high = ON_DEMAND_RETENTION_DAYS
        days = params["backup_retention_days"]
        if days is not None and not low <= days <= high:
            raise Refusal(f"backup_retention_days is {days}; allowed {low}-{high} (Azure keeps an on-demand file share backup at most 10 years)")
        if params["backup_expiry"] and datetime.strptime(params["backup_expiry"], "%Y-%m-%d").replace(tzinfo=timezone.utc) > \
                datetime.now(timezone.utc) + timedelta(days=high):
            raise Refusal(f"backup_expiry {params['backup_expiry']} is more than 10 years ahead, the most Azure keeps an on-demand file share backup")
        try:
            expiry = backup_expiry(days, params["backup_expiry"])
        except ValueError as error:
            raise Refusal(str(error)) from error
    entries = params["shares"] if params["shares"] is not None else [params["share"]]
    targets, seen = [], set()
    for index, entry in enumerate(entries):
        try:
            ref = resolve_share_ref(entry, subscription_id)
        except ValueError as error:
            raise Refusal(f"shares[{index}]: {error}") from error
        if ref["key"] in seen:
            raise Refusal(f"shares[{index}]: share {ref['label']} is listed twice")
        seen.add(ref["key"])
        targets.append({"ref": ref, "policy": entry.get("policy") or params["policy"]})
    return targets, expiry


class ShareRun(ProtectionRun):
    """One file_share_protection task: the shared run (``_protection_run``) with the storage accounts around it."""

    NOUN, NOUNS, ITEMS_KEY = "share", "shares", "shares"
    JOB_STEPS = {"protect": "ConfigureBackup", "stop": "DisableBackup", "undelete": "Undelete", "delete": "DeleteBackupData"}
    BACKUP_MANAGEMENT_TYPE = AZURE_STORAGE
    EXTRA_COUNTERS = ("account_reads",)
    job_key = staticmethod(share_job_key)

    def __init__(self, module, targets, expiry):
        super().__init__(module, expiry)
        self.targets = targets
        self.containers, self.items, self.protectable = {}, {}, None
        self.accounts = {}  # lower-cased account id -> what the task did: {id, registered, action, locks, note}
        self.account_errors = []

    # --- reading -------------------------------------------------------------------------------------

    def read_policies(self):
        wanted = {target["policy"] for target in self.targets if target["policy"]}
        if not wanted or self.params["state"] != "present":
            return
        listed = {policy["name"].lower(): policy for policy in self.listing(list_policies, self.vault, self.resource_group)}
        share_policies = sorted(policy["name"] for policy in listed.values() if (policy.get("properties") or {}).get("backupManagementType") == AZURE_STORAGE)
        for name in sorted(wanted):
            policy = listed.get(name.lower())
            kind = ((policy or {}).get("properties") or {}).get("backupManagementType")
            if policy is None or kind != AZURE_STORAGE:
                what = "does not exist in" if policy is None else f"is an {kind} policy of"
                raise Refusal(f"policy {name} {what} vault {self.vault}; file shares need an {AZURE_STORAGE} (Azure Files) policy: "
                              f"{', '.join(share_policies) or 'none yet (create one with backup_policy workload=file_share)'}")
            self.policies[name.lower()] = policy

    def read_registered(self):
        self.containers = {container_account_id(container): container
                           for container in self.listing(list_storage_containers, self.vault, self.resource_group)}

    def read_protected(self):
        self.items = {item_share_key(item): item for item in self.listing(list_protected_shares, self.vault, self.resource_group)}
        return self.items

    def read_protectable(self):
        self.protectable = {protectable_share_key(item): item for item in self.listing(list_protectable_shares, self.vault, self.resource_group)}

    def plan_target(self, target, item):
        plan = self.plan_item(item, target["policy"], target["ref"]["key"], target["ref"]["label"], ref=target["ref"], needs=[])
        if plan["error"]:
            plan["error"] = (f"policy is required to {plan['action'].replace('_', ' ')} share {target['ref']['label']} "
                             f"(it is {plan['before']['protection_state']})")
        return plan

    def replan(self, plan, item):
        return self.plan_target({"ref": plan["ref"], "policy": plan["policy"]}, item)

    def plan_items(self):
        """Policies, registered accounts and protected shares (one listing each), a plan per share, the checks of new shares."""
        self.read_policies()
        self.read_registered()
        self.read_protected()
        plans = [self.plan_target(target, self.items.get(target["ref"]["key"])) for target in self.targets]
        self.check_new_shares(plans)
        for plan in plans:
            self.account_entry(plan["ref"])
        return plans

    def is_vaulted(self, policy_name):
        properties = (self.policies.get((policy_name or "").lower()) or {}).get("properties") or {}
        return bool(properties.get("vaultRetentionPolicy"))

    def check_new_shares(self, plans):
        """Shares to protect that the vault has no item for: the account and the share as Azure would accept them, before any write."""
        new = [plan for plan in plans if plan["item"] is None and plan["action"] == PROTECT and not plan["error"]]
        if not new:
            return
        self.read_protectable()
        unknown = [plan for plan in new if plan["ref"]["key"] not in self.protectable]
        for plan in new:
            found = self.protectable.get(plan["ref"]["key"])
            if found:
                plan["names"] = names_from_item_id(found["id"])
        accounts_needed = {plan["ref"]["account_id"].lower() for plan in unknown}
        if not accounts_needed and not any(self.is_vaulted(plan["policy"]) for plan in new):
            return
        vault = read_vault(self.session, self.resource_group, self.vault)
        self.requests["account_reads"] += 1
        accounts = {account["id"].lower(): account for account in self.listing(list_storage_accounts, vault["id"].split("/")[2])}
        for plan in new:
            refusal = account_refusal(accounts.get(plan["ref"]["account_id"].lower()), vault["location"], vault["id"].split("/")[2],
                                      self.is_vaulted(plan["policy"]))
            if refusal:
                plan["error"] = f"share {plan['ref']['label']}: {refusal}"
        shares_by_account = {}
        for plan in unknown:
            if plan["error"]:
                continue
            account_id = plan["ref"]["account_id"].lower()
            if account_id not in shares_by_account:
                self.requests["account_reads"] += 1
                shares_by_account[account_id] = {share["name"].lower(): share for share in list_shares(self.session, plan["ref"]["account_id"])}
            share = shares_by_account[account_id].get(plan["ref"]["share"].lower())
            if share is None:
                names = ", ".join(sorted(entry["name"] for entry in shares_by_account[account_id].values())) or "none"
                plan["error"] = f"share {plan['ref']['label']} does not exist in storage account {plan['ref']['account']} (its shares: {names})"
            elif (share.get("properties") or {}).get("enabledProtocols", "SMB") != "SMB":
                plan["error"] = f"share {plan['ref']['label']} uses NFS; Azure Backup protects SMB file shares only"
            else:
                plan["needs"] = ["inquire"] if account_id in self.containers else ["register", "inquire"]
                steps = {"register": "registering its storage account", "inquire": "inquiring its shares"}
                plan["reason"] += " (after " + " and ".join(steps[need] for need in plan["needs"]) + ")"

    # --- writing: accounts ---------------------------------------------------------------------------

    def account_entry(self, ref):
        return self.accounts.setdefault(ref["account_id"].lower(), {"id": ref["account_id"], "registered": ref["account_id"].lower() in self.containers,
                                                                    "action": "none"})

    def await_listing(self, pending, read, found):
        """Re-read a listing (``read()``) until ``found()`` holds for every key of ``pending`` or the deadline; returns those still missing."""
        pause = FIRST_POLL_SECONDS
        while pending:
            if time.monotonic() + pause > self.deadline:
                return pending
            time.sleep(pause)
            pause = min(pause * 1.5, MAX_POLL_SECONDS)
            read()
            pending = {key for key in pending if not found(key)}
        return pending

    def prepare(self, plans):
        """Register the accounts that need it and inquire their shares; shares whose account could not be prepared fail."""
        if self.module.check_mode:
            return
        preparing = [plan for plan in plans if plan["needs"] and not plan["error"]]
        refs = {plan["ref"]["account_id"].lower(): plan["ref"] for plan in preparing}
        to_register = {key: ref for key, ref in refs.items() if any("register" in plan["needs"] for plan in preparing
                                                                    if plan["ref"]["account_id"].lower() == key)}
        failures = {}
        started = run_parallel(lambda ref: register_account(self.session, self.vault, self.resource_group, ref), list(to_register.values()),
                               self.params["max_parallel"])
        for ref, _response, error in started:
            self.requests["writes"] += 1
            entry = self.account_entry(ref)
            if error:
                failures[ref["account_id"].lower()] = f"registering storage account {ref['account']} failed: {error}"
            else:
                entry.update(action="register")
        waiting = set(to_register) - set(failures)
        missing = self.await_listing(waiting, self.read_registered, self.is_registered)
        for key in missing:
            failures[key] = f"storage account {refs[key]['account']} was not registered within wait_timeout"
        for key in set(to_register) - set(failures):
            self.accounts[key]["registered"] = True
            self.accounts[key]["locks"] = self.read_locks(refs[key]["account_id"])
        to_inquire = [ref for key, ref in refs.items() if key not in failures]
        started = run_parallel(lambda ref: inquire_account(self.session, self.vault, self.resource_group, ref["container"]), to_inquire,
                               self.params["max_parallel"])
        for ref, _response, error in started:
            self.requests["writes"] += 1
            if error:
                failures[ref["account_id"].lower()] = f"inquiring the shares of storage account {ref['account']} failed: {error}"
        wanted = {plan["ref"]["key"] for plan in preparing if plan["ref"]["account_id"].lower() not in failures}
        self.await_listing(wanted, self.read_protectable, lambda key: key in self.protectable)
        for plan in preparing:
            account_failure = failures.get(plan["ref"]["account_id"].lower())
            found = self.protectable.get(plan["ref"]["key"])
            if account_failure:
                plan["error"] = f"share {plan['ref']['label']}: {account_failure}"
            elif found is None:
                plan["error"] = f"share {plan['ref']['label']}: Azure's inquiry of storage account {plan['ref']['account']} did not list it within wait_timeout"
            else:
                plan["names"] = names_from_item_id(found["id"])

    def is_registered(self, account_key):
        container = self.containers.get(account_key)
        return bool(container) and ((container.get("properties") or {}).get("registrationStatus") or "").lower() == "registered"

    def read_locks(self, account_id):
        self.requests["account_reads"] += 1
        try:
            locks = list_account_locks(self.session, account_id)
        except AzureOperationError as error:  # a report detail: the registration itself succeeded
            return [f"could not be read: {error}"]
        return [f"{lock.get('name')} ({(lock.get('properties') or {}).get('level')})" for lock in locks]

    def after_writes(self, plans):
        """Unregister the listed shares' accounts that hold no item any more (soft-deleted items count)."""
        if not self.params["unregister_accounts"] or self.module.check_mode:
            return
        self.read_protected()
        held = {key[0] for key in self.items}
        candidates = {}
        for plan in plans:
            key = plan["ref"]["account_id"].lower()
            entry = self.account_entry(plan["ref"])
            if key not in self.containers:
                entry.update(registered=False)
            elif key in held:
                entry["note"] = "still holds protected or soft-deleted shares: stays registered"
            else:
                candidates[key] = plan["ref"]
        started = run_parallel(lambda ref: unregister_account(self.session, self.vault, self.resource_group, ref["container"]),
                               list(candidates.values()), self.params["max_parallel"])
        for ref, _response, error in started:
            self.requests["writes"] += 1
            entry = self.account_entry(ref)
            if error:
                entry["note"] = f"unregistering failed: {error}"
                self.account_errors.append(f"storage account {ref['account']}: {error}")
        gone = {ref["account_id"].lower() for ref, _response, error in started if not error}
        left = self.await_listing(gone, self.read_registered, lambda key: key not in self.containers)
        for key in gone:
            self.accounts[key].update(action="unregister", registered=key in left,
                                      note=f"Azure leaves the {BACKUP_LOCK} delete lock on the account; remove it yourself if you no longer want it")

    # --- writing: items, and reporting --------------------------------------------------------------

    def start_step(self, plan, step):
        share, names = share_item(plan["ref"]["account_id"]), plan["names"]
        if step == "undelete":
            return item_put(self.session, self.vault, self.resource_group, names, undelete_body(share))
        if step == "protect":
            return item_put(self.session, self.vault, self.resource_group, names, protect_body(share, self.policies[plan["policy"].lower()]["id"]))
        if step == "stop":
            policy_id = (plan["item"]["properties"].get("policyId") or "") if plan["item"] else ""
            return item_put(self.session, self.vault, self.resource_group, names, stop_body(share, STOP_STATES[self.params["retain"]], policy_id))
        if step == "delete":
            return item_delete(self.session, self.vault, self.resource_group, names)
        return trigger_share_backup(self.session, self.vault, self.resource_group, names, self.expiry)

    def job_key_of(self, plan):
        return plan["ref"]["account"].lower(), plan["ref"]["share"].lower()

    def identify(self, plan):
        return {"storage_account": plan["ref"]["account"], "resource_group": plan["ref"]["resource_group"], "name": plan["ref"]["share"]}

    def extras(self):
        return {"accounts": sorted(self.accounts.values(), key=lambda entry: entry["id"].lower())}

    def changed_elsewhere(self, extras):
        return any(entry["action"] != "none" for entry in extras["accounts"])

    def failures(self, plans, results):
        lines, total = super().failures(plans, results)
        return lines + self.account_errors, total
