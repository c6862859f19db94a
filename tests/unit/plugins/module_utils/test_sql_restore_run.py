"""sql_restore's option checks (``_sql_restore_run.check_sql_restore_options``): each refusal names the option, before any request."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_restore_run import check_sql_restore_options

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
SERVER = {"name": "sql-1", "resource_group": "rg-sql"}


def options(**changes):
    params = {"vault_name": "rsv-prod", "resource_group": "rg-backup", "wait_timeout": 3600, "server": SERVER, "database": "sales",
              "target": "alternate", "confirm_overwrite": False, "point_in_time": None, "target_server": {"name": "sql-2", "resource_group": "rg-sql"},
              "target_instance": None, "target_database": "sales_copy", "overwrite": False, "target_directory": None}
    params.update(changes)
    return params


def test_source_and_target_servers_are_resolved():
    source, target = check_sql_restore_options(options(point_in_time="2026-11-01T10:00:00Z"), SUBSCRIPTION)
    assert (source["name"], target["name"]) == ("sql-1", "sql-2")
    assert source["id"] == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-sql/providers/Microsoft.Compute/virtualMachines/sql-1"


def test_original_needs_only_the_confirmation_and_has_no_target_server():
    source, target = check_sql_restore_options(options(target="original", confirm_overwrite=True, target_server=None, target_database=None),
                                               SUBSCRIPTION)
    assert source["name"] == "sql-1" and target is None


@pytest.mark.parametrize("changes, named", [
    ({"target": "original", "target_server": None, "target_database": None}, "set confirm_overwrite: true"),
    ({"target_database": None}, "target=alternate needs target_database"),
    ({"target": "files", "target_server": None, "target_database": None}, "target=files needs target_server and target_directory"),
    ({"target": "files", "target_directory": "D:\\restore"}, "target_database do not apply to target=files"),
    ({"point_in_time": "yesterday"}, "point_in_time: "),
    ({"wait_timeout": -1}, "wait_timeout must be 1 or more seconds, got -1"),
    ({"vault_name": ""}, "vault_name"),
    ({"server": {"id": "/not/a/vm"}}, "server"),
])
def test_bad_options_are_refused_naming_the_option(changes, named):
    with pytest.raises(Refusal) as refused:
        check_sql_restore_options(options(**changes), SUBSCRIPTION)
    assert named in refused.value.message
