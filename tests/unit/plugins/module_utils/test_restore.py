"""Pure parts of VM restore: request bodies, what a finished job created, matching an earlier restore, paired regions."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _restore as restore
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal

SUB = "00000000-0000-0000-0000-000000000001"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-target"
VM = f"{GROUP}/providers/Microsoft.Compute/virtualMachines/vm-new"
POINT = {"name": "17960269743759", "properties": {"recoveryPointTime": "2026-11-28T21:05:07.1234567Z"}}


def job(bag, status="Completed"):
    return {"name": "job-1", "properties": {"status": status, "operation": "Restore", "startTime": "2026-11-30T08:00:00Z",
                                            "endTime": "2026-11-30T08:31:02.5Z", "extendedInfo": {"propertyBag": bag}}}


def test_new_vm_body_has_the_spec_fields_and_zone():
    targets = {"resource_group_id": GROUP, "vm_id": VM, "virtual_network_id": "/v", "subnet_id": "/v/subnets/default",
               "storage_account_id": "/st", "zone": "2"}
    body = restore.restore_properties(restore.NEW_VM, "1", "/src", "westeurope", targets)
    assert body["objectType"] == "IaasVMRestoreRequest" and body["recoveryType"] == "AlternateLocation"
    assert body["targetVirtualMachineId"] == VM and body["zones"] == ["2"] and body["storageAccountId"] == "/st"
    assert body["region"] == "westeurope" and body["sourceResourceId"] == "/src" and body["originalStorageAccountOption"] is False


def test_replace_disks_has_no_target_and_rehydration_changes_the_object_type():
    body = restore.restore_properties(restore.REPLACE_DISKS, "1", "/src", "westeurope", {}, {"priority": "High", "retention_days": 12})
    assert body["recoveryType"] == "OriginalLocation" and "targetResourceGroupId" not in body and "storageAccountId" not in body
    assert body["objectType"] == "IaasVMRestoreWithRehydrationRequest"
    assert body["recoveryPointRehydrationInfo"] == {"rehydrationPriority": "High", "rehydrationRetentionDuration": "P12D"}


def test_created_ids_and_summary_from_the_property_bag():
    finished = job({"Job Type": "Recover VM", "Restored Disk Ids": "/d1, /d2", "Target VM Id": VM, "Restored NIC Id": "/nic"})
    created = restore.created_ids(finished)
    assert created["disk_ids"] == ["/d1", "/d2"] and created["vm_id"] == VM and created["nic_id"] == "/nic" and created["replaced_disk_ids"] == []
    assert restore.job_summary(finished)["duration_seconds"] == 1862.5
    failed = job({}, "Failed")
    failed["properties"]["errorDetails"] = [{"errorTitle": "OperationNotAllowed", "errorString": "quota"}]
    assert restore.job_summary(failed)["error_code"] == "OperationNotAllowed"


def test_an_earlier_job_matches_on_type_point_time_and_target():
    bag = {"Job Type": "Recover VM", "Recovery point time ": "11/28/2026 9:05:07 PM", "Target VM Id": VM.lower()}
    assert restore.job_matches(job(bag), restore.NEW_VM, POINT, {"vm_id": VM})
    assert not restore.job_matches(job(dict(bag, **{"Recovery point time ": "11/28/2026 9:05:08 PM"})), restore.NEW_VM, POINT, {"vm_id": VM})
    assert not restore.job_matches(job(bag), restore.NEW_VM, POINT, {"vm_id": VM + "-2"})
    assert not restore.job_matches(job(bag), restore.RESTORE_DISKS, POINT, {"resource_group_id": GROUP})
    disks = {"Job Type": "Recover disks", "Recovery point time ": "11/28/2026 9:05:07 PM", "Target resource group": "RG-Target"}
    assert restore.job_matches(job(disks), restore.RESTORE_DISKS, POINT, {"resource_group_id": GROUP})


def test_paired_regions_both_ways_and_one_way():
    assert restore.paired_region("West Europe") == "northeurope" and restore.paired_region("northeurope") == "westeurope"
    assert restore.paired_region("westus3") == "eastus" and restore.paired_region("eastus") == "westus"
    assert restore.paired_region("qatarcentral") is None


def test_vcpus_from_size_names_and_names_or_ids():
    assert [restore.vcpus_of(size) for size in ("Standard_D4s_v5", "Standard_D2s_v3", "Standard_M416ms_v2", "Basic_A1", "odd")] == [4, 2, 416, 1, None]
    assert restore.id_or_name("st1", SUB, "rg", "Microsoft.Storage/storageAccounts") == \
        f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1"
    assert restore.id_or_name("/subscriptions/x/y", SUB, "rg", "T/t") == "/subscriptions/x/y"


class GoneSession:  # pylint: disable=too-few-public-methods
    """Every GET answers 404, as ARM does for a deleted resource."""

    @staticmethod
    def send(operation, method, path, api_version, body=None):  # pylint: disable=unused-argument
        raise AzureOperationError(operation, "not found", status=404, code="ResourceNotFound")


def test_replacing_the_disks_of_a_vm_that_is_gone_is_refused_before_any_write():
    with pytest.raises(Refusal, match=r"vm: vm-old no longer exists, so its disks cannot be replaced"):
        restore.check_targets(GoneSession(), restore.REPLACE_DISKS, {}, "westeurope", source_vm_id=VM.replace("vm-new", "vm-old"))
