# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure VM backup pre-checks, shared by vm_backup_precheck and vm_protection.

Private to the collection.  Each check gives a *finding* ``{"check", "status", "reason"}`` with
the status Azure Backup's own pre-checks use:

* ``Passed``   - the VM is fit for backup in this respect;
* ``Warning``  - might lead to backup failures (or cannot be checked right now);
* ``Critical`` - will lead to backup failures.

The evaluation functions are pure (VM JSON in, findings out) and unit tested; ``precheck_vm``
gathers the inputs.  vm_protection runs only the cheap checks (``full=False``): VM exists, region
equals the vault's, not protected by another vault.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._backup import normalise_location, vault_name_from_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import as_mapping

PASSED, WARNING, CRITICAL = "Passed", "Warning", "Critical"
SEVERITY = {PASSED: 0, WARNING: 1, CRITICAL: 2}
SNAPSHOT_EXTENSIONS = ("vmsnapshot", "vmsnapshotlinux")
STOPPED_POWER_STATES = ("stopped", "stopping", "deallocated", "deallocating")


def finding(check, status, reason):
    return {"check": check, "status": status, "reason": reason}


def worst(findings):
    """The overall status of a VM: its worst finding (Passed when there are none)."""
    return max((entry["status"] for entry in findings), key=SEVERITY.get, default=PASSED)


def summary(results):
    """{"total", "passed", "warning", "critical"} over per-VM results carrying a ``status``."""
    counts = {"total": len(results), "passed": 0, "warning": 0, "critical": 0}
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

def read_vm(session, resource_group, name, with_instance_view):
    kwargs = {"expand": "instanceView"} if with_instance_view else {}
    found = session.get_or_none(f"read VM {name} in {resource_group}", session.client("compute").virtual_machines.get,
                                resource_group, name, **kwargs)
    return as_mapping(found)


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


def precheck_vm(session, vm_ref, vault, full=True):
    """Findings for one VM and the vault ``{"id", "location"}``.

    ``full`` adds the instance-view checks (power, agent, extension) and Azure's pre-validation;
    without it only the cheap checks run (exists, region, protected elsewhere).
    """
    elsewhere = other_subscription_finding(vm_ref, session.subscription_id)
    if elsewhere:
        return {"findings": [elsewhere], "vm": None}
    vm = read_vm(session, vm_ref["resource_group"], vm_ref["name"], with_instance_view=full)
    findings = vm_findings(vm, vm_ref["label"], vault["location"]) if full else existence_findings(vm, vm_ref["label"], vault["location"])
    if vm is None:
        return {"findings": findings, "vm": None}
    vm_id = vm.get("id") or vm_ref["id"]
    status = read_backup_status(session, normalise_location(vm.get("location")), vm_id)
    findings.append(backup_status_finding(status, vault["id"]))
    if full and not is_protected(status):
        findings.append(prevalidation_finding(read_prevalidation(session, normalise_location(vm.get("location")), vm_id, vault["id"])))
    return {"findings": findings, "vm": vm}
