"""The audit's backup server rows and table (plugins/filter/backup_servers.py)."""

from ansible_collections.azure_backup.recovery_services.plugins.filter.backup_servers import backup_server_rows, backup_server_table

LISTED = {"results": [
    {"item": ["rsv-weu", "rg-backup"], "servers": [
        {"name": "mabs-01", "kind": "MABS", "version": "14.0.30.0", "hours_since_contact": 1.5, "stale": False},
        {"name": "dpm-01", "kind": "DPM", "version": "10.22.0.0", "hours_since_contact": 72.0, "stale": True}], "stale": ["dpm-01"]},
    {"item": ["rsv-gone", "rg-backup"], "failed": True, "msg": "vault rsv-gone not found"},
    {"item": ["rsv-neu", "rg-backup"], "servers": [{"name": "win-01", "kind": "MARS", "version": "2.0.9600.0", "hours_since_contact": None,
                                                    "stale": True}], "stale": ["win-01"]},
]}


def test_rows_carry_the_vault_and_an_unlistable_vault_its_error():
    rows = backup_server_rows(LISTED)
    assert [(row["vault"], row["name"]) for row in rows] == [("rsv-weu", "mabs-01"), ("rsv-weu", "dpm-01"), ("rsv-gone", None), ("rsv-neu", "win-01")]
    assert rows[2]["error"] == "vault rsv-gone not found"
    assert rows[0]["resource_group"] == "rg-backup" and rows[1]["stale"]


def test_table_puts_errors_then_stale_servers_first():
    lines = backup_server_table(backup_server_rows(LISTED))
    assert lines[0].split() == ["STATUS", "SERVER", "KIND", "VERSION", "VAULT", "LAST", "CONTACT"]
    assert [line.split()[0] for line in lines[1:]] == ["ERROR", "STALE", "STALE", "OK"]
    assert lines[1].endswith("vault rsv-gone not found")
    assert lines[2].split()[1] == "win-01" and lines[2].endswith("never")  # stale ones by vault: rsv-neu before rsv-weu
    assert lines[3].split()[1] == "dpm-01" and lines[3].endswith("72.0 h ago")


def test_an_empty_audit_says_so():
    assert backup_server_table([])[-1] == "(no backup servers or MARS agents registered)"
