"""Grouping hosts into vault batches and summarising results (plugins/filter/vm_backup.py)."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.azure_backup.recovery_services.plugins.filter import vm_backup as filters

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"


def vm_id(group, name):
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


HOSTVARS = {
    "web-01": {"azure_vm_name": "vm-web-01", "azure_vm_resource_group": "rg-app", "azure_backup_vault": "rsv-weu", "azure_backup_policy": "nightly"},
    "web-02": {"azure_vm_id": vm_id("rg-app", "vm-web-02"), "azure_backup_vault": "rsv-weu"},
    # azure_rm dynamic inventory host variables, vault from a keyed group's variables
    "api-neu_1a2b": {"id": vm_id("rg-neu", "vm-api"), "name": "vm-api", "resource_group": "rg-neu", "azure_backup_vault": "rsv-neu",
                     "azure_backup_vault_resource_group": "rg-backup-neu", "azure_backup_policy": "neu-daily"},
    "mars-01": {"ansible_host": "10.0.0.5"},
    "localhost": {},
}
DEFAULTS = {"vaults": [{"name": "rsv-weu", "resource_group": "rg-backup"}], "policy": "DefaultPolicy"}


def test_one_batch_per_vault_with_host_order_and_policies():
    batches = filters.vm_backup_batches(HOSTVARS, list(HOSTVARS), DEFAULTS)
    assert [(batch["resource_group"], batch["vault_name"]) for batch in batches] == [("rg-backup-neu", "rsv-neu"), ("rg-backup", "rsv-weu")]
    weu = batches[1]
    assert weu["hosts"] == ["web-01", "web-02"]
    assert weu["vms"] == [{"name": "vm-web-01", "resource_group": "rg-app", "policy": "nightly"},
                          {"id": vm_id("rg-app", "vm-web-02"), "policy": "DefaultPolicy"}]
    assert weu["targets"] == [{"name": "vm-web-01", "resource_group": "rg-app"}, {"id": vm_id("rg-app", "vm-web-02")}]
    assert batches[0]["vms"] == [{"id": vm_id("rg-neu", "vm-api"), "policy": "neu-daily"}]


def test_skipped_vms_are_left_out_and_empty_vaults_dropped():
    skipped = [{"id": vm_id("rg-neu", "vm-api"), "name": "vm-api", "resource_group": "rg-neu", "reason": "agent not ready"},
               {"id": vm_id("rg-app", "vm-web-01"), "name": "vm-web-01", "resource_group": "rg-app", "reason": "stopped"}]
    batches = filters.vm_backup_batches(HOSTVARS, list(HOSTVARS), DEFAULTS, skipped)
    assert [batch["vault_name"] for batch in batches] == ["rsv-weu"]
    assert batches[0]["hosts"] == ["web-02"]


def test_extra_vms_and_default_vault():
    defaults = {"vault": "rsv-weu", "vault_resource_group": "rg-backup", "vms": [{"name": "vm-x", "resource_group": "rg-app"}]}
    batches = filters.vm_backup_batches({}, [], defaults)
    assert batches == [{"vault_name": "rsv-weu", "resource_group": "rg-backup", "hosts": ["vm-x"],
                        "targets": [{"name": "vm-x", "resource_group": "rg-app"}], "vms": [{"name": "vm-x", "resource_group": "rg-app"}],
                       "label": "rsv-weu (1 VMs)"}]


def test_a_vm_twice_in_one_vault_counts_once_and_in_two_vaults_fails():
    hostvars = {"a": {"azure_vm_name": "vm1", "azure_vm_resource_group": "RG", "azure_backup_vault": "rsv-weu"},
                "b": {"azure_vm_id": vm_id("rg", "VM1"), "azure_backup_vault": "rsv-weu"}}
    assert filters.vm_backup_batches(hostvars, ["a", "b"], DEFAULTS)[0]["hosts"] == ["a"]
    hostvars["b"]["azure_backup_vault"] = "rsv-other"
    hostvars["b"]["azure_backup_vault_resource_group"] = "rg-backup"
    with pytest.raises(AnsibleFilterError, match="two vaults"):
        filters.vm_backup_batches(hostvars, ["a", "b"], DEFAULTS)


@pytest.mark.parametrize("variables, message", [
    ({"azure_vm_name": "vm1", "azure_vm_resource_group": "rg"}, "no vault"),
    ({"azure_vm_name": "vm1", "azure_vm_resource_group": "rg", "azure_backup_vault": "rsv-unknown"}, "no resource group for vault rsv-unknown"),
])
def test_missing_vault_settings_fail_naming_the_host(variables, message):
    with pytest.raises(AnsibleFilterError, match=f"host h1: {message}"):
        filters.vm_backup_batches({"h1": variables}, ["h1"], {"vaults": DEFAULTS["vaults"]})


def finding(check, status, reason):
    return {"check": check, "status": status, "reason": reason}


PRECHECK = {"results": [
    {"item": {"vault_name": "rsv-weu", "resource_group": "rg-backup"}, "vms": [
        {"id": vm_id("rg-app", "vm-web-01"), "name": "vm-web-01", "resource_group": "rg-app", "status": "Passed",
         "findings": [finding("vm_exists", "Passed", "exists")]},
        {"id": vm_id("rg-app", "vm-old"), "name": "vm-old", "resource_group": "rg-app", "status": "Critical",
         "findings": [finding("agent_ready", "Critical", "VM agent is Not Ready"), finding("power_state", "Warning", "stopped")]},
        {"id": vm_id("rg-app", "vm-batch"), "name": "vm-batch", "resource_group": "rg-app", "status": "Warning",
         "findings": [finding("power_state", "Warning", "VM is stopped")]}]},
    {"item": {"vault_name": "rsv-neu", "resource_group": "rg-backup-neu", "targets": [{"name": "vm-api", "resource_group": "rg-neu"}]},
     "failed": True, "msg": "vault rsv-neu not found"},
]}


def test_precheck_skips_keep_the_critical_reasons_and_vault():
    """Only Critical VMs are skipped: a vault whose pre-check failed (an error, not a reason Azure gave) skips nothing."""
    assert filters.precheck_skips(PRECHECK) == [
        {"id": vm_id("rg-app", "vm-old"), "name": "vm-old", "resource_group": "rg-app", "vault": "rsv-weu", "vault_resource_group": "rg-backup",
         "reason": "VM agent is Not Ready"}]


def test_a_vm_that_could_not_be_checked_is_an_error_row_and_never_skipped():
    registered = {"results": [{"item": {"vault_name": "rsv-weu", "resource_group": "rg-backup"}, "failed": True, "vms": [
        {"id": vm_id("rg-app", "vm-1"), "name": "vm-1", "resource_group": "rg-app", "status": "Error", "findings": [],
         "error": "could not check the VM: read backup status failed (HTTP 429)"}]}]}
    rows = filters.precheck_rows(registered)
    assert [(row["name"], row["status"], row["reason"]) for row in rows] == [("vm-1", "Error", "could not check the VM: read backup status failed (HTTP 429)")]
    assert filters.precheck_skips(registered) == []
    assert filters.precheck_failures(registered) == [{"id": vm_id("rg-app", "vm-1"), "name": "vm-1", "resource_group": "rg-app", "vault": "rsv-weu",
                                                      "vault_resource_group": "rg-backup",
                                                      "reason": "could not check the VM: read backup status failed (HTTP 429)"}]


def test_async_status_results_unwrap_to_their_batch():
    """The roles register async_status over async jobs: each result's item is the job, whose item is the batch."""
    batch = {"vault_name": "rsv-weu", "resource_group": "rg-backup", "targets": [{"name": "vm-1", "resource_group": "rg-app"}]}
    registered = {"results": [{"item": {"ansible_job_id": "j1.1", "started": 1, "finished": 0, "item": batch}, "finished": 1, "vms": [
        {"id": vm_id("rg-app", "vm-1"), "name": "vm-1", "resource_group": "rg-app", "status": "Passed", "findings": []}]}]}
    assert [(row["vault"], row["vault_resource_group"], row["name"]) for row in filters.precheck_rows(registered)] == [("rsv-weu", "rg-backup", "vm-1")]


def test_precheck_rows_name_vault_status_and_reason():
    rows = filters.precheck_rows(PRECHECK)
    assert [(row["vault"], row["name"], row["status"]) for row in rows] == [
        ("rsv-weu", "vm-web-01", "Passed"), ("rsv-weu", "vm-old", "Critical"), ("rsv-weu", "vm-batch", "Warning"), ("rsv-neu", "vm-api", "Error")]
    assert rows[2]["reason"] == "VM is stopped"


def test_reasons_with_the_same_subject_say_it_once():
    stopped = ["VM is deallocated: its backups are crash-consistent and its agent cannot be checked",
               "VM is deallocated: the agent status cannot be checked"]
    assert filters.merge_reasons(stopped) == "VM is deallocated: its backups are crash-consistent and its agent cannot be checked"
    # Different details of one subject are kept, once; different subjects stay apart, in order.
    assert filters.merge_reasons(["Azure pre-validation failed: UserErrorVmNotFound: gone", "VM is stopped",
                                  "Azure pre-validation failed: UserErrorKeyVaultPermissionsNotConfigured: no key access", "VM is stopped"]) == \
        "Azure pre-validation failed: UserErrorVmNotFound: gone; UserErrorKeyVaultPermissionsNotConfigured: no key access; VM is stopped"
    vm = {"findings": [{"status": "Warning", "reason": text} for text in stopped] + [{"status": "Passed", "reason": "VM is running"}]}
    assert filters.reasons(vm, "Warning").count("VM is deallocated") == 1


def test_precheck_table_is_aligned_worst_first():
    lines = filters.precheck_table(PRECHECK)
    assert lines[0].split() == ["STATUS", "VM", "RESOURCE", "GROUP", "VAULT", "REASON"]
    assert [line.split()[0] for line in lines[1:]] == ["Error", "Critical", "Warning", "Passed"]
    starts = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(starts) == 1  # the VM column starts at the same place on every line


PROTECTION = {"results": [
    {"item": {"vault_name": "rsv-weu", "resource_group": "rg-backup", "vms": []}, "changed": True, "vms": [
        {"id": vm_id("rg-app", "vm-web-01"), "name": "vm-web-01", "action": "protect", "changed": True, "policy": "nightly", "protection_state": "IRPending"},
        {"id": vm_id("rg-app", "vm-batch"), "name": "vm-batch", "action": "none", "changed": False, "policy": "nightly", "protection_state": "Protected"},
        {"id": vm_id("rg-app", "vm-gone"), "name": "vm-gone", "action": "protect", "changed": False, "error": "VM was not found"}]},
    {"item": {"vault_name": "rsv-dev", "resource_group": "rg-backup", "vms": [{"name": "vm-dev", "resource_group": "rg-dev"}]},
     "failed": True, "msg": "policy p1 does not exist in vault rsv-dev"},
]}


def test_backup_coverage_per_vault():
    skipped = filters.precheck_skips(PRECHECK)
    coverage = filters.backup_coverage(PROTECTION, PRECHECK, skipped)
    by_vault = {entry["vault"]: entry for entry in coverage}
    assert [entry["vault"] for entry in coverage] == ["rsv-dev", "rsv-neu", "rsv-weu"]
    weu = by_vault["rsv-weu"]
    assert weu["totals"] == {"protected": 2, "unprotected": 0, "skipped": 1, "failed": 1}
    assert weu["changed"] == 1
    assert weu["protected"][1] == {"name": "vm-batch", "policy": "nightly", "protection_state": "Protected", "action": "none", "warning": "VM is stopped"}
    assert weu["failed"] == [{"name": "vm-gone", "error": "VM was not found"}]
    # rsv-neu's pre-check run failed: its VM was never checked, so it is failed, not skipped
    assert by_vault["rsv-neu"]["failed"] == [{"name": "vm-api", "error": "pre-check failed: vault rsv-neu not found"}]
    assert by_vault["rsv-dev"]["failed"] == [{"name": "vm-dev", "error": "policy p1 does not exist in vault rsv-dev"}]


def test_ineligible_vms_are_skipped_only_under_the_skip_gate_and_other_errors_always_fail():
    results = {"results": [{"item": {"vault_name": "rsv-weu", "resource_group": "rg-backup"}, "failed": True, "vms": [
        {"id": vm_id("rg-app", "vm-far"), "name": "vm-far", "action": "protect", "changed": False, "ineligible": True,
         "error": "VM is in northeurope but the vault is in westeurope"},
        {"id": vm_id("rg-app", "vm-429"), "name": "vm-429", "action": "protect", "changed": False, "error": "pre-check failed: HTTP 429"}]}]}
    skipping = filters.backup_coverage(results, skip_ineligible=True)[0]
    assert skipping["skipped"] == [{"name": "vm-far", "reason": "VM is in northeurope but the vault is in westeurope"}]
    assert skipping["failed"] == [{"name": "vm-429", "error": "pre-check failed: HTTP 429"}]
    assert filters.backup_coverage(results)[0]["totals"] == {"protected": 0, "unprotected": 0, "skipped": 0, "failed": 2}


def test_planned_coverage_counts_pending_changes_as_unprotected():
    coverage = filters.backup_coverage({"results": PROTECTION["results"][:1]}, planned=True)
    assert coverage[0]["totals"] == {"protected": 1, "unprotected": 1, "skipped": 0, "failed": 1}
    assert coverage[0]["unprotected"][0]["action"] == "protect"


def test_coverage_table_totals_and_reasons():
    lines = filters.coverage_table(filters.backup_coverage(PROTECTION, PRECHECK, filters.precheck_skips(PRECHECK)))
    assert lines[0].split() == ["VAULT", "PROTECTED", "UNPROTECTED", "SKIPPED", "FAILED", "CHANGED"]
    assert lines[4].split() == ["TOTAL", "2", "0", "1", "3", "1"]
    assert "skipped  rsv-weu/vm-old: VM agent is Not Ready" in lines
    assert "failed   rsv-weu/vm-gone: VM was not found" in lines


def test_filters_are_registered():
    assert set(filters.FilterModule().filters()) == {"vm_backup_batches", "host_variables", "precheck_rows", "precheck_skips", "precheck_failures",
                                                     "precheck_table", "backup_coverage", "coverage_table"}


def test_host_variables_keep_only_what_the_batches_read():
    hostvars = {"vm-1": {"azure_vm_name": "vm-1", "azure_vm_resource_group": "rg-app", "azure_backup_vault": "rsv-weu", "ansible_host": "10.0.0.4"},
                "db-1": {"id": "/subscriptions/s/resourceGroups/rg-db/providers/Microsoft.Compute/virtualMachines/db-1",
                         "azure_backup_vault": "rsv-weu", "azure_backup_sql": {"databases": ["sales"]}},
                "web": {"ansible_host": "10.0.0.9"}}
    found = filters.host_variables(hostvars, ["vm-1", "db-1", "web"])
    assert json.loads(found) == {
        "vm-1": {"azure_vm_name": "vm-1", "azure_vm_resource_group": "rg-app", "azure_backup_vault": "rsv-weu"},
        "db-1": {"id": hostvars["db-1"]["id"], "azure_backup_vault": "rsv-weu", "azure_backup_sql": {"databases": ["sales"]}},
        "web": {}}
    defaults = {"vault_resource_group": "rg-backup"}
    assert filters.vm_backup_batches(found, ["vm-1", "db-1", "web"], defaults) == filters.vm_backup_batches(hostvars, ["vm-1", "db-1", "web"], defaults)
