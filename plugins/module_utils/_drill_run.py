# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One restore_drill task: the options checked, then ``Drill``, which makes the drill's environment, restores and verifies
the sampled VMs in parallel and removes what it made (the pure logic it uses is in ``_drill``).

Private to the collection. The module file holds the documentation and the option table; this file holds what the task does.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import run_parallel
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import list_protected_vms
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import resolve_vm_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._drill import (
    DRILL_STAGING_TAG, command_output, drill_group_name, drill_tags, is_drill_group_of, judge, restored_vm_name, sample, staging_account_name,
    tags_match, totals,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import ARCHIVE, usable_tier
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._restore import (
    DISK_API_VERSION, FINISHED_OK, GROUP_API_VERSION, NETWORK_API_VERSION, NEW_VM, STORAGE_API_VERSION, VM_API_VERSION, VmRestoreSource, get_resource,
    group_id, job_status, point_time_of, resource_id, restore_properties,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_resource_group, check_vm_refs, check_wait_timeout
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import check_vault_options, read_vault

RUN_COMMANDS = {"Linux": "RunShellScript", "Windows": "RunPowerShellScript"}
SUBNET = "drill"


class Drill:
    """One vault's drill: clean earlier leftovers, make the isolated environment, restore and verify in parallel, clean up."""

    def __init__(self, module, chosen_refs):
        self.module, self.params, self.session = module, module.params, module.session
        self.given = chosen_refs
        self.started = datetime.now(timezone.utc)
        self.drill_id = self.params["drill_id"] or "drill-" + self.started.strftime("%Y%m%d%H%M%S")
        self.vault = None
        self.group = None
        self.deleted = []

    # --- the drill's environment

    def compute(self):
        return self.session.client("compute")

    def await_write(self, operation, response):
        if response.status_code in (201, 202):
            self.session.wait_for_operation(operation, response, self.params["wait_timeout"])

    def make_environment(self):
        subscription = self.session.subscription_id
        staging = staging_account_name(self.vault["id"], self.drill_id)
        tags = drill_tags(self.drill_id, self.vault["id"], staging)
        location = self.vault["location"]
        self.session.send(f"create drill resource group {self.group}", "PUT", group_id(subscription, self.group), GROUP_API_VERSION,
                          body={"location": location, "tags": tags})
        vnet = resource_id(subscription, self.group, "Microsoft.Network/virtualNetworks", "vnet-drill")
        prefix = self.params["address_prefix"]
        self.await_write("create the drill's network", self.session.send(
            "create the drill's network", "PUT", vnet, NETWORK_API_VERSION,
            body={"location": location, "tags": tags, "properties": {"addressSpace": {"addressPrefixes": [prefix]},
                                                                     "subnets": [{"name": SUBNET, "properties": {"addressPrefix": prefix}}]}}))
        account = resource_id(subscription, self.group, "Microsoft.Storage/storageAccounts", staging)
        self.await_write("create the drill's staging account", self.session.send(
            "create the drill's staging account", "PUT", account, STORAGE_API_VERSION,
            body={"location": location, "tags": tags, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
                  "properties": {"allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2"}}))
        return {"resource_group": self.group, "virtual_network_id": vnet, "subnet_id": f"{vnet}/subnets/{SUBNET}", "storage_account_id": account,
                "location": location}

    def drill_groups(self):
        """The resource groups earlier drills of this vault made (their tags say so)."""
        groups = self.session.send_paged("list resource groups", "GET", f"/subscriptions/{self.session.subscription_id}/resourcegroups",
                                         GROUP_API_VERSION)
        return [group for group in groups if is_drill_group_of(group, self.vault["id"])]

    def list_in_group(self, group, provider_type, api_version):
        """Every resource of ``provider_type`` in ``group``, all pages (a drill of many VMs leaves more NICs than one page holds)."""
        return self.session.send_paged(f"list {provider_type} in {group}", "GET",
                                       f"{group_id(self.session.subscription_id, group)}/providers/{provider_type}", api_version)

    def delete(self, what, resource, api_version):
        response = self.session.send(f"delete {what}", "DELETE", resource, api_version)
        self.await_write(f"delete {what}", response)
        self.deleted.append(resource)

    def remove_group(self, group):
        """Delete what a drill made in ``group``: VMs, then their disks and NICs, then networks, the staging account, the group."""
        subscription, limit = self.session.subscription_id, self.params["max_parallel"]
        vms = self.session.call(f"list VMs in {group['name']}", lambda: [as_mapping(vm) for vm in self.compute().virtual_machines.list(group["name"])])
        self.each(lambda vm: self.delete(f"drill VM {vm['name']}", vm["id"], VM_API_VERSION), vms, limit)
        disks = self.session.call(f"list disks in {group['name']}",
                                  lambda: [as_mapping(disk) for disk in self.compute().disks.list_by_resource_group(group["name"])])
        nics = self.list_in_group(group["name"], "Microsoft.Network/networkInterfaces", NETWORK_API_VERSION)
        self.each(lambda disk: self.delete(f"drill disk {disk['name']}", disk["id"], DISK_API_VERSION), disks, limit)
        self.each(lambda nic: self.delete(f"drill NIC {nic['name']}", nic["id"], NETWORK_API_VERSION), nics, limit)
        for vnet in self.list_in_group(group["name"], "Microsoft.Network/virtualNetworks", NETWORK_API_VERSION):
            self.delete(f"drill network {vnet['name']}", vnet["id"], NETWORK_API_VERSION)
        staging = (group.get("tags") or {}).get(DRILL_STAGING_TAG)
        if staging:
            self.delete(f"drill staging account {staging}", resource_id(subscription, group["name"], "Microsoft.Storage/storageAccounts", staging),
                        STORAGE_API_VERSION)
        self.delete(f"drill resource group {group['name']}", group_id(subscription, group["name"]), GROUP_API_VERSION)

    @staticmethod
    def each(function, entries, limit):
        """Run ``function`` over ``entries`` in parallel; the first Azure error is raised once all have run."""
        errors = [error for dummy, dummy_result, error in run_parallel(function, entries, limit) if error]
        if errors:
            raise errors[0]

    # --- choosing VMs

    def candidates(self):
        """Protected VMs of the vault that can be drilled: not soft-deleted, with a point; filtered by the options."""
        items = list_protected_vms(self.session, self.vault["name"], self.params["resource_group"])
        refs = {}
        for item in items:
            properties = item.get("properties") or {}
            if properties.get("isScheduledForDeferredDelete") or not properties.get("sourceResourceId"):
                continue
            ref = resolve_vm_ref({"id": properties["sourceResourceId"]}, self.session.subscription_id)
            refs[ref["key"]] = ref
        if self.given is not None:
            missing = [ref["label"] for ref in self.given if ref["key"] not in refs]
            if missing:
                raise Refusal(f"vms: not protected by vault {self.vault['name']}: {', '.join(missing)}")
            return [refs[ref["key"]] for ref in self.given]
        if self.params["sample_tags"]:
            tagged = self.session.call("list VMs of the subscription", lambda: {
                str(vm.id).lower(): vm.tags or {} for vm in self.compute().virtual_machines.list_all()})
            refs = {key: ref for key, ref in refs.items() if tags_match(tagged.get(key), self.params["sample_tags"])}
        return list(refs.values())

    # --- one VM

    def drill_vm(self, vm, environment):
        """Restore the VM's newest point as a new VM, verify it; return what the report says about it."""
        outcome = {"vm": vm["label"], "vm_id": vm["id"], "checks": {}}
        source = VmRestoreSource(self.session, self.vault["name"], self.params["resource_group"], vm)
        source.read_vault(self.vault)
        deadline = time.monotonic() + self.params["wait_timeout"]
        try:
            point = source.choose_point("latest", None)
        except Refusal as refusal:
            return dict(outcome, error=refusal.message)
        outcome.update(point_id=point["name"], point_time=(point.get("properties") or {}).get("recoveryPointTime"), tier=usable_tier(point),
                       rpo_hours=round((self.started - point_time_of(point)).total_seconds() / 3600, 2))
        if outcome["tier"] == ARCHIVE:
            return dict(outcome, error="the newest point is only in the archive tier; a drill does not rehydrate")
        name = restored_vm_name(vm["name"])
        targets = {"resource_group_id": group_id(self.session.subscription_id, self.group), "storage_account_id": environment["storage_account_id"],
                   "vm_id": resource_id(self.session.subscription_id, self.group, "Microsoft.Compute/virtualMachines", name),
                   "virtual_network_id": environment["virtual_network_id"], "subnet_id": environment["subnet_id"]}
        requested = time.monotonic()
        job_id = source.trigger(point, restore_properties(NEW_VM, point["name"], vm["id"], source.region, targets), self.params["wait_timeout"])
        job = source.wait_for_job(job_id, deadline)
        outcome.update(job_id=job_id, restored_vm_id=targets["vm_id"])
        outcome["checks"]["job_succeeded"] = job_status(job) in FINISHED_OK
        if not outcome["checks"]["job_succeeded"]:
            errors = (job.get("properties") or {}).get("errorDetails") or [{}]
            outcome["checks"]["job_succeeded_detail"] = f"{job_status(job)}: {errors[0].get('errorTitle')} {errors[0].get('errorString') or ''}".strip()
            return outcome
        self.verify(name, outcome)
        outcome["rto_minutes"] = round((time.monotonic() - requested) / 60, 2)
        return outcome

    def verify(self, name, outcome):
        """Provisioned and running, agent Ready, and the user's command (when given) printed what it should."""
        vm = as_mapping(self.session.call(f"read restored VM {name}", self.compute().virtual_machines.get, self.group, name, expand="instanceView"))
        view = (vm.get("properties") or {}).get("instanceView") or {}
        codes = [status.get("code") for status in view.get("statuses") or []]
        outcome["checks"]["vm_running"] = "ProvisioningState/succeeded" in codes and "PowerState/running" in codes
        agent = [status.get("displayStatus") for status in (view.get("vmAgent") or {}).get("statuses") or []]
        outcome["checks"]["agent_ready"] = "Ready" in agent
        command = self.params["verify_command"]
        if command and outcome["checks"]["vm_running"] and outcome["checks"]["agent_ready"]:
            os_type = (((vm.get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {}).get("osType") or "Linux"
            poller = self.session.call(f"run the drill's command in {name}", self.compute().virtual_machines.begin_run_command, self.group, name,
                                       {"commandId": RUN_COMMANDS.get(os_type, "RunShellScript"), "script": command["script"]})
            stdout, stderr = command_output(as_mapping(self.session.finish(f"run the drill's command in {name}", poller, self.params["wait_timeout"])))
            outcome["checks"]["command_ok"] = (command.get("expect") or "") in stdout
            outcome["checks"]["command_ok_detail"] = None if outcome["checks"]["command_ok"] else f"stdout {stdout[:200]!r}, stderr {stderr[:200]!r}"
            outcome["command_stdout"] = stdout[:1000]

    def guarded_vm(self, vm, environment):
        try:
            return self.drill_vm(vm, environment)
        except (AzureOperationError, Refusal) as error:
            return {"vm": vm["label"], "vm_id": vm["id"], "checks": {}, "error": getattr(error, "message", None) or str(error)}

    # --- the drill

    def run(self):
        self.vault = read_vault(self.session, self.params["resource_group"], self.params["vault_name"])
        self.group = drill_group_name(self.params["resource_group_prefix"], self.vault["name"])
        leftovers = self.drill_groups()
        targets = {"rpo_hours": self.params["rpo_hours"], "rto_minutes": self.params["rto_minutes"]}
        report = {"drill_id": self.drill_id, "vault": self.vault["name"], "vault_id": self.vault["id"], "region": self.vault["location"],
                  "started": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"), "targets": targets}
        if self.params["state"] == "absent":
            if not self.module.check_mode:
                for group in leftovers:
                    self.remove_group(group)
            return {"changed": bool(leftovers), "report": dict(report, leftovers_removed=self.deleted or [group["id"] for group in leftovers])}
        if not any(group["name"].lower() == self.group.lower() for group in leftovers) and self.group_taken():
            raise Refusal(f"resource_group_prefix: resource group {self.group} exists and no drill of vault {self.vault['name']} made it; "
                          "choose another prefix")
        chosen = sample(self.candidates(), self.params["sample_count"], self.params["sample_share"], self.params["sample_seed"])
        if self.module.check_mode:
            planned = [{"vm": vm["label"], "vm_id": vm["id"], "restored_vm_name": restored_vm_name(vm["name"])} for vm in chosen]
            report.update(vms=planned, planned=True, environment={"resource_group": self.group}, totals={"vms": len(planned), "passed": 0, "failed": 0},
                          leftovers_to_remove=[group["id"] for group in leftovers])
            return {"changed": bool(chosen), "report": report}
        for group in leftovers:
            self.remove_group(group)
        report["leftovers_removed"], self.deleted = self.deleted, []
        try:
            environment = self.make_environment()
            drilled = run_parallel(lambda vm: self.guarded_vm(vm, environment), chosen, self.params["max_parallel"])
            results = [outcome for dummy, outcome, dummy_error in drilled]
        finally:  # a drill that fails midway still removes what it made (and its tags let the next drill finish the job)
            if not self.params["keep"]:
                self.remove_group({"name": self.group, "tags": {DRILL_STAGING_TAG: staging_account_name(self.vault["id"], self.drill_id)}})
        for outcome in results:
            outcome["passed"], outcome["reasons"] = judge(outcome, self.params["rpo_hours"], self.params["rto_minutes"])
        finished = datetime.now(timezone.utc)
        report.update(vms=results, totals=totals(results), environment=environment, cleanup={"kept": self.params["keep"], "deleted": self.deleted},
                      finished=finished.strftime("%Y-%m-%dT%H:%M:%SZ"), wall_seconds=round((finished - self.started).total_seconds(), 1))
        return {"changed": True, "report": report}

    def group_taken(self):
        """The drill's group name is used (by a group no drill of this vault made, when the caller checked the leftovers)."""
        return get_resource(self.session, f"resource group {self.group}", group_id(self.session.subscription_id, self.group), GROUP_API_VERSION) is not None


def check_drill_options(params, subscription_id):
    """The options checked before any request: the refusals name the option; returns the VMs given (``vms``), or None to sample."""
    check_vault_options(params)
    check_wait_timeout(params)
    check_resource_group(drill_group_name(params["resource_group_prefix"], params["vault_name"]), "resource_group_prefix")
    if params["sample_share"] is not None and not 0 < params["sample_share"] <= 1:
        raise Refusal(f"sample_share must be more than 0 and at most 1, got {params['sample_share']}")
    for option in ("sample_count", "max_parallel"):
        if params[option] is not None and params[option] < 1:
            raise Refusal(f"{option} must be 1 or more, got {params[option]}")
    if params["vms"] is None:
        return None
    return check_vm_refs(params["vms"], subscription_id, "vms")
