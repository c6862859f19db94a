"""Option names azure.azcollection spells differently are accepted as aliases, through the specs every module uses."""

from datetime import datetime, timezone

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import VM_ARGUMENT_SPEC, VM_REF_OPTIONS, resolve_vm_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import backup_expiry
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_policy_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC


def validated(spec, params):
    result = ArgumentSpecValidator(spec).validate(params)
    assert not result.error_messages
    return result.validated_parameters


def test_recovery_vault_name_is_vault_name():
    params = validated(VAULT_ARGUMENT_SPEC, {"recovery_vault_name": "rsv-prod-weu", "resource_group": "rg-backup"})
    assert params["vault_name"] == "rsv-prod-weu"


def test_the_vault_name_is_required_under_either_name():
    result = ArgumentSpecValidator(VAULT_ARGUMENT_SPEC).validate({"resource_group": "rg-backup"})
    assert "missing required arguments: vault_name" in " ".join(result.error_messages)


VM_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/web-01"


def test_resource_id_is_the_vm_id_in_vm_and_in_each_entry_of_vms():
    params = validated(dict(VM_ARGUMENT_SPEC, vms=dict(type="list", elements="dict", options=VM_REF_OPTIONS)),
                       {"vm": {"resource_id": VM_ID}, "vms": [{"resource_id": VM_ID}, {"name": "web-02", "resource_group": "rg-app"}]})
    assert params["vm"]["id"] == VM_ID and params["vms"][0]["id"] == VM_ID
    assert resolve_vm_ref(params["vm"], "s")["label"] == "rg-app/web-01"


def test_resource_id_beside_a_name_is_still_a_mix():
    params = validated(VM_ARGUMENT_SPEC, {"vm": {"resource_id": VM_ID, "name": "web-02"}})
    with pytest.raises(ValueError) as caught:
        resolve_vm_ref(params["vm"], "s")
    assert "not both" in str(caught.value)


SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
POLICY_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-backup/providers/microsoft.recoveryservices/vaults/rsv-prod/backupPolicies/ProdPolicy"


@pytest.mark.parametrize("value, name", [("vm-nightly", "vm-nightly"), (None, None), (POLICY_ID, "ProdPolicy"),
                                         (POLICY_ID.replace("rg-backup", "RG-BACKUP").replace("rsv-prod", "RSV-PROD"), "ProdPolicy")])
def test_a_policy_by_name_or_by_the_id_of_a_policy_of_this_vault(value, name):
    assert check_policy_ref(value, "policy", SUBSCRIPTION, "rg-backup", "rsv-prod") == name


@pytest.mark.parametrize("value, expect", [
    (POLICY_ID.replace("rsv-prod", "rsv-other"), "is a policy of vault rsv-other"),
    (POLICY_ID.replace("rg-backup", "rg-elsewhere"), "resource group rg-elsewhere"),
    (POLICY_ID.replace(SUBSCRIPTION, "00000000-0000-0000-0000-000000000002"), "subscription 00000000-0000-0000-0000-000000000002"),
    (POLICY_ID.replace("backupPolicies", "backupFabrics"), "is neither a policy name nor a backup policy id"),
    ("rsv-prod/ProdPolicy", "is neither a policy name nor a backup policy id"),
])
def test_a_policy_id_of_another_vault_or_not_a_policy_is_refused(value, expect):
    with pytest.raises(Refusal) as caught:
        check_policy_ref(value, "backup_policy_id", SUBSCRIPTION, "rg-backup", "rsv-prod")
    assert str(caught.value).startswith("backup_policy_id '") and expect in str(caught.value)


NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("given, expiry", [("2027-02-09T06:00:00Z", "2027-02-09T06:00:00Z"), ("2027-02-09T07:00:00+01:00", "2027-02-09T06:00:00Z"),
                                           ("2027-02-09T06:00:00", "2027-02-09T06:00:00Z"), ("2027-02-09", "2027-02-09T00:00:00Z")])
def test_backup_expiry_takes_a_date_or_a_time_as_recovery_point_expiry_time_does(given, expiry):
    assert backup_expiry(expiry_date=given, now=NOW) == expiry


@pytest.mark.parametrize("given, expect", [("2026-11-24T23:00:00Z", "must be between tomorrow"), ("next week", "is not a date: use YYYY-MM-DD, or a time")])
def test_a_past_or_unreadable_expiry_is_refused(given, expect):
    with pytest.raises(ValueError) as caught:
        backup_expiry(expiry_date=given, now=NOW)
    assert expect in str(caught.value)
