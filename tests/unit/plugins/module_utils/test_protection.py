"""vm_protection planning and request bodies (_protection.py), and the helpers it uses (_names.py, _listings.py, _jobs.py)."""

from datetime import datetime, timezone

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _jobs as jobs
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _listings as listings
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _names as names
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _protection as protection

VM_ID = "/subscriptions/s/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1"


def item(state="Protected", policy="DefaultPolicy", soft_deleted=False):
    return {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/"
                  "protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app;vm1/protectedItems/VM;iaasvmcontainerv2;rg-app;vm1",
            "properties": {"sourceResourceId": VM_ID.replace("/subscriptions", "/Subscriptions"), "policyName": policy,
                           "policyId": f"/x/backupPolicies/{policy}", "protectionState": state, "isScheduledForDeferredDelete": soft_deleted}}


def wanted(state="present", policy="DefaultPolicy", retain="forever", backup_now=False):
    return {"state": state, "policy": policy, "retain": retain, "backup_now": backup_now}


@pytest.mark.parametrize("current, want, action, steps", [
    (None, wanted(), "protect", ["protect"]),
    (item(), wanted(), "none", []),
    (item(policy="defaultpolicy"), wanted(), "none", []),
    (item(), wanted(policy=None), "none", []),
    (item(), wanted(policy="EnhancedPolicy"), "change_policy", ["protect"]),
    (item(state="ProtectionStopped"), wanted(), "resume", ["protect"]),
    (item(state="BackupsSuspended"), wanted(), "resume", ["protect"]),
    (item(state="ProtectionStopped", soft_deleted=True), wanted(), "undelete_and_protect", ["undelete", "protect"]),
    (item(), wanted(backup_now=True), "backup", ["backup"]),
    (None, wanted(backup_now=True), "protect", ["protect", "backup"]),
    (None, wanted("stopped"), "none", []),
    (item(), wanted("stopped"), "stop", ["stop"]),
    (item(state="ProtectionStopped"), wanted("stopped"), "none", []),
    (item(state="ProtectionStopped"), wanted("stopped", retain="as_per_policy"), "stop", ["stop"]),
    (item(state="ProtectionStopped", soft_deleted=True), wanted("stopped"), "undelete", ["undelete"]),
    (item(state="ProtectionStopped", soft_deleted=True), wanted("stopped", retain="as_per_policy"), "undelete", ["undelete", "stop"]),
    (None, wanted("absent"), "none", []),
    (item(), wanted("absent"), "delete", ["delete"]),
    (item(state="ProtectionStopped", soft_deleted=True), wanted("absent"), "none", []),
])
def test_plan_actions(current, want, action, steps):
    plan = protection.plan_item(current, want)
    assert (plan["action"], plan["steps"], plan["error"]) == (action, steps, None)


def test_protecting_without_a_policy_is_an_error_for_that_vm():
    plan = protection.plan_item(None, wanted(policy=None))
    assert "policy is required to protect" in plan["error"]


def test_diff_views():
    plan = protection.plan_item(item(), wanted(policy="EnhancedPolicy"))
    assert plan["before"] == {"protection_state": "Protected", "policy": "DefaultPolicy"}
    assert plan["after"] == {"protection_state": "Protected", "policy": "EnhancedPolicy"}
    assert protection.item_view(item(state="ProtectionStopped", soft_deleted=True))["protection_state"] == "SoftDeleted"


def test_bodies():
    vm = protection.vm_item(VM_ID)
    assert protection.protect_body(vm, "/p") == {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines",
                                                                "sourceResourceId": VM_ID, "policyId": "/p"}}
    assert protection.stop_body(vm, "ProtectionStopped", "/p")["properties"]["policyId"] == ""
    assert protection.stop_body(vm, "BackupsSuspended", "/p")["properties"]["policyId"] == "/p"
    assert vm == {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": VM_ID}, "a body must not change the identity it is built from"
    undelete = protection.undelete_body(vm)["properties"]
    assert (undelete["isRehydrate"], undelete["protectionState"], undelete["policyId"]) == (True, "ProtectionStopped", "")


def test_backup_expiry():
    now = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    assert protection.backup_expiry(now=now) == "2026-12-24T10:00:00Z"
    assert protection.backup_expiry(retention_days=1, now=now) == "2026-11-25T10:00:00Z"
    assert protection.backup_expiry(expiry_date="2027-01-31", now=now) == "2027-01-31T00:00:00Z"
    for bad in ({"retention_days": 0}, {"retention_days": 36136}, {"expiry_date": "2026-11-24"}, {"expiry_date": "2126-01-01"},
                {"expiry_date": "31/01/2027"}):
        with pytest.raises(ValueError):
            protection.backup_expiry(now=now, **bad)


def test_name_forms():
    assert names.container_name("rg-app", "vm1") == "IaasVMContainer;iaasvmcontainerv2;rg-app;vm1"
    assert names.item_name("rg-app", "vm1") == "VM;iaasvmcontainerv2;rg-app;vm1"
    assert names.names_from_item_id(item()["id"]) == ("IaasVMContainer;iaasvmcontainerv2;rg-app;vm1", "VM;iaasvmcontainerv2;rg-app;vm1")


def test_items_match_vms_by_lower_cased_id():
    indexed = listings.index_by_vm_id([item(), {"properties": {"virtualMachineId": VM_ID.upper() + "2"}}])
    assert set(indexed) == {VM_ID.lower(), VM_ID.lower() + "2"}


def test_vm_refs():
    by_name = names.resolve_vm_ref({"name": "vm1", "resource_group": "rg-app"}, "s")
    by_id = names.resolve_vm_ref({"id": VM_ID}, "other")
    assert by_name["key"] == by_id["key"] == VM_ID.lower()
    assert by_id["subscription_id"] == "s"
    for bad in ({"name": "vm1"}, {"id": "/subscriptions/s/resourceGroups/rg"}):
        with pytest.raises(ValueError):
            names.resolve_vm_ref(bad, "s")


def test_filter_dates_and_terms():
    assert listings.filter_date(listings.parse_time("2026-11-24 22:30")) == "2026-11-24 10:30:00 PM"
    assert listings.filter_date(listings.parse_time("2026-11-24T01:00:00+01:00")) == "2026-11-24 12:00:00 AM"
    assert listings.odata_filter({"status": "Failed", "operation": None, "startTime": "x"}) == "status eq 'Failed' and startTime eq 'x'"
    assert listings.odata_filter({"a": None}) is None
    with pytest.raises(ValueError):
        listings.parse_time("yesterday")


def test_run_parallel_keeps_order_and_errors():
    def work(number):
        if number == 2:
            raise AzureOperationError("op", "boom")
        return number * 10
    results = jobs.run_parallel(work, [1, 2, 3], max_parallel=2)
    assert [(entry, result) for entry, result, dummy in results] == [(1, 10), (2, None), (3, 30)]
    assert "boom" in str(results[1][2])


@pytest.mark.parametrize("state", ["IRPending", "ProtectionError"])
def test_an_item_azure_protects_in_another_state_is_left_as_it_is(state):
    plan = protection.plan_item(item(state=state), wanted())
    assert (plan["action"], plan["steps"], plan["after"]) == ("none", [], {"protection_state": state, "policy": "DefaultPolicy"})


def test_states_and_policies_are_compared_without_case():
    assert protection.plan_item(item(state="protectionstopped"), wanted("stopped"))["action"] == "none"
    undelete = protection.plan_item(item(state="protectionstopped", soft_deleted=True), wanted("stopped"))
    assert undelete["steps"] == ["undelete"]
    assert protection.plan_item(item(policy="DEFAULTPOLICY", state="BackupsSuspended"), wanted())["after"]["policy"] == "DEFAULTPOLICY"
