# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One vm_protection task: the options checked, the shared run (``_protection_run.ProtectionRun``) with the VM listings,
pre-checks and container discovery.

Private to the collection. The module file holds the documentation and the option table; this file holds what the task does.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import item_delete, item_put, refresh_containers, trigger_backup
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_policies
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import read_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import (
    IAAS_VM, container_name, item_name, names_from_item_id, short_container_name,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import (
    PROTECT, STOP_STATES, backup_expiry, protect_body, stop_body, undelete_body, vm_item,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_run import ProtectionRun, check_run_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_policy_ref, check_vm_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vm_precheck import CRITICAL, VaultListings, precheck_vms


def vms_to_protect_first_time(plans):
    """Plans of VMs the vault has no item for and that are to be protected (and have no error yet)."""
    return [plan for plan in plans if plan["item"] is None and plan["action"] == PROTECT and not plan["error"]]


class VmProtectionRun(ProtectionRun):
    """One vm_protection task: the shared run (``_protection_run``) with the VM listings, pre-checks and discovery.

    A delete is awaited through its own status (its job is not needed to report the VM); the other steps through the jobs listing.
    """

    NOUN, NOUNS, ITEMS_KEY = "VM", "VMs", "vms"
    EXTRA_COUNTERS = ("backup_status_queries",)

    def __init__(self, module, targets, expiry):
        super().__init__(module, expiry)
        self.targets = targets
        # The vault's id and location are read only if a VM must be pre-checked; its listings need just its name.
        self.listings = VaultListings(self.session, {"name": self.vault, "id": None, "location": None}, self.resource_group)

    # --- reading and planning ------------------------------------------------------------------

    def read_policies(self):
        """The named policies, from ONE listing; bad names and non-VM policies fail the task before any write."""
        wanted = {target["policy"] for target in self.targets if target["policy"]}
        if not wanted or self.params["state"] != "present":
            return
        listed = {policy["name"].lower(): policy for policy in self.listing(list_policies, self.vault, self.resource_group)}
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

    def read_protected(self):
        self.listings.forget("protected")
        return self.listings.protected_here()

    def plan_target(self, target, item):
        return self.plan_item(item, target["policy"], target["ref"]["key"], target["ref"]["label"], ref=target["ref"], target=target)

    def replan(self, plan, item):
        return self.plan_target(dict(plan["target"], ref=plan["ref"]), item)

    def plan_items(self):
        """One plan per VM, from ONE listing of the vault's protected VMs; the pre-checks of VMs the vault has not discovered."""
        self.read_policies()
        items = self.listings.protected_here()
        plans = [self.plan_target(target, items.get(target["ref"]["key"])) for target in self.targets]
        self.precheck(plans)
        return plans

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

    def prepare(self, plans):
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

    # --- writing and reporting -----------------------------------------------------------------

    def start_step(self, plan, step):
        vm = vm_item((plan["item"] and plan["item"]["properties"].get("sourceResourceId")) or plan["ref"]["id"])
        names = plan["names"]
        if step == "undelete":
            return item_put(self.session, self.vault, self.resource_group, names, undelete_body(vm))
        if step == "protect":
            return item_put(self.session, self.vault, self.resource_group, names, protect_body(vm, self.policies[plan["policy"].lower()]["id"]))
        if step == "stop":
            policy_id = (plan["item"]["properties"].get("policyId") or "") if plan["item"] else ""
            return item_put(self.session, self.vault, self.resource_group, names, stop_body(vm, STOP_STATES[self.params["retain"]], policy_id))
        if step == "delete":
            return item_delete(self.session, self.vault, self.resource_group, names)
        return trigger_backup(self.session, self.vault, self.resource_group, names, self.expiry)

    def job_key_of(self, plan):
        return short_container_name(plan["names"][0])

    def identify(self, plan):
        return {"id": plan["ref"]["id"], "name": plan["ref"]["name"], "resource_group": plan["ref"]["resource_group"]}

    def counters(self):
        counts = dict(self.requests)
        counts["listings"] += self.listings.counts["listings"]
        counts["backup_status_queries"] += self.listings.counts["backup_status_queries"]
        return counts


def check_vm_options(params, subscription_id):
    """Refuse bad input before any call; returns (targets, backup expiry)."""
    check_run_options(params, "VMs")
    expiry = None
    if params["backup_now"]:
        try:
            expiry = backup_expiry(params["backup_retention_days"], params["backup_expiry"])
        except ValueError as error:
            raise Refusal(str(error)) from error
    entries = params["vms"] if params["vms"] is not None else [params["vm"]]
    vault = (subscription_id, params["resource_group"], params["vault_name"])
    default_policy = check_policy_ref(params["policy"], "policy", *vault)
    targets, seen = [], set()
    for index, entry in enumerate(entries):
        ref = check_vm_ref(entry, subscription_id, f"vms[{index}]")
        if ref["key"] in seen:
            raise Refusal(f"vms[{index}]: VM {ref['label']} is listed twice")
        seen.add(ref["key"])
        targets.append({"ref": ref, "policy": check_policy_ref(entry.get("policy"), f"vms[{index}].policy", *vault) or default_policy})
    return targets, expiry
