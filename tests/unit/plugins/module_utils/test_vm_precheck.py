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
    assert precheck.summary(results) == {"total": 3, "passed": 1, "warning": 0, "critical": 2, "error": 0}


# --- deciding many VMs from listings ------------------------------------------------------------

SUB = "s"
VAULT = {"id": VAULT_ID, "name": "rsv", "location": "westeurope"}
OTHER_VAULT_ID = "/subscriptions/s/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-other"


def ref(name, subscription=SUB):
    vm_id = f"/subscriptions/{subscription}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/{name}"
    return {"id": vm_id, "name": name, "resource_group": "rg-app", "subscription_id": subscription, "key": vm_id.lower(), "label": f"rg-app/{name}"}


def status_only(name, location="westeurope", **changes):
    """A VM as the statusOnly listing gives it: identity and instance view, no model."""
    body = vm(**changes)
    body.update(id=ref(name)["id"], name=name, location=location)
    body["properties"] = {"instanceView": body["properties"]["instanceView"]}
    return body


class Session:
    """Stands in for AzureSession where only per-VM queries would be sent; records them."""

    subscription_id = SUB

    def __init__(self, statuses=None):
        self.statuses = statuses or {}
        self.queries = []

    def call(self, operation, function, *args):
        return function(*args)

    def client(self, _name):
        return self

    @property
    def backup_status(self):
        return self

    def get(self, _location, body):
        self.queries.append(body["resourceId"])
        return self.statuses.get(body["resourceId"].lower(), {"protectionStatus": "NotProtected"})


class Listings(precheck.VaultListings):
    """VaultListings over fixed listings; ``elsewhere_complete`` False stands for another vault that could not be read."""

    def __init__(self, session, vms, models=None, protected=(), protectable=(), elsewhere=None, elsewhere_complete=True):
        super().__init__(session, VAULT, "rg-backup")
        self.reads = []
        self._fixed = {"statuses": {body["id"].lower(): body for body in vms}, "models": models or {},
                       "protected": {ref(name)["key"]: {"id": name} for name in protected},
                       "protectable": {ref(name)["key"]: {"id": name} for name in protectable},
                       "elsewhere": ({ref(name)["key"]: vault for name, vault in (elsewhere or {}).items()}, elsewhere_complete)}

    def _once(self, key, read):
        self.reads.append(key)
        return self._fixed[key]

    def scope(self, vm_refs):
        """The fixed listings stand for the subscription-wide ones (statusOnly, then the region's models)."""
        self.groups = None

    def vm_statuses(self):
        return self._once("statuses", None)

    def vm_models(self):
        return self._once("models", None)

    def protected_here(self):
        return self._once("protected", None)

    def protectable(self):
        return self._once("protectable", None)

    def protected_elsewhere(self):
        return self._once("elsewhere", None)


def test_scope_lists_the_checked_vms_groups_only_when_they_are_few():
    listings = precheck.VaultListings(Session(), VAULT, "rg-backup")
    listings.scope([ref("vm-a"), ref("vm-b"), ref("vm-x", subscription="t")])
    assert listings.groups == (ref("vm-a")["resource_group"].lower(),)
    many = [dict(ref(f"vm-{number}"), resource_group=f"rg-{number}") for number in range(precheck.GROUP_LISTINGS_MAX + 1)]
    listings.scope(many)
    assert listings.groups is None


def decided(results):
    return {vm_ref["name"]: (precheck.worst(answer["findings"]) if answer else f"error: {error}") for vm_ref, answer, error in results}


def test_listings_decide_every_vm_without_a_per_vm_query():
    session = Session()
    listings = Listings(session, [status_only("vm-here"), status_only("vm-new"), status_only("vm-far", location="northeurope"),
                                  status_only("vm-other"), status_only("vm-fresh")],
                        protected=["vm-here"], protectable=["vm-new"], elsewhere={"vm-other": OTHER_VAULT_ID})
    refs = [ref("vm-here"), ref("vm-new"), ref("vm-far"), ref("vm-other"), ref("vm-fresh"), ref("vm-gone"), ref("vm-x", subscription="t")]
    results = precheck.precheck_vms(session, refs, listings)
    assert decided(results) == {"vm-here": "Passed", "vm-new": "Passed", "vm-far": "Critical", "vm-other": "Critical", "vm-fresh": "Passed",
                                "vm-gone": "Critical", "vm-x": "Critical"}
    assert session.queries == []
    other = statuses(results[3][1]["findings"])
    assert other["protection"] == "Critical" and "rsv-other" in results[3][1]["findings"][-1]["reason"]
    assert statuses(results[0][1]["findings"])["protection"] == "Passed"
    assert "models" not in listings.reads  # every agent was Ready: no model listing


def test_a_vm_whose_agent_is_not_ready_is_judged_on_its_model_from_the_region_listing():
    session = Session()
    down = status_only("vm-down", agent={"statuses": [{"displayStatus": "Not Ready"}]})
    model = copy.deepcopy(RUNNING_VM)
    model["properties"]["osProfile"]["linuxConfiguration"]["provisionVMAgent"] = False
    listings = Listings(session, [down], models={ref("vm-down")["key"]: model}, protected=["vm-down"])
    findings = precheck.precheck_vms(session, [ref("vm-down")], listings)[0][1]["findings"]
    assert statuses(findings)["agent_provisioned"] == "Critical" and "models" in listings.reads
    assert "protection" not in statuses(findings)  # Critical from the VM listings: not looked up further


def test_only_vms_the_listings_cannot_decide_cost_a_backup_status_query():
    other_vm = ref("vm-unsure")["id"]
    session = Session({other_vm.lower(): {"protectionStatus": "Protected", "vaultId": OTHER_VAULT_ID}})
    listings = Listings(session, [status_only("vm-unsure"), status_only("vm-here")], protected=["vm-here"], elsewhere_complete=False)
    results = precheck.precheck_vms(session, [ref("vm-unsure"), ref("vm-here")], listings)
    assert session.queries == [other_vm]
    assert decided(results) == {"vm-unsure": "Critical", "vm-here": "Passed"}
    assert listings.counts["backup_status_queries"] == 1


def test_a_per_vm_query_that_fails_is_that_vm_error_not_a_finding():
    class Failing(Session):
        def get(self, _location, body):
            raise precheck.AzureOperationError("read backup status", "try again later", status=503)

    session = Failing()
    listings = Listings(session, [status_only("vm-unsure")], elsewhere_complete=False)
    (vm_ref, answer, error), = precheck.precheck_vms(session, [ref("vm-unsure")], listings)
    assert answer is None and error.status == 503
