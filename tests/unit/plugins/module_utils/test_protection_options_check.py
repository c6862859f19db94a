"""The option checks of vm_protection and sql_protection (check_vm_options, check_sql_options): refused before any request."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_protection_run import check_sql_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vm_protection_run import check_vm_options

SUB = "00000000-0000-0000-0000-000000000001"
VM_ID = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app-01"
RUN = {"vault_name": "rsv-weu", "resource_group": "rg-backup", "wait_timeout": 600, "state": "present", "delete_backup_data": False,
       "max_parallel": 10, "policy": "vm-nightly", "backup_retention_days": None}


def vm_params(**given):
    params = dict(RUN, backup_now=False, backup_expiry=None, vm=None, vms=[{"id": VM_ID, "name": None, "resource_group": None, "policy": None}])
    params.update(given)
    return params


def server(**given):
    entry = {"id": None, "name": "sql-01", "resource_group": "rg-sql", "policy": None, "inquire": False, "databases": [], "auto_protect": []}
    entry.update(given)
    return entry


def sql_params(**given):
    params = dict(RUN, policy="sql-daily", backup_now=None,
                  servers=[server(databases=[{"name": "sales", "instance": None, "availability_group": None, "policy": None}])])
    params.update(given)
    return params


def test_vm_targets_take_the_task_policy_and_a_policy_id_of_the_vault():
    policy_id = f"/subscriptions/{SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-weu/backupPolicies/vm-weekly"
    vms = [{"id": VM_ID, "policy": None}, {"name": "vm-app-02", "resource_group": "rg-app", "policy": policy_id}]
    targets, expiry = check_vm_options(vm_params(vms=vms), SUB)
    assert [(target["ref"]["label"], target["policy"]) for target in targets] == [("rg-app/vm-app-01", "vm-nightly"), ("rg-app/vm-app-02", "vm-weekly")]
    assert expiry is None


@pytest.mark.parametrize("given, message", [
    ({"vms": [{"id": VM_ID}, {"name": "VM-APP-01", "resource_group": "RG-APP"}]}, r"vms\[1\]: VM RG-APP/VM-APP-01 is listed twice"),
    ({"vms": [{"id": VM_ID, "name": "vm-app-01"}]}, r"vms\[0\]: give a VM by id, or by name and resource_group, not both"),
    ({"backup_now": True, "backup_retention_days": 0}, "backup_retention_days is 0"),
    ({"state": "absent"}, "delete_backup_data: true"),
])
def test_vm_refusals(given, message):
    with pytest.raises(Refusal, match=message):
        check_vm_options(vm_params(**given), SUB)


def test_sql_servers_carry_their_container_and_policy():
    servers, expiry = check_sql_options(sql_params(backup_now="full", backup_retention_days=10), SUB)
    assert servers[0]["container"] == "VMAppContainer;Compute;rg-sql;sql-01"
    assert servers[0]["policy"] == "sql-daily"
    assert expiry is not None


@pytest.mark.parametrize("given, message", [
    ({"servers": [server(), server(name="SQL-01", resource_group="RG-SQL")]}, r"servers\[1\]: VM RG-SQL/SQL-01 is listed twice"),
    ({"servers": [server(id=VM_ID)]}, r"servers\[0\]: give a VM by id, or by name and resource_group, not both"),
    ({"backup_retention_days": 10}, "backup_retention_days applies only with backup_now full or copy_only_full"),
    ({"servers": [server(databases=[{"name": "a", "instance": "I", "availability_group": "AG"}])]}, "give instance or availability_group, not both"),
    ({"servers": [server(databases=[{"name": "a"}, {"name": "A"}])]}, r"servers\[0\]\.databases\[1\]: database A of mssqlserver is listed twice"),
    ({"policy": None, "servers": [server(auto_protect=[{"instance": "MSSQLSERVER"}])]}, "a policy is required to auto-protect"),
])
def test_sql_refusals(given, message):
    with pytest.raises(Refusal, match=message):
        check_sql_options(sql_params(**given), SUB)
