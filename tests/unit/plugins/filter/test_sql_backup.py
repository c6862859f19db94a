"""Grouping SQL Server VMs by vault for the sql_backup role (plugins/filter/sql_backup.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.azure_backup.recovery_services.plugins.filter.sql_backup import (sql_audit_rows, sql_audit_table, sql_backup_batches,
                                                                                          sql_backup_coverage)

HOSTVARS = {
    "sql1": {"azure_vm_name": "vm-sql-01", "azure_vm_resource_group": "rg-sql", "azure_backup_vault": "rsv-a",
             "azure_backup_sql": {"databases": [{"name": "sales"}], "policy": "sql-hourly"}},
    "web1": {"azure_vm_name": "vm-web-01", "azure_vm_resource_group": "rg-web", "azure_backup_vault": "rsv-a"},
    "sql2": {"azure_vm_name": "vm-sql-02", "azure_vm_resource_group": "rg-sql", "azure_backup_vault": "rsv-b",
             "azure_backup_vault_resource_group": "rg-b", "azure_backup_sql": {"auto_protect": [{"instance": "MSSQLSERVER"}]}},
}


def test_one_batch_per_vault_hosts_without_sql_ignored():
    defaults = {"vault_resource_group": "rg-backup", "policy": "HourlyLogBackup",
                "servers": [{"name": "vm-sql-03", "resource_group": "rg-sql", "vault": "rsv-a", "databases": [{"name": "hr"}]}]}
    batches = sql_backup_batches(HOSTVARS, ["sql1", "web1", "sql2"], defaults)
    assert [(batch["vault_name"], batch["resource_group"]) for batch in batches] == [("rsv-a", "rg-backup"), ("rsv-b", "rg-b")]
    assert [server["name"] for server in batches[0]["servers"]] == ["vm-sql-01", "vm-sql-03"]
    assert batches[0]["servers"][0]["policy"] == "sql-hourly" and batches[0]["servers"][1]["policy"] == "HourlyLogBackup"
    assert batches[1]["servers"][0]["auto_protect"] == [{"instance": "MSSQLSERVER"}]


def test_a_server_in_two_vaults_or_without_vault_is_refused():
    with pytest.raises(AnsibleFilterError, match="two vaults"):
        sql_backup_batches(HOSTVARS, ["sql1"], {"vault_resource_group": "rg", "servers": [{"name": "vm-sql-01", "resource_group": "rg-sql",
                                                                                          "vault": "rsv-z"}]})
    with pytest.raises(AnsibleFilterError, match="no vault"):
        sql_backup_batches({"h": {"azure_vm_name": "v", "azure_vm_resource_group": "g", "azure_backup_sql": {"databases": []}}}, ["h"], {})


def test_coverage_from_the_vault_runs_and_async_results():
    # vault_runs' results carry the batch as item; an async_status loop's the started job, whose item is the batch.
    registered = {"results": [
        {"item": {"vault_name": "rsv-a"}, "changed": True, "summary": {"total": 2, "changed": 1},
         "databases": [{"name": "a"}, {"name": "b", "error": "x"}], "servers": [], "auto_protection": [{"instance": "I"}], "failed": True, "msg": "1 failed"},
        {"item": {"ansible_job_id": "j1", "item": {"vault_name": "rsv-b"}}, "changed": False, "summary": {"total": 1, "changed": 0},
         "databases": [{"name": "c"}]},
        {"item": {"vault_name": "rsv-c"}, "failed": False, "msg": "policy x does not exist"}]}
    coverage = sql_backup_coverage(registered)
    assert [(entry["vault"], entry["databases"], entry["auto_protected"], len(entry["failed"]), entry["error"]) for entry in coverage] == [
        ("rsv-a", 2, 1, 1, "1 failed"), ("rsv-b", 1, 0, 0, ""), ("rsv-c", 0, 0, 0, "policy x does not exist")]


def test_audit_rows_and_table():
    registered = {"results": [
        {"item": {"vault_name": "rsv-a"}, "databases": [
            {"server": "rg/vm", "parent": "MSSQLSERVER", "name": "sales", "protected": True, "protection_state": "Protected", "policy": "p"},
            {"server": "rg/vm", "parent": "MSSQLSERVER", "name": "hr", "protected": False, "protection_state": "NotProtected", "policy": None}]},
        {"item": {"vault_name": "rsv-b"}, "failed": True, "msg": "vault not found"}]}
    rows = sql_audit_rows(registered)
    assert [(row["vault"], row["database"], row["protected"]) for row in rows] == [("rsv-a", "sales", True), ("rsv-a", "hr", False), ("rsv-b", None, False)]
    table = sql_audit_table(rows)
    assert table[1] == "rsv-a | rg/vm | MSSQLSERVER | sales | yes | Protected | p"
    assert table[2].endswith("| no | NotProtected | -") and table[3] == "rsv-b | error: vault not found"
