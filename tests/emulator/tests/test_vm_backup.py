"""Azure VM backup through azure-mgmt-recoveryservicesbackup 11.2.0: discovery, protection, on-demand
backup, jobs, recovery points, delete with soft delete, and the one-operation-id-at-four-URLs rule."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
from azure.mgmt.recoveryservicesbackup.models import (AzureIaaSVMJob, BackupStatusRequest, IaasVMRecoveryPoint, JobResource, OperationStatus,
                                                      OperationStatusJobExtendedInfo, ProtectedItemResource, ProtectionContainerResource,
                                                      RecoveryPointResource, WorkloadProtectableItemResource)

from backup_flow import (FABRIC, item_properties, names, operation_id, policy_id, protect, put_item, raw_response, refresh, trigger_backup,
                         vm_resource_id, wait_job, wait_operation)
from helpers import GROUP, SUBSCRIPTION, vault_path
from vm_estate import APP_GROUP, NORTH_GROUP, OTHER_VAULT, VAULT, vm_estate


@pytest.fixture(autouse=True)
def vm_world(emu, fresh_world):
    """The VM estate; Retry-After 0 so the clients fall back to a 0.1 s polling interval (keeps the run short)."""
    emu.load_estate(vm_estate())
    emu.settings.update({"retry_after": 0})


@pytest.fixture(scope="module")
def backup_client(emu, credential):
    return RecoveryServicesBackupClient(credential, SUBSCRIPTION, base_url=emu.endpoint, connection_verify=emu.ca_file,
                                        credential_scopes=["https://management.azure.com/.default"], polling_interval=0.1)


@pytest.fixture(scope="session")
def compute_client(emu, credential):
    return ComputeManagementClient(credential, SUBSCRIPTION, base_url=emu.endpoint,
                                   credential_scopes=["https://management.azure.com/.default"], connection_verify=emu.ca_file)


def protectable_names(client, vault=VAULT):
    items = list(client.backup_protectable_items.list(vault, GROUP, filter="backupManagementType eq 'AzureIaasVM' and workloadType eq 'VM'"))
    assert all(isinstance(item, WorkloadProtectableItemResource) for item in items)
    return sorted(item["properties"]["friendlyName"] for item in items)


def test_nothing_is_protectable_before_a_refresh(backup_client):
    assert protectable_names(backup_client) == []


def test_refresh_202_location_then_204_and_status(backup_client, raw):
    started = raw.arm("POST", f"{vault_path(VAULT)}/backupFabrics/Azure/refreshContainers", api_version="2026-10-01")
    # Both polling headers and no Retry-After, as in Azure's recorded answers.
    assert started.status_code == 202 and "Retry-After" not in started.headers
    assert "/backupFabrics/Azure/operationsStatus/" in started.headers["Azure-AsyncOperation"]
    assert operation_id(started.headers["Location"]) == operation_id(started.headers["Azure-AsyncOperation"])
    polled = raw.session.get(started.headers["Azure-AsyncOperation"], headers={"Authorization": f"Bearer {raw.token()}"})
    assert polled.status_code == 200 and polled.json()["status"] == "InProgress" and "Retry-After" not in polled.headers
    op = refresh(backup_client)
    status = raw.arm("GET", f"{vault_path(VAULT)}/backupFabrics/Azure/operationsStatus/{op}", api_version="2026-10-01")
    assert status.status_code == 200 and status.json()["status"] == "Succeeded"
    posts = [entry for entry in raw.requests_since()["requests"] if entry["method"] == "POST" and entry["kind"] == "arm"]
    assert posts[0]["status"] == 202 and posts[0]["write"] is True


def test_protectable_items_exclude_other_region_and_protected_elsewhere(backup_client):
    refresh(backup_client)
    found = protectable_names(backup_client)
    assert "vm-north" not in found and "vm-protected" not in found
    assert found == sorted(["vm-linux-01", "vm-win-01", "vm-stopped", "vm-deallocated", "vm-noagent", "vm-agent-down",
                            "vm-specialised", "vm-snapshot-failed"])
    item = next(iter(backup_client.backup_protectable_items.list(VAULT, GROUP, filter="backupManagementType eq 'AzureIaasVM'")))
    assert item["properties"]["protectableItemType"] == "Microsoft.Compute/virtualMachines"
    assert item.name.startswith("VM;iaasvmcontainerv2;rg-app-weu;")


def test_a_vm_created_after_the_refresh_is_not_listed_until_the_next(backup_client, emu):
    refresh(backup_client)
    emu.load_estate(vm_estate([{"name": "vm-late", "resourceGroup": APP_GROUP}, {"name": "vm-later", "resourceGroup": APP_GROUP}]))
    assert "vm-late" not in protectable_names(backup_client)
    refresh(backup_client)
    assert "vm-late" in protectable_names(backup_client)


def test_containers_filter_by_friendly_name_status_and_management_type(backup_client):
    for vm in ("vm-linux-01", "vm-win-01"):
        protect(backup_client, vm)

    def listed(filter_text):
        return [container.name for container in backup_client.backup_protection_containers.list(VAULT, GROUP, filter=filter_text)]
    both = listed("backupManagementType eq 'AzureIaasVM' and status eq 'Registered'")
    assert both == ["IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm-linux-01", "IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm-win-01"]
    assert listed("backupManagementType eq 'AzureIaasVM' and status eq 'Registered' and friendlyName eq 'VM-WIN-01'") == [both[1]]
    assert listed("backupManagementType eq 'AzureIaasVM' and status eq 'NotRegistered'") == []
    assert listed("backupManagementType eq 'AzureWorkload'") == []


def test_protecting_needs_no_refresh_as_templates_and_terraform_do(backup_client):
    """Azure's quickstart templates, Bicep modules and Terraform PUT the item without refreshContainers first."""
    item = protect(backup_client, "vm-linux-01")
    assert item.as_dict()["properties"]["protectionState"] == "IRPending"
    with pytest.raises(HttpResponseError) as caught:
        protect(backup_client, "vm-north", group=NORTH_GROUP)  # exists, but in another region than the vault
    assert caught.value.error.code == "BMSUserErrorInvalidConfigureProtectionRequest"


def test_full_flow_protect_backup_job_recovery_point(backup_client, compute_client, raw, emu):
    emu.settings.update({"retry_after": 1})
    refresh(backup_client)
    raw.control("POST", "requests/reset")
    item = protect(backup_client, "vm-linux-01")
    assert isinstance(item, ProtectedItemResource)
    properties = item.as_dict()["properties"]
    assert properties["protectionState"] == "IRPending" and properties["policyName"] == "DefaultPolicy"
    assert properties["containerName"] == "iaasvmcontainerv2;rg-app-weu;vm-linux-01"
    assert item.name == "VM;iaasvmcontainerv2;rg-app-weu;vm-linux-01"
    put = raw.requests_since()["requests"][0]
    assert (put["method"], put["status"]) == ("PUT", 202)
    assert "vm-linux-01" not in protectable_names(backup_client)

    container, item_name = names("vm-linux-01")
    assert isinstance(backup_client.protection_containers.get(VAULT, GROUP, FABRIC, container), ProtectionContainerResource)
    started = trigger_backup(backup_client, "vm-linux-01")
    assert started.http_response.status_code == 202
    headers = started.http_response.headers
    assert "/protectedItems/" in headers["Azure-AsyncOperation"] and "/operationsStatus/" in headers["Azure-AsyncOperation"]
    status = wait_operation(backup_client, operation_id(headers["Azure-AsyncOperation"]))
    assert status.status == "Succeeded" and isinstance(status.properties, OperationStatusJobExtendedInfo)
    job = backup_client.job_details.get(VAULT, GROUP, status.properties.job_id)
    assert isinstance(job, JobResource) and isinstance(job.properties, AzureIaaSVMJob)
    assert (job.properties.operation, job.properties.entity_friendly_name) == ("Backup", "vm-linux-01")
    assert job.properties.status == "InProgress"
    assert [task.task_id for task in job.properties.extended_info.tasks_list] == ["Take Snapshot", "Transfer data to vault"]
    # Snapshot taken, data still moving: Azure reads 100 % while the job is InProgress.
    assert job.properties.extended_info.progress_percentage == 100.0
    finished = wait_job(backup_client, status.properties.job_id)
    assert finished.properties.status == "Completed" and finished.properties.duration.total_seconds() > 0
    listed = raw.arm("GET", f"{vault_path(VAULT)}/backupJobs", api_version="2026-10-01").json()["value"]
    assert listed and all(not {"extendedInfo", "errorDetails", "isUserTriggered"} & set(entry["properties"]) for entry in listed)

    points = list(backup_client.recovery_points.list(VAULT, GROUP, FABRIC, container, item_name))
    assert len(points) == 1 and isinstance(points[0], RecoveryPointResource)
    point = points[0].properties
    assert isinstance(point, IaasVMRecoveryPoint)
    assert points[0].name.isdigit() and point.os_type == "Linux" and point.is_instant_ilr_session_active is False
    assert [tier.type for tier in point.recovery_point_tier_details] == ["InstantRP", "HardenedRP"]
    assert backup_client.recovery_points.get(VAULT, GROUP, FABRIC, container, item_name, points[0].name).name == points[0].name
    after = item_properties(backup_client, "vm-linux-01", expand=True)
    assert after["protectionState"] == "Protected" and after["lastBackupStatus"] == "Completed"
    assert after["extendedInfo"]["recoveryPointCount"] == 1
    view = compute_client.virtual_machines.instance_view(APP_GROUP, "vm-linux-01")
    assert [extension.name for extension in view.extensions] == ["VMSnapshotLinux"]
    storage = raw.arm("GET", f"{vault_path(VAULT)}/backupstorageconfig/vaultstorageconfig", api_version="2026-10-01").json()
    assert storage["properties"]["storageTypeState"] == "Locked"


def test_backup_of_a_vm_that_vanished_fails(backup_client, emu):
    refresh(backup_client)
    protect(backup_client, "vm-win-01")
    emu.store.delete(vm_resource_id("vm-win-01"))  # VMs are read-only here: remove it behind the emulator's back
    started = trigger_backup(backup_client, "vm-win-01")
    status = wait_operation(backup_client, operation_id(started.http_response.headers["Azure-AsyncOperation"]))
    job = wait_job(backup_client, status.properties.job_id)
    assert job.properties.status == "Failed" and job.properties.error_details[0].error_title == "UserErrorVmNotFoundV2"
    item = item_properties(backup_client, "vm-win-01")
    assert (item["lastBackupStatus"], item["healthStatus"]) == ("Failed", "ActionRequired")
    reply = backup_client.backup_status.get("westeurope", BackupStatusRequest(resource_type="VM", resource_id=vm_resource_id("vm-win-01")))
    assert (reply.protection_status, reply.error_code) == ("ProtectionFailed", "UserErrorVmNotFoundV2")


def test_one_operation_id_answers_at_four_urls(backup_client, raw):
    refresh(backup_client)
    container, item_name = names("vm-win-01")
    body = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": vm_resource_id("vm-win-01"),
                           "policyId": policy_id()}}
    started = backup_client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container, item_name, body, polling=False)
    headers = started.polling_method()._initial_response.http_response.headers  # pylint: disable=protected-access
    op = operation_id(headers["Azure-AsyncOperation"])
    assert operation_id(headers["Location"]) == op and "Retry-After" not in headers  # the Backup RP sends none (recorded answers)
    running = backup_client.protected_item_operation_results.get(VAULT, GROUP, FABRIC, container, item_name, op, cls=raw_response)
    assert running.http_response.status_code == 202 and "Retry-After" not in running.http_response.headers
    item_status = backup_client.protected_item_operation_statuses.get(VAULT, GROUP, FABRIC, container, item_name, op)
    assert isinstance(item_status, OperationStatus) and item_status.status == "InProgress"
    final = wait_operation(backup_client, op)
    assert final.status == "Succeeded" and final.properties.job_id
    assert backup_client.protected_item_operation_statuses.get(VAULT, GROUP, FABRIC, container, item_name, op).status == "Succeeded"
    result = backup_client.protected_item_operation_results.get(VAULT, GROUP, FABRIC, container, item_name, op)
    assert isinstance(result, ProtectedItemResource) and result.name == "VM;iaasvmcontainerv2;rg-app-weu;vm-win-01"
    vault_result = raw.arm("GET", f"{vault_path(VAULT)}/backupOperationResults/{op}", api_version="2016-12-01")
    assert vault_result.status_code == 200
    configure = backup_client.job_details.get(VAULT, GROUP, final.properties.job_id)
    assert (configure.properties.operation, configure.properties.status) == ("ConfigureBackup", "Completed")


def test_refusals_like_azure(backup_client):
    refresh(backup_client)
    for vm, group in (("vm-north", "rg-app-neu"), ("vm-protected", APP_GROUP), ("vm-nope", APP_GROUP)):
        with pytest.raises(HttpResponseError) as caught:
            protect(backup_client, vm, group=group)
        assert caught.value.status_code == 400
        assert caught.value.error.code == "BMSUserErrorInvalidConfigureProtectionRequest"
    with pytest.raises(HttpResponseError) as caught:
        protect(backup_client, "vm-linux-01", policy="NoSuchPolicy")
    assert caught.value.error.code == "BMSUserErrorPolicyNotExist"
    with pytest.raises(HttpResponseError) as caught:
        protect(backup_client, "vm-linux-01", policy="HourlyLogBackup")
    assert caught.value.error.code == "BMSUserErrorInvalidPolicyForGivenProvider"
    with pytest.raises(ResourceNotFoundError) as caught:
        item_properties(backup_client, "vm-linux-01")
    assert caught.value.error.code == "BMSUserErrorDataSourceObjectNotFound"


def test_modify_stop_resume(backup_client):
    refresh(backup_client)
    protect(backup_client, "vm-win-01")
    assert protect(backup_client, "vm-win-01", policy="EnhancedPolicy").as_dict()["properties"]["policyType"] == "V2"
    stopped = put_item(backup_client, "vm-win-01", {"policyId": "", "protectionState": "ProtectionStopped"}).as_dict()["properties"]
    assert stopped["protectionState"] == "ProtectionStopped" and stopped["policyId"] == ""
    suspended = put_item(backup_client, "vm-win-01", {"policyId": policy_id(), "protectionState": "BackupsSuspended"})
    assert suspended.as_dict()["properties"]["protectionState"] == "BackupsSuspended"
    resumed = protect(backup_client, "vm-win-01").as_dict()["properties"]
    assert resumed["protectionState"] == "IRPending" and resumed["policyName"] == "DefaultPolicy"
    operations = [job.properties.operation for job in backup_client.backup_jobs.list(VAULT, GROUP)]
    assert operations.count("ConfigureBackup") == 3 and operations.count("DisableBackup") == 2


def test_delete_with_soft_delete_keeps_the_item_then_undelete(backup_client, rs_client):
    refresh(backup_client)
    protect(backup_client, "vm-linux-01")
    container, item_name = names("vm-linux-01")
    started = backup_client.protected_items.delete(VAULT, GROUP, FABRIC, container, item_name, cls=raw_response)
    headers = started.http_response.headers
    assert started.http_response.status_code == 202
    assert "/vaults/rsv-vms/backupOperations/" in headers["Azure-AsyncOperation"]
    assert "/vaults/rsv-vms/backupOperationResults/" in headers["Location"]
    assert wait_operation(backup_client, operation_id(headers["Azure-AsyncOperation"])).status == "Succeeded"
    deleted = item_properties(backup_client, "vm-linux-01")
    assert deleted["isScheduledForDeferredDelete"] is True and deleted["protectionState"] == "ProtectionStopped"
    deferred = datetime.fromisoformat(deleted["deferredDeleteTimeInUTC"].replace("Z", "+00:00"))
    assert timedelta(0) <= datetime.now(timezone.utc) - deferred < timedelta(minutes=1)  # the time of deletion (recorded answers)
    assert deleted["softDeleteRetentionPeriod"] == 14 and "softDeleteRetentionPeriodInDays" not in deleted
    assert deleted["deferredDeleteTimeRemaining"].startswith("13.") or deleted["deferredDeleteTimeRemaining"].startswith("14.")
    listed = list(backup_client.backup_protected_items.list(VAULT, GROUP, filter="backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"))
    assert [item.name for item in listed] == ["VM;iaasvmcontainerv2;rg-app-weu;vm-linux-01"]
    with pytest.raises(HttpResponseError) as caught:
        rs_client.vaults.begin_delete(GROUP, VAULT).result()
    assert caught.value.error.code == "ServiceResourceNotEmptyWithContainerDetails"
    undeleted = put_item(backup_client, "vm-linux-01", {"policyId": "", "protectionState": "ProtectionStopped", "isRehydrate": True})
    assert undeleted.as_dict()["properties"]["isScheduledForDeferredDelete"] is False


def test_delete_without_soft_delete_removes_item_points_and_container(backup_client, raw):
    refresh(backup_client)
    protect(backup_client, "vm-linux-01")
    config = raw.arm("PATCH", f"{vault_path(VAULT)}/backupconfig/vaultconfig", {"properties": {"softDeleteFeatureState": "Disabled"}},
                     api_version="2026-10-01")
    assert config.status_code == 200
    container, item_name = names("vm-linux-01")
    started = backup_client.protected_items.delete(VAULT, GROUP, FABRIC, container, item_name, cls=raw_response)
    wait_operation(backup_client, operation_id(started.http_response.headers["Azure-AsyncOperation"]))
    assert list(backup_client.backup_protected_items.list(VAULT, GROUP)) == []
    with pytest.raises(ResourceNotFoundError):
        backup_client.protection_containers.get(VAULT, GROUP, FABRIC, container)
    assert "vm-linux-01" in [item["properties"]["friendlyName"] for item in backup_client.backup_protectable_items.list(VAULT, GROUP)]


def test_seeded_recovery_points_and_date_filter(backup_client):
    client_vault = OTHER_VAULT
    container, item_name = names("vm-protected")
    points = list(backup_client.recovery_points.list(client_vault, GROUP, FABRIC, container, item_name))
    assert len(points) == 3
    times = [point.properties.recovery_point_time for point in points]
    assert times == sorted(times, reverse=True)
    start = (datetime.now(timezone.utc) - timedelta(hours=36)).strftime("%Y-%m-%d %I:%M:%S %p")
    end = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%d %I:%M:%S %p")
    recent = list(backup_client.recovery_points.list(client_vault, GROUP, FABRIC, container, item_name,
                                                     filter=f"startDate eq '{start}' and endDate eq '{end}'"))
    assert len(recent) == 2
    assert [tier.type for tier in points[-1].properties.recovery_point_tier_details] == ["HardenedRP"]


def test_archive_tier_points_from_the_estate(backup_client, emu):
    emu.load_estate(vm_estate([{"name": "vm-archived", "resourceGroup": APP_GROUP,
                                "protectedBy": {"vault": VAULT, "resourceGroup": GROUP,
                                                "recoveryPoints": [{"daysAgo": 0, "tier": "snapshot"}, {"daysAgo": 200, "tier": "archive"}]}}]))
    container, item_name = names("vm-archived")
    points = list(backup_client.recovery_points.list(VAULT, GROUP, FABRIC, container, item_name))
    assert [[tier.type for tier in point.properties.recovery_point_tier_details] for point in points] == \
        [["InstantRP", "HardenedRP"], ["ArchivedRP"]]
    assert item_properties(backup_client, "vm-archived")["protectionState"] == "Protected"


def test_protected_items_page_at_200(backup_client, emu, raw):
    emu.load_estate(vm_estate([{"generate": {"count": 450, "namePrefix": "bulk-", "resourceGroup": APP_GROUP,
                                             "protectedBy": {"vault": VAULT, "resourceGroup": GROUP}}}]))
    raw.control("POST", "requests/reset")
    items = list(backup_client.backup_protected_items.list(VAULT, GROUP, filter="backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"))
    assert len(items) == 450 and len({item.name for item in items}) == 450
    assert all(item["properties"]["protectedItemType"] == "Microsoft.Compute/virtualMachines" for item in items)
    assert len(raw.requests_since()["requests"]) == 3
    policy = backup_client.protection_policies.get(VAULT, GROUP, "DefaultPolicy")
    assert policy.properties.protected_items_count == 450


def test_jobs_filter_and_cancel(backup_client):
    refresh(backup_client)
    protect(backup_client, "vm-win-01")
    trigger_backup(backup_client, "vm-win-01")
    running_filter = "operation eq 'Backup' and status eq 'InProgress' and backupManagementType eq 'AzureIaasVM'"
    running = list(backup_client.backup_jobs.list(VAULT, GROUP, filter=running_filter))
    assert len(running) == 1
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%d %I:%M:%S %p")
    assert len(list(backup_client.backup_jobs.list(VAULT, GROUP, filter=f"startTime eq '{since}'"))) == 2
    cancelled = backup_client.job_cancellations.trigger(VAULT, GROUP, running[0].name, cls=raw_response)
    assert cancelled.http_response.status_code == 202 and "Retry-After" not in cancelled.http_response.headers
    assert f"/backupJobs/{running[0].name}/operationsStatus/" in cancelled.http_response.headers["Azure-AsyncOperation"]
    assert f"/backupJobs/{running[0].name}/operationResults/" in cancelled.http_response.headers["Location"]
    assert wait_job(backup_client, running[0].name).properties.status == "Cancelled"
    container, item_name = names("vm-win-01")
    assert list(backup_client.recovery_points.list(VAULT, GROUP, FABRIC, container, item_name)) == []


def test_a_job_ends_on_its_own_clock_not_when_it_is_read(backup_client, emu):
    """Nobody polls while the job runs: its endTime and duration are still the job's own (2 × lro_delay)."""
    protect(backup_client, "vm-linux-01")
    started = trigger_backup(backup_client, "vm-linux-01")
    status = wait_operation(backup_client, operation_id(started.http_response.headers["Azure-AsyncOperation"]))
    time.sleep(2.0)  # far past the job's end, with no request in between
    job = backup_client.job_details.get(VAULT, GROUP, status.properties.job_id).properties
    assert job.status == "Completed"
    expected = 2 * emu.settings.lro_delay
    assert expected - 0.05 <= job.duration.total_seconds() < expected + 0.5
    assert (job.end_time - job.start_time).total_seconds() < expected + 0.5


def test_backup_validation(backup_client):
    refresh(backup_client)
    protect(backup_client, "vm-linux-01")
    with pytest.raises(HttpResponseError) as caught:
        trigger_backup(backup_client, "vm-linux-01", expiry=datetime.now(timezone.utc) - timedelta(days=1))
    assert caught.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        trigger_backup(backup_client, "vm-win-01")
