# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure VM backup pre-checks, shared by vm_backup_precheck and vm_protection.

Private to the collection.  Each check gives a *finding* ``{"check", "status", "reason"}`` with
the status Azure Backup's own pre-checks use:

* ``Passed``   - the VM is fit for backup in this respect;
* ``Warning``  - might lead to backup failures (or cannot be checked right now);
* ``Critical`` - will lead to backup failures.

The evaluation functions are pure (VM JSON in, findings out) and unit tested; ``precheck_vms``
gathers the inputs for many VMs from LISTINGS, never one VM at a time when a listing can tell:

* the VMs of the resource groups the checked VMs are in, each with its instance view (one paged
  ``$expand=instanceView`` list per group, model and run-time status together): exists, region,
  power state, agent, snapshot extension, ``osProfile.*.provisionVMAgent``.  When the VMs span
  more than ``GROUP_LISTINGS_MAX`` groups, one paged ``statusOnly=true`` list of the whole
  subscription instead, and the VM models of the vault's region (one paged list, only when a VM's
  agent is not Ready and ``provisionVMAgent`` decides between Warning and Critical).  Either way a
  vault's pre-check reads only its own VMs' groups, so several vaults checked side by side do not
  each page through the whole subscription;
* the vault's protected items (protected here) and protectable items (discovered, so not
  protected by any vault);
* for VMs neither of those lists decides: the protected items of the subscription's other vaults
  in the vault's region (Azure VM backup needs vault and VM in one subscription and region).

Only a VM those listings cannot decide (another vault's items could not be read) costs a
per-VM ``backupStatus`` query; Azure's own ``backupPreValidateProtection`` (a POST, which ARM
counts against the write budget) runs per VM only when asked (``prevalidate``).  vm_protection
runs only the cheap checks (``full=False``): VM exists, region equals the vault's, not protected
by another vault.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import run_parallel
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import (
    index_by_vm_id, list_all, list_protectable_vms, list_protected_vms,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import normalise_location, vault_name_from_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping

# The Compute API version of the raw VM listings (VirtualMachines_List with $expand, _ListAll with statusOnly, _ListByLocation).
COMPUTE_API_VERSION = "2024-11-01"
# Up to this many resource groups, the VM listings are per group (only the checked VMs' groups, models and
# instance views in one); past it one statusOnly listing of the subscription is likely fewer pages.
GROUP_LISTINGS_MAX = 8

PASSED, WARNING, CRITICAL = "Passed", "Warning", "Critical"
# Not a finding: a VM that could not be checked at all (an Azure error).  Never a reason to skip it.
ERROR = "Error"
SEVERITY = {PASSED: 0, WARNING: 1, CRITICAL: 2}
SNAPSHOT_EXTENSIONS = ("vmsnapshot", "vmsnapshotlinux")
STOPPED_POWER_STATES = ("stopped", "stopping", "deallocated", "deallocating")


def finding(check, status, reason):
    return {"check": check, "status": status, "reason": reason}


def worst(findings):
    """The overall status of a VM: its worst finding (Passed when there are none)."""
    return max((entry["status"] for entry in findings), key=SEVERITY.get, default=PASSED)


def summary(results):
    """{"total", "passed", "warning", "critical", "error"} over per-VM results carrying a ``status``."""
    counts = {"total": len(results), "passed": 0, "warning": 0, "critical": 0, "error": 0}
    for result in results:
        counts[result["status"].lower()] += 1
    return counts


# --- reading a VM's JSON -------------------------------------------------------------------------

def instance_view(vm):
    return (vm.get("properties") or {}).get("instanceView") or {}


def power_state(vm):
    """"running", "deallocated", ... from the PowerState/* status of the instance view (None if absent)."""
    for status in instance_view(vm).get("statuses") or []:
        code = status.get("code") or ""
        if code.startswith("PowerState/"):
            return code.split("/", 1)[1].lower()
    return None


def agent_status(vm):
    """(display status, version, message) of the VM agent, or (None, None, None) when not reported."""
    agent = instance_view(vm).get("vmAgent") or {}
    statuses = agent.get("statuses") or []
    if not statuses:
        return None, agent.get("vmAgentVersion"), None
    return statuses[0].get("displayStatus"), agent.get("vmAgentVersion"), statuses[0].get("message")


def agent_ready(vm):
    return (agent_status(vm)[0] or "").lower() == "ready"


def provision_vm_agent(vm):
    """True/False from osProfile, or None when the VM has no osProfile (created from a specialised disk)."""
    os_profile = (vm.get("properties") or {}).get("osProfile")
    if not os_profile:
        return None
    for configuration in ("windowsConfiguration", "linuxConfiguration"):
        if os_profile.get(configuration):
            return bool(os_profile[configuration].get("provisionVMAgent"))
    return None


def provisioning_state(code):
    """"ProvisioningState/failed/-2147024894" -> "failed" (Azure may append a numeric detail)."""
    parts = (code or "").split("/")
    return parts[1].lower() if len(parts) > 1 else ""


def snapshot_extension(vm):
    """(type, provisioning state) of the VMSnapshot / VMSnapshotLinux extension, or None if absent."""
    view = instance_view(vm)
    for extension in view.get("extensions") or []:
        short_type = (extension.get("type") or extension.get("name") or "").split(".")[-1].lower()
        if short_type in SNAPSHOT_EXTENSIONS:
            statuses = extension.get("statuses") or [{}]
            return extension.get("type") or extension.get("name"), provisioning_state(statuses[0].get("code"))
    for handler in (view.get("vmAgent") or {}).get("extensionHandlers") or []:
        if (handler.get("type") or "").split(".")[-1].lower() in SNAPSHOT_EXTENSIONS:
            return handler["type"], provisioning_state((handler.get("status") or {}).get("code"))
    return None


# --- evaluation (pure) -------------------------------------------------------------------------

def existence_findings(vm, vm_label, vault_location):
    """The cheap checks on a VM's JSON: it exists and lives in the vault's region."""
    if vm is None:
        return [finding("vm_exists", CRITICAL, f"VM {vm_label} was not found")]
    findings = [finding("vm_exists", PASSED, f"VM {vm_label} exists")]
    vm_location = normalise_location(vm.get("location"))
    if vault_location and vm_location != normalise_location(vault_location):
        findings.append(finding("region", CRITICAL, f"VM is in {vm_location} but the vault is in {normalise_location(vault_location)}; "
                                                    "a vault protects VMs of its own region only"))
    else:
        findings.append(finding("region", PASSED, f"VM and vault are both in {vm_location}"))
    return findings


def power_finding(vm):
    state = power_state(vm)
    if state == "running":
        return finding("power_state", PASSED, "VM is running")
    if state in STOPPED_POWER_STATES:
        return finding("power_state", WARNING, f"VM is {state}: its backups are crash-consistent and its agent cannot be checked")
    return finding("power_state", WARNING, f"power state is {state or 'not reported'}")


def agent_provisioned_finding(vm):
    provisioned = provision_vm_agent(vm)
    if provisioned:
        return finding("agent_provisioned", PASSED, "VM agent was provisioned at creation (provisionVMAgent true)")
    if agent_ready(vm):
        return finding("agent_provisioned", PASSED, "VM agent reports Ready (installed after creation)")
    if provisioned is None:
        return finding("agent_provisioned", WARNING, "agent provisioning unknown: the VM has no osProfile (created from a specialised disk)")
    return finding("agent_provisioned", CRITICAL, "VM agent was not provisioned (provisionVMAgent false) and reports no Ready status; install the agent")


def agent_ready_finding(vm):
    display, version, message = agent_status(vm)
    if power_state(vm) in STOPPED_POWER_STATES:
        return finding("agent_ready", WARNING, f"VM is {power_state(vm)}: the agent status cannot be checked")
    if (display or "").lower() == "ready":
        return finding("agent_ready", PASSED, f"VM agent {version} is Ready")
    if display is None:
        return finding("agent_ready", CRITICAL, "VM agent reports no status")
    detail = f": {message}" if message else ""
    return finding("agent_ready", CRITICAL, f"VM agent is {display} (version {version or 'unknown'}){detail}")


def extension_finding(vm):
    extension = snapshot_extension(vm)
    if extension is None:
        return finding("snapshot_extension", PASSED, "backup extension not installed yet: Azure Backup installs it at the first backup")
    extension_type, state = extension
    if state == "failed":
        return finding("snapshot_extension", CRITICAL, f"backup extension {extension_type} is in a failed state; remove it so backup can reinstall it")
    if state == "succeeded":
        return finding("snapshot_extension", PASSED, f"backup extension {extension_type} is installed")
    return finding("snapshot_extension", WARNING, f"backup extension {extension_type} is {state or 'in an unknown state'}")


def vm_findings(vm, vm_label, vault_location):
    """Every check that reads only the VM's JSON (with instance view)."""
    findings = existence_findings(vm, vm_label, vault_location)
    if vm is None:
        return findings
    return findings + [power_finding(vm), agent_provisioned_finding(vm), agent_ready_finding(vm), extension_finding(vm)]


def is_protected(status):
    return (status.get("protectionStatus") or "").lower() == "protected"


def backup_status_finding(status, vault_id):
    """Whether the VM is protected already, by this vault (fine) or another one (Critical)."""
    if not is_protected(status):
        return finding("protection", PASSED, "VM is not protected by any vault")
    other_vault = status.get("vaultId") or ""
    if other_vault.lower() == (vault_id or "").lower():
        return finding("protection", PASSED, "already protected by this vault")
    name, resource_group = vault_name_from_id(other_vault)
    return finding("protection", CRITICAL, f"VM is already protected by vault {name} (resource group {resource_group}, id {other_vault}); "
                                           "stop its protection there first")


def prevalidation_finding(response):
    """Azure's own pre-validation of enabling protection."""
    if (response.get("status") or "").lower() == "failed":
        reason = f"Azure pre-validation failed: {response.get('errorCode')}: {response.get('errorMessage')}"
        if response.get("recommendation"):
            reason += f" ({response['recommendation']})"
        return finding("prevalidation", CRITICAL, reason)
    return finding("prevalidation", PASSED, "Azure pre-validation succeeded")


# --- gathering ---------------------------------------------------------------------------------

def read_backup_status(session, location, vm_id):
    body = {"resourceType": "VM", "resourceId": vm_id}
    return as_mapping(session.call(f"read backup status of VM {vm_id}", session.client("backup").backup_status.get, location, body)) or {}


def read_prevalidation(session, location, vm_id, vault_id):
    body = {"resourceType": "VM", "resourceId": vm_id, "vaultId": vault_id, "properties": ""}
    return as_mapping(session.call(f"pre-validate protection of VM {vm_id}", session.client("backup").protection_intent.validate,
                                   location, body)) or {}


def other_subscription_finding(vm_ref, subscription_id):
    if vm_ref["subscription_id"].lower() == (subscription_id or "").lower():
        return None
    return finding("vm_exists", CRITICAL, f"VM {vm_ref['label']} is in subscription {vm_ref['subscription_id']}; "
                                          f"Azure VM backup needs the VM in the vault's subscription {subscription_id}")


def with_model(status_vm, model):
    """A VM's model (profiles) with the run-time status of the statusOnly listing laid over it."""
    if model is None:
        return status_vm
    merged = dict(model, properties=dict(model.get("properties") or {}))
    merged["properties"]["instanceView"] = instance_view(status_vm)
    return merged


def protected_by_finding(vault_id):
    name, resource_group = vault_name_from_id(vault_id)
    return finding("protection", CRITICAL, f"VM is already protected by vault {name} (resource group {resource_group}, id {vault_id}); "
                                           "stop its protection there first")


class VaultListings:
    """The listings the pre-checks of one vault decide from, each read at most once, on first need.

    ``counts`` says how many listings and per-VM queries were sent, for the module's result.
    """

    def __init__(self, session, vault, resource_group):
        self.session = session
        self.vault = vault
        self.resource_group = resource_group
        self.counts = {"listings": 0, "backup_status_queries": 0, "prevalidations": 0}
        self._cache = {}
        self.groups = None

    def scope(self, vm_refs):
        """Read the VM listings of the resource groups of ``vm_refs`` (in this subscription) only, if they are few."""
        subscription = (self.session.subscription_id or "").lower()
        groups = sorted({ref["resource_group"].lower() for ref in vm_refs if ref["subscription_id"].lower() == subscription})
        self.groups = tuple(groups) if len(groups) <= GROUP_LISTINGS_MAX else None

    def forget(self, key):
        """Drop one cached listing (``protected``, ``protectable``, ...) so the next use reads it again."""
        self._cache.pop(key, None)

    def _once(self, key, read):
        if key not in self._cache:
            self.counts["listings"] += 1
            self._cache[key] = read()
        return self._cache[key]

    def _json_pages(self, operation, path):
        """Every page of an ARM list, as Azure's JSON, indexed by lower-cased id.

        Read raw rather than through SDK models: a subscription's thousands of VMs, each with its instance
        view, take the compute SDK far longer to deserialise (and turn back into mappings) than to fetch.
        """
        return {vm["id"].lower(): vm for vm in self.session.send_paged(operation, "GET", path, COMPUTE_API_VERSION) if vm.get("id")}

    def vm_statuses(self):
        """{lower-cased VM id: VM with its instance view}: of the scoped resource groups, else of the whole subscription (statusOnly)."""
        if self.groups is not None:
            return self._once(("statuses",) + self.groups, self._read_group_vms)
        path = f"/subscriptions/{self.session.subscription_id}/providers/Microsoft.Compute/virtualMachines?statusOnly=true"
        return self._once("statuses", lambda: self._json_pages("list the run-time status of the subscription's VMs", path))

    def _read_group_vms(self):
        listed = {}
        for group in self.groups:
            path = f"/subscriptions/{self.session.subscription_id}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines?$expand=instanceView"
            try:
                listed.update(self._json_pages(f"list the VMs of resource group {group} with their instance views", path))
            except AzureOperationError as error:
                if error.status != 404:  # a group that does not exist holds no VM: its VMs are reported missing
                    raise
        return listed

    def vm_models(self):
        """{lower-cased VM id: VM model} for the VMs of the vault's region."""
        location = self.vault["location"]
        path = f"/subscriptions/{self.session.subscription_id}/providers/Microsoft.Compute/locations/{location}/virtualMachines"
        return self._once("models", lambda: self._json_pages(f"list the VMs in {location}", path))

    def protected_here(self):
        return self._once("protected", lambda: index_by_vm_id(list_protected_vms(self.session, self.vault["name"], self.resource_group)))

    def protectable(self):
        return self._once("protectable", lambda: index_by_vm_id(list_protectable_vms(self.session, self.vault["name"], self.resource_group)))

    def protected_elsewhere(self):
        """({VM id: id of the other vault protecting it}, complete) over the subscription's other vaults of this region.

        ``complete`` is False when a vault's items could not be read (no access): its VMs stay undecided.
        """
        return self._once("elsewhere", self._read_protected_elsewhere)

    def _read_protected_elsewhere(self):
        vaults = list_all(self.session, "list the subscription's Recovery Services vaults",
                          self.session.client("recoveryservices").vaults.list_by_subscription_id)
        protecting, complete = {}, True
        for other in vaults:
            if other["id"].lower() == self.vault["id"].lower() or normalise_location(other.get("location")) != self.vault["location"]:
                continue
            name, resource_group = vault_name_from_id(other["id"])
            try:
                self.counts["listings"] += 1
                items = index_by_vm_id(list_protected_vms(self.session, name, resource_group))
            except AzureOperationError:
                complete = False
                continue
            protecting.update((vm_id, other["id"]) for vm_id in items)
        return protecting, complete


def status_findings(ref, listings, full):
    """Findings of one VM from the VM listings alone; returns (findings, VM JSON or None)."""
    elsewhere = other_subscription_finding(ref, listings.session.subscription_id)
    if elsewhere:
        return [elsewhere], None
    vm = listings.vm_statuses().get(ref["key"])
    location = listings.vault["location"]
    if vm is None or not full:
        return existence_findings(vm, ref["label"], location), vm
    if listings.groups is None and not agent_ready(vm) and normalise_location(vm.get("location")) == location:
        vm = with_model(vm, listings.vm_models().get(ref["key"]))
    return vm_findings(vm, ref["label"], location), vm


def protection_finding(ref, listings):
    """Whether a VM is protected, and by which vault, from the vault listings; None when they cannot tell."""
    if ref["key"] in listings.protected_here():
        return finding("protection", PASSED, "already protected by this vault")
    if ref["key"] in listings.protectable():
        return finding("protection", PASSED, "VM is not protected by any vault")
    protecting, complete = listings.protected_elsewhere()
    if ref["key"] in protecting:
        return protected_by_finding(protecting[ref["key"]])
    return finding("protection", PASSED, "VM is not protected by any vault") if complete else None


def query_protection(session, listings, vm, vault_id):
    """The per-VM backupStatus query, for a VM the listings could not decide."""
    listings.counts["backup_status_queries"] += 1
    return backup_status_finding(read_backup_status(session, normalise_location(vm.get("location")), vm["id"]), vault_id)


def precheck_vms(session, vm_refs, listings, full=True, prevalidate=False, max_parallel=10):
    """Findings for many VMs from ``listings`` (a VaultListings); ``[(ref, {"findings", "vm"}, error)]`` in order.

    A VM with a Critical finding from the VM listings is not looked up further.  ``full`` adds the
    instance-view checks (power, agent, extension); ``prevalidate`` asks Azure's own pre-validation
    for each VM that is not protected yet.  An error of one VM's per-VM query is that VM's error;
    a listing that fails fails the whole call (AzureOperationError).
    """
    checked = []
    listings.scope(vm_refs)
    for ref in vm_refs:
        findings, vm = status_findings(ref, listings, full)
        checked.append({"ref": ref, "findings": findings, "vm": vm})
    open_vms = [entry for entry in checked if entry["vm"] is not None and worst(entry["findings"]) != CRITICAL]
    undecided = []
    for entry in open_vms:
        decided = protection_finding(entry["ref"], listings)
        if decided:
            entry["findings"].append(decided)
        else:
            undecided.append(entry)
    errors = {}
    for entry, found, error in run_parallel(lambda entry: query_protection(session, listings, entry["vm"], listings.vault["id"]),
                                            undecided, max_parallel):
        if error:
            errors[id(entry)] = error
        else:
            entry["findings"].append(found)
    if prevalidate:
        unprotected = [entry for entry in open_vms if id(entry) not in errors and entry["ref"]["key"] not in listings.protected_here()
                       and worst(entry["findings"]) != CRITICAL]
        for entry, found, error in run_parallel(lambda entry: prevalidation(session, listings, entry), unprotected, max_parallel):
            if error:
                errors[id(entry)] = error
            else:
                entry["findings"].append(found)
    return [(entry["ref"], None if id(entry) in errors else {"findings": entry["findings"], "vm": entry["vm"]}, errors.get(id(entry)))
            for entry in checked]


def prevalidation(session, listings, entry):
    listings.counts["prevalidations"] += 1
    vm = entry["vm"]
    return prevalidation_finding(read_prevalidation(session, normalise_location(vm.get("location")), vm["id"], listings.vault["id"]))
