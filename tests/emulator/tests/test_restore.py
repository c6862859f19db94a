"""VM restore driven by the real SDKs: restore disks, a new VM, replace disks, rehydration, the refusals, clean-up."""

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import models as compute_models
from azure.mgmt.recoveryservicesbackup import models

from helpers import GROUP, SUBSCRIPTION
from restore_world import (DRILL_GROUP, DRILL_VNET, LINUX_VM, NORTH_STAGING, NORTH_VNET, NORTH_DRILL_GROUP, PREMIUM_STAGING, STAGING,
                           WINDOWS_VM, account_id, compute_client_for, group_id, names, new_vm_request, restore_estate, vm_id, vnet_id,
                           wait_until)
from vm_estate import APP_GROUP, VAULT

NETWORK_API = "2024-05-01"
VCPUS = {"Standard_D2s_v3": 2, "Standard_D4s_v5": 4}


@pytest.fixture(autouse=True)
def world(emu):
    emu.load_estate(restore_estate(quotas=[{"location": "westeurope", "cores": 32}]))
    emu.log.reset()


@pytest.fixture(scope="module")
def compute_client(emu, credential):
    return compute_client_for(emu, credential)


def points(backup_client, vm=LINUX_VM):
    """Newest first: [snapshot tier, vault tier, archive tier] in this world."""
    return [point.name for point in backup_client.recovery_points.list(VAULT, GROUP, "Azure", *names(vm))]


def trigger(backup_client, vm, point, body):
    """POST .../restore through the SDK without polling; the raw 202."""
    return backup_client.restores.begin_trigger(VAULT, GROUP, "Azure", *names(vm), point, body, polling=False,
                                                cls=lambda pipeline, *rest: pipeline.http_response).result()


def job_of(backup_client, response):
    """The Restore job a 202 started, once it has finished (followed as azure-cli does: operation status, then job)."""
    operation = response.headers["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[-1]
    status = wait_until(lambda: backup_client.backup_operation_statuses.get(VAULT, GROUP, operation), lambda value: value.status != "InProgress")
    assert status.status == "Succeeded" and status.properties.object_type == "OperationStatusJobExtendedInfo"
    return wait_until(lambda: backup_client.job_details.get(VAULT, GROUP, status.properties.job_id),
                      lambda job: job.properties.status not in ("InProgress", "Cancelling"))


def restore_disks_request(point, staging=STAGING, target_group=DRILL_GROUP):
    return models.RestoreRequestResource(properties=models.IaasVMRestoreRequest(
        recovery_point_id=point, recovery_type="RestoreDisks", source_resource_id=vm_id(LINUX_VM), region="westeurope",
        storage_account_id=account_id(staging), target_resource_group_id=group_id(target_group) if target_group else None,
        create_new_cloud_service=False, original_storage_account_option=False))


def test_restore_disks_answers_202_with_the_item_pair_then_disks_and_template_appear(backup_client, compute_client):
    point = points(backup_client)[0]
    response = trigger(backup_client, LINUX_VM, point, restore_disks_request(point))
    assert response.status_code == 202
    assert "/operationsStatus/" in response.headers["Azure-AsyncOperation"] and "/operationResults/" in response.headers["Location"]
    assert "Retry-After" not in response.headers  # the Backup RP sends none (see backup_operations.py)
    assert list(compute_client.disks.list_by_resource_group(DRILL_GROUP)) == []  # nothing before the job completes
    job = job_of(backup_client, response)
    assert job.properties.operation == "Restore" and job.properties.status == "Completed"
    assert job.properties.entity_friendly_name == LINUX_VM
    bag = job.properties.extended_info.property_bag
    assert bag["Job Type"] == "Recover disks" and bag["Target Storage Account Name"] == STAGING and bag["Target resource group"] == DRILL_GROUP
    assert bag["Template Blob Uri"].startswith(f"https://{STAGING}.blob.core.windows.net/{bag['Config Blob Container Name']}/azuredeploy")
    assert bag["Recovery point time "].endswith(("AM", "PM"))
    assert [task.task_id for task in job.properties.extended_info.tasks_list] == ["Transfer data"]
    (disk_id,) = bag["Restored Disk Ids"].split(",")
    disk = compute_client.disks.get(DRILL_GROUP, disk_id.rsplit("/", 1)[-1])
    assert disk.name.startswith(f"{LINUX_VM}-osdisk-") and disk.location == "westeurope" and disk.disk_state == "Unattached"
    assert disk.os_type == "Linux" and disk.id == disk_id


def test_restore_disks_without_target_group_stages_the_template_only(backup_client, compute_client):
    point = points(backup_client)[1]
    job = job_of(backup_client, trigger(backup_client, LINUX_VM, point, restore_disks_request(point, target_group=None)))
    assert job.properties.status == "Completed" and "Template Blob Uri" in job.properties.extended_info.property_bag
    assert "Restored Disk Ids" not in job.properties.extended_info.property_bag
    assert list(compute_client.disks.list_by_resource_group(DRILL_GROUP)) == []


def test_new_vm_appears_with_nic_in_the_subnet_and_disks_attached(backup_client, compute_client, raw):
    point = points(backup_client, WINDOWS_VM)[1]
    body = new_vm_request(point, vm=WINDOWS_VM, zones=["2"])
    job = job_of(backup_client, trigger(backup_client, WINDOWS_VM, point, body))
    assert job.properties.status == "Completed"
    bag = job.properties.extended_info.property_bag
    assert bag["Job Type"] == "Recover VM" and bag["Target VM Id"] == vm_id("vm-drill-01", DRILL_GROUP)
    vm = compute_client.virtual_machines.get(DRILL_GROUP, "vm-drill-01", expand="instanceView")
    assert vm.zones == ["2"] and vm.hardware_profile.vm_size == "Standard_D4s_v5" and vm.os_profile is None
    assert vm.storage_profile.os_disk.os_type == "Windows" and vm.storage_profile.os_disk.create_option == "Attach"
    assert vm.instance_view.statuses[1].code == "PowerState/running" and vm.instance_view.vm_agent.statuses[0].display_status == "Ready"
    assert vm.network_profile.network_interfaces[0].id == bag["Restored NIC Id"]
    disk = compute_client.disks.get(DRILL_GROUP, vm.storage_profile.os_disk.name)
    assert disk.managed_by == vm.id and disk.disk_state == "Attached" and disk.id in bag["Restored Disk Ids"].split(",")
    nic = raw.arm("GET", bag["Restored NIC Id"], api_version=NETWORK_API).json()
    config = nic["properties"]["ipConfigurations"][0]["properties"]
    assert config["subnet"]["id"].endswith(f"/{DRILL_VNET}/subnets/default") and config["privateIPAddress"] == "10.20.0.4"
    assert nic["properties"]["virtualMachine"]["id"] == vm.id
    subnet = raw.arm("GET", f"{vnet_id(DRILL_VNET)}/subnets/default", api_version=NETWORK_API).json()
    assert subnet["properties"]["ipConfigurations"] == [{"id": config_id} for config_id in [nic["properties"]["ipConfigurations"][0]["id"]]]


def test_replace_disks_swaps_the_os_disk_and_keeps_the_old_one(backup_client, compute_client):
    before = compute_client.virtual_machines.get(APP_GROUP, LINUX_VM)
    point = points(backup_client)[0]
    body = {"properties": {"objectType": "IaasVMRestoreRequest", "recoveryType": "OriginalLocation", "recoveryPointId": point,
                           "sourceResourceId": vm_id(LINUX_VM), "region": "westeurope", "storageAccountId": account_id(STAGING),
                           "originalStorageAccountOption": False}}
    job = job_of(backup_client, trigger(backup_client, LINUX_VM, point, body))
    bag = job.properties.extended_info.property_bag
    assert job.properties.status == "Completed" and bag["Job Type"] == "Replace disks"
    after = compute_client.virtual_machines.get(APP_GROUP, LINUX_VM)
    assert after.storage_profile.os_disk.managed_disk.id == bag["Restored Disk Ids"] != before.storage_profile.os_disk.managed_disk.id
    old = compute_client.disks.get(APP_GROUP, bag["Replaced Disk Ids"].rsplit("/", 1)[-1])
    assert old.disk_state == "Unattached" and old.managed_by is None
    assert after.vm_id == before.vm_id


def test_archive_point_needs_rehydration_and_then_restores(backup_client):
    archived = points(backup_client)[2]
    with pytest.raises(HttpResponseError) as refused:
        trigger(backup_client, LINUX_VM, archived, restore_disks_request(archived))
    assert refused.value.status_code == 400 and refused.value.error.code == "BMSUserErrorRecoveryPointArchived"
    request = models.RestoreRequestResource(properties=models.IaasVMRestoreWithRehydrationRequest(
        recovery_point_id=archived, recovery_type="RestoreDisks", source_resource_id=vm_id(LINUX_VM), region="westeurope",
        storage_account_id=account_id(STAGING), target_resource_group_id=group_id(DRILL_GROUP), create_new_cloud_service=False,
        original_storage_account_option=False,
        recovery_point_rehydration_info=models.RecoveryPointRehydrationInfo(rehydration_priority="High", rehydration_retention_duration="P15D")))
    job = job_of(backup_client, trigger(backup_client, LINUX_VM, archived, request))
    assert job.properties.status == "Completed" and job.properties.extended_info.property_bag["Restored Disk Ids"]


def test_sdk_poller_finishes_when_the_operation_ends(backup_client):
    point = points(backup_client)[1]
    assert backup_client.restores.begin_trigger(VAULT, GROUP, "Azure", *names(LINUX_VM), point, restore_disks_request(point)).result() is None


REFUSALS = [
    ({"storageAccountId": account_id(NORTH_STAGING)}, "BMSUserErrorStorageAccountLocationMismatch"),
    ({"storageAccountId": account_id(PREMIUM_STAGING)}, "BMSUserErrorUnsupportedStagingStorageAccount"),
    ({"storageAccountId": account_id("nosuchaccount")}, "BMSUserErrorStorageAccountNotFound"),
    ({"targetResourceGroupId": group_id("rg-missing"), "targetVirtualMachineId": vm_id("vm-drill-01", "rg-missing")},
     "BMSUserErrorTargetResourceGroupNotFound"),
    ({"targetVirtualMachineId": vm_id(WINDOWS_VM, APP_GROUP), "targetResourceGroupId": group_id(APP_GROUP)}, "BMSUserErrorVmAlreadyExists"),
    ({"virtualNetworkId": vnet_id(NORTH_VNET, NORTH_DRILL_GROUP), "subnetId": f"{vnet_id(NORTH_VNET, NORTH_DRILL_GROUP)}/subnets/default"},
     "BMSUserErrorVirtualNetworkLocationMismatch"),
    ({"subnetId": f"{vnet_id(DRILL_VNET)}/subnets/missing"}, "BMSUserErrorSubnetNotFound"),
    ({"region": "northeurope"}, "BMSUserErrorInvalidRestoreRegion"),
    ({"recoveryType": "Everywhere"}, "BMSUserErrorInvalidInput"),
    ({"zones": ["4"]}, "BMSUserErrorInvalidInput"),
]


@pytest.mark.parametrize("change, code", REFUSALS, ids=[code + str(index) for index, (dummy, code) in enumerate(REFUSALS)])
def test_refusals_create_nothing(backup_client, emu, raw, change, code):
    point = points(backup_client)[0]
    body = new_vm_request(point)
    body["properties"].update(change)
    response = raw.arm("POST", f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.RecoveryServices/vaults/{VAULT}"
                               f"/backupFabrics/Azure/protectionContainers/{names(LINUX_VM)[0]}/protectedItems/{names(LINUX_VM)[1]}"
                               f"/recoveryPoints/{point}/restore", body, api_version="2026-10-01")
    assert response.status_code == 400 and response.json()["error"]["code"] == code and "Retry-After" not in response.headers
    assert list(backup_client.backup_jobs.list(VAULT, GROUP, filter="operation eq 'Restore'")) == []
    created = emu.store.find(lambda key, dummy: key.startswith(group_id(DRILL_GROUP).lower() + "/providers/microsoft.compute/"))
    assert created == []


def test_quota_refusal_fails_the_job_and_creates_nothing(backup_client, compute_client, emu):
    emu.load_estate(restore_estate(quotas=[{"location": "westeurope", "cores": 28}]))  # the world's VMs use 26 vCPUs, the restore needs 4
    point = points(backup_client, WINDOWS_VM)[1]
    job = job_of(backup_client, trigger(backup_client, WINDOWS_VM, point, new_vm_request(point, vm=WINDOWS_VM)))
    assert job.properties.status == "Failed" and job.properties.error_details[0].error_title == "OperationNotAllowed"
    assert "Total Regional Cores quota" in job.properties.error_details[0].error_string
    with pytest.raises(ResourceNotFoundError):
        compute_client.virtual_machines.get(DRILL_GROUP, "vm-drill-01")
    assert list(compute_client.disks.list_by_resource_group(DRILL_GROUP)) == []


def test_drill_verifies_the_restored_vm_then_deletes_vm_nic_disks_and_network(backup_client, compute_client, emu, raw):
    point = points(backup_client)[1]
    bag = job_of(backup_client, trigger(backup_client, LINUX_VM, point, new_vm_request(point))).properties.extended_info.property_bag
    nic, disks = bag["Restored NIC Id"], bag["Restored Disk Ids"].split(",")
    check = compute_models.RunCommandInput(command_id="RunShellScript", script=["systemctl is-active nginx", "echo verified"])
    (output,) = compute_client.virtual_machines.begin_run_command(DRILL_GROUP, "vm-drill-01", check).result().value
    assert "[stdout]\nverified\n" in output.message
    in_use = raw.arm("DELETE", nic, api_version=NETWORK_API)
    assert in_use.status_code == 400 and in_use.json()["error"]["code"] == "NicInUse"
    attached = raw.arm("DELETE", disks[0], api_version="2025-01-02")
    assert attached.status_code == 409 and attached.json()["error"]["code"] == "OperationNotAllowed"
    busy = raw.arm("DELETE", vnet_id(DRILL_VNET), api_version=NETWORK_API)
    assert busy.status_code == 400 and busy.json()["error"]["code"] == "InUseSubnetCannotBeDeleted"
    emu.log.reset()
    compute_client.virtual_machines.begin_delete(DRILL_GROUP, "vm-drill-01").result()
    for disk in disks:
        compute_client.disks.begin_delete(DRILL_GROUP, disk.rsplit("/", 1)[-1]).result()
    gone = raw.arm("DELETE", nic, api_version=NETWORK_API)
    assert gone.status_code == 202 and gone.headers["Azure-AsyncOperation"] and gone.headers["Location"]
    wait_until(lambda: raw.arm("GET", nic, api_version=NETWORK_API).status_code, lambda status: status == 404)
    deleted = raw.arm("DELETE", vnet_id(DRILL_VNET), api_version=NETWORK_API)
    assert deleted.status_code == 202
    wait_until(lambda: raw.session.get(deleted.headers["Location"], headers={"Authorization": f"Bearer {raw.token()}"}).status_code,
               lambda status: status == 204)
    assert raw.arm("GET", vnet_id(DRILL_VNET), api_version=NETWORK_API).status_code == 404
    assert raw.arm("DELETE", vnet_id(DRILL_VNET), api_version=NETWORK_API).status_code == 204
    deletes = [entry for entry in raw.requests_since()["requests"] if entry["method"] == "DELETE"]
    assert {entry["path"].rsplit("/", 1)[-1] for entry in deletes} >= {"vm-drill-01", nic.rsplit("/", 1)[-1], DRILL_VNET,
                                                                       *(disk.rsplit("/", 1)[-1] for disk in disks)}
    with pytest.raises(ResourceNotFoundError):
        compute_client.virtual_machines.get(DRILL_GROUP, "vm-drill-01")


def test_network_put_is_created_then_provisioned_and_checks_prefixes(raw):
    path = vnet_id("vnet-new")
    body = {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.40.0.0/16"]},
                                                     "subnets": [{"name": "default", "properties": {"addressPrefix": "10.40.1.0/24"}}]}}
    created = raw.arm("PUT", path, body, api_version=NETWORK_API)
    assert created.status_code == 201 and created.json()["properties"]["provisioningState"] == "Updating"
    status = wait_until(lambda: raw.session.get(created.headers["Azure-AsyncOperation"],
                                                headers={"Authorization": f"Bearer {raw.token()}"}).json(),
                        lambda value: value["status"] != "InProgress")
    assert status == {"status": "Succeeded"}
    assert raw.arm("GET", path, api_version=NETWORK_API).json()["properties"]["provisioningState"] == "Succeeded"
    assert raw.arm("PUT", path, body, api_version=NETWORK_API).status_code == 200
    body["properties"]["subnets"][0]["properties"]["addressPrefix"] = "10.50.0.0/24"
    outside = raw.arm("PUT", path, body, api_version=NETWORK_API)
    assert outside.status_code == 400 and outside.json()["error"]["code"] == "NetcfgSubnetRangeOutsideVnet"


def test_staging_account_can_be_created_and_deleted(raw):
    path = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{DRILL_GROUP}/providers/Microsoft.Storage/storageAccounts/stdrillweu"
    body = {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    created = raw.arm("PUT", path, body, api_version="2023-05-01")
    assert created.status_code == 202 and "/asyncoperations/" in created.headers["Location"] and "Azure-AsyncOperation" not in created.headers
    account = wait_until(lambda: raw.session.get(created.headers["Location"], headers={"Authorization": f"Bearer {raw.token()}"}),
                         lambda response: response.status_code == 200).json()
    assert account["location"] == "westeurope" and account["kind"] == "StorageV2"
    assert raw.arm("PUT", path.replace("stdrillweu", "Bad_Name"), body, api_version="2023-05-01").json()["error"]["code"] == "AccountNameInvalid"
    assert raw.arm("DELETE", path, api_version="2023-05-01").status_code == 200
    assert raw.arm("DELETE", path, api_version="2023-05-01").status_code == 204


def test_usages_show_the_quota_a_restore_would_hit(compute_client):
    usages = {usage.name.value: usage for usage in compute_client.usage.list("westeurope")}
    assert usages["cores"].limit == 32 and usages["cores"].name.localized_value == "Total Regional vCPUs"
    sizes = [vm.hardware_profile.vm_size for vm in compute_client.virtual_machines.list_all() if vm.location == "westeurope"]
    assert usages["cores"].current_value == sum(VCPUS[size] for size in sizes)
    assert usages["virtualMachines"].current_value == len(sizes)


def test_soft_deleted_item_must_be_undeleted_before_a_restore(backup_client):
    point = points(backup_client)[1]
    backup_client.protected_items.delete(VAULT, GROUP, "Azure", *names(LINUX_VM))  # soft delete is on by default
    wait_until(lambda: backup_client.protected_items.get(VAULT, GROUP, "Azure", *names(LINUX_VM)).properties.is_scheduled_for_deferred_delete,
               bool)
    with pytest.raises(HttpResponseError) as refused:
        trigger(backup_client, LINUX_VM, point, restore_disks_request(point))
    assert refused.value.status_code == 400 and refused.value.error.code == "BMSUserErrorItemSoftDeleted"


def test_identity_based_restore_takes_the_staging_account_from_its_details(backup_client):
    point = points(backup_client)[1]
    request = restore_disks_request(point)
    request.properties.storage_account_id = None
    request.properties.identity_info = models.IdentityInfo(is_system_assigned_identity=True)
    request.properties.identity_based_restore_details = models.IdentityBasedRestoreDetails(target_storage_account_id=account_id(STAGING))
    job = job_of(backup_client, trigger(backup_client, LINUX_VM, point, request))
    assert job.properties.extended_info.property_bag["Target Storage Account Name"] == STAGING
