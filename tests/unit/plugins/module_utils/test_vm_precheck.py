"""Pre-check findings from VM JSON (plugins/module_utils/_vm_precheck.py)."""

import copy

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _vm_precheck as precheck

VAULT_ID = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv"

RUNNING_VM = {
    "id": "/subscriptions/s/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1", "name": "vm1", "location": "westeurope",
    "properties": {
        "osProfile": {"computerName": "vm1", "linuxConfiguration": {"provisionVMAgent": True}},
        "instanceView": {
            "vmAgent": {"vmAgentVersion": "2.7.41491.1102",
                        "statuses": [{"code": "ProvisioningState/succeeded", "displayStatus": "Ready", "message": "GuestAgent is running"}]},
            "extensions": [{"name": "VMSnapshotLinux", "type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                            "statuses": [{"code": "ProvisioningState/succeeded"}]}],
            "statuses": [{"code": "ProvisioningState/succeeded"}, {"code": "PowerState/running", "displayStatus": "VM running"}]}}}


def vm(**changes):
    body = copy.deepcopy(RUNNING_VM)
    view = body["properties"]["instanceView"]
    if "power" in changes:
        view["statuses"][1]["code"] = f"PowerState/{changes['power']}"
    if "agent" in changes:
        view["vmAgent"] = changes["agent"]
    if "extensions" in changes:
        view["extensions"] = changes["extensions"]
    if changes.get("specialised"):
        del body["properties"]["osProfile"]
    if "provisioned" in changes:
        body["properties"]["osProfile"]["linuxConfiguration"]["provisionVMAgent"] = changes["provisioned"]
    return body


def statuses(findings):
    return {entry["check"]: entry["status"] for entry in findings}


def test_a_healthy_vm_passes_everything():
    findings = precheck.vm_findings(vm(), "rg-app/vm1", "westeurope")
    assert set(statuses(findings).values()) == {"Passed"}
    assert precheck.worst(findings) == "Passed"
    assert "2.7.41491.1102" in [entry["reason"] for entry in findings if entry["check"] == "agent_ready"][0]


def test_missing_vm_is_critical():
    findings = precheck.vm_findings(None, "rg-app/nope", "westeurope")
    assert findings == [{"check": "vm_exists", "status": "Critical", "reason": "VM rg-app/nope was not found"}]


def test_other_region_is_critical():
    found = statuses(precheck.existence_findings(vm(), "rg-app/vm1", "North Europe"))
    assert found["region"] == "Critical"


def test_deallocated_vm_is_a_warning_and_its_agent_unchecked():
    found = statuses(precheck.vm_findings(vm(power="deallocated", agent={}), "rg-app/vm1", "westeurope"))
    assert found["power_state"] == "Warning"
    assert found["agent_ready"] == "Warning"


def test_agent_not_ready_is_critical():
    agent = {"vmAgentVersion": "Unknown", "statuses": [{"code": "ProvisioningState/Unavailable", "displayStatus": "Not Ready",
                                                        "message": "VM Agent is unresponsive."}]}
    findings = precheck.vm_findings(vm(agent=agent), "rg-app/vm1", "westeurope")
    assert statuses(findings)["agent_ready"] == "Critical"
    assert precheck.worst(findings) == "Critical"


def test_specialised_disk_without_ready_agent_is_unknown():
    agent = {"statuses": [{"displayStatus": "Not Ready"}]}
    assert statuses(precheck.vm_findings(vm(specialised=True, agent=agent), "l", "westeurope"))["agent_provisioned"] == "Warning"
    assert statuses(precheck.vm_findings(vm(specialised=True), "l", "westeurope"))["agent_provisioned"] == "Passed"


def test_agent_not_provisioned():
    agent = {"statuses": []}
    assert statuses(precheck.vm_findings(vm(provisioned=False, agent=agent), "l", "westeurope"))["agent_provisioned"] == "Critical"


def test_snapshot_extension_states():
    failed = [{"type": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "statuses": [{"code": "ProvisioningState/failed/-1"}]}]
    assert statuses(precheck.vm_findings(vm(extensions=failed), "l", "westeurope"))["snapshot_extension"] == "Critical"
    absent = precheck.extension_finding(vm(extensions=[]))
    assert absent["status"] == "Passed" and "first backup" in absent["reason"]


def test_backup_status_findings():
    assert precheck.backup_status_finding({"protectionStatus": "NotProtected"}, VAULT_ID)["status"] == "Passed"
    mine = precheck.backup_status_finding({"protectionStatus": "Protected", "vaultId": VAULT_ID.upper()}, VAULT_ID)
    assert mine == {"check": "protection", "status": "Passed", "reason": "already protected by this vault"}
    other = precheck.backup_status_finding(
        {"protectionStatus": "Protected", "vaultId": "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.RecoveryServices/Vaults/rsv-other"},
        VAULT_ID)
    assert other["status"] == "Critical" and "rsv-other" in other["reason"] and "rg-x" in other["reason"]


def test_prevalidation_failure_carries_azure_code():
    failed = precheck.prevalidation_finding({"status": "Failed", "errorCode": "UserErrorX", "errorMessage": "nope"})
    assert failed["status"] == "Critical" and "UserErrorX: nope" in failed["reason"]
    assert precheck.prevalidation_finding({"status": "Succeeded"})["status"] == "Passed"


def test_summary_counts():
    results = [{"status": "Passed"}, {"status": "Critical"}, {"status": "Critical"}]
    assert precheck.summary(results) == {"total": 3, "passed": 1, "warning": 0, "critical": 2}
