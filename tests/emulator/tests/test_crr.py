"""Cross-region restore: the secondary region's recovery points and jobs, the access token, the CRR trigger.

The installed backup SDK has no passive-stamp client, so the CRR routes are called over HTTPS and
their answers deserialised with the SDK's models (RecoveryPointResource, OperationStatus, JobResource).
"""

import pytest
from azure.mgmt.recoveryservicesbackup import models

from helpers import GROUP, SUBSCRIPTION, vault_path
from restore_world import (LINUX_VM, NORTH_DRILL_GROUP, NORTH_STAGING, NORTH_VNET, STAGING, compute_client_for, names, new_vm_request,
                           restore_estate, vnet_id, wait_until)
from vm_estate import VAULT

CRR_API = "2021-11-15"
SECONDARY = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.RecoveryServices/locations/northeurope"
ITEM = f"{vault_path(VAULT)}/backupFabrics/Azure/protectionContainers/{names(LINUX_VM)[0]}/protectedItems/{names(LINUX_VM)[1]}"


@pytest.fixture(autouse=True)
def world(emu):
    emu.load_estate(restore_estate(crr=True))
    emu.log.reset()


def secondary_points(raw):
    response = raw.arm("GET", f"{ITEM}/recoveryPoints/", api_version=CRR_API)
    assert response.status_code == 200, response.text
    return [models.RecoveryPointResource(body) for body in response.json()["value"]]


def access_token(raw, point):
    aad = raw.arm("GET", f"{SECONDARY}/backupAadProperties", api_version=CRR_API).json()
    response = raw.arm("POST", f"{ITEM}/recoveryPoints/{point}/accessToken", {"properties": aad["properties"]}, api_version=CRR_API)
    assert response.status_code == 200, response.text
    return response.json()["properties"]


def crr_body(token, point, **change):
    request = new_vm_request(point, target="vm-crr-01", vnet=NORTH_VNET, vnet_group=NORTH_DRILL_GROUP, region="northeurope",
                             staging=NORTH_STAGING, target_group=NORTH_DRILL_GROUP)["properties"]
    request.update(change)
    return {"crossRegionRestoreAccessDetails": token, "restoreRequest": request}


def poll(raw, url):
    return raw.session.get(url, headers={"Authorization": f"Bearer {raw.token()}"})


def test_secondary_view_lists_only_replicated_vault_tier_points(backup_client, raw):
    primary = list(backup_client.recovery_points.list(VAULT, GROUP, "Azure", *names(LINUX_VM)))
    secondary = secondary_points(raw)
    assert len(primary) == 3 and [point.name for point in secondary] == [primary[1].name]  # not the fresh snapshot, not the archive
    assert [tier.type for tier in secondary[0].properties.recovery_point_tier_details] == ["HardenedRP"]
    one = raw.arm("GET", f"{ITEM}/recoveryPoints/{primary[0].name}", api_version=CRR_API)
    assert one.status_code == 404 and one.json()["error"]["code"] == "BMSUserErrorRecoveryPointNotFound"
    assert backup_client.recovery_points.get(VAULT, GROUP, "Azure", *names(LINUX_VM), primary[0].name).name == primary[0].name
    items = raw.arm("GET", f"{vault_path(VAULT)}/backupProtectedItems/", api_version=CRR_API)
    assert sorted(models.ProtectedItemResource(body).name for body in items.json()["value"]) == sorted(
        item.name for item in backup_client.backup_protected_items.list(VAULT, GROUP))


def test_vault_without_crr_has_no_secondary_view(emu, raw):
    emu.load_estate(restore_estate(crr=False))
    for response in (raw.arm("GET", f"{ITEM}/recoveryPoints/", api_version=CRR_API),
                     raw.arm("GET", f"{vault_path(VAULT)}/backupProtectedItems/", api_version=CRR_API),
                     raw.arm("POST", f"{SECONDARY}/backupCrrJobs", {"resourceId": vault_path(VAULT)}, api_version=CRR_API)):
        assert response.status_code == 400 and response.json()["error"]["code"] == "BMSUserErrorCrossRegionRestoreNotEnabledInThisVault"


def test_cross_region_restore_creates_the_vm_in_the_pair_with_its_own_job_list(backup_client, emu, credential, raw):
    point = secondary_points(raw)[0].name
    token = access_token(raw, point)
    assert token["objectType"] == "WorkloadCrrAccessToken" and token["recoveryPointId"] == point and token["resourceName"] == VAULT
    response = raw.arm("POST", f"{SECONDARY}/backupCrossRegionRestore", crr_body(token, point), api_version=CRR_API)
    assert response.status_code == 202, response.text
    assert "/locations/northeurope/backupCrrOperationsStatus/" in response.headers["Azure-AsyncOperation"]
    assert "/locations/northeurope/backupCrrOperationResults/" in response.headers["Location"]
    assert "Retry-After" not in response.headers  # as the primary Backup RP's 202s (docs/emulator.md)
    status = models.OperationStatus(wait_until(lambda: poll(raw, response.headers["Azure-AsyncOperation"]).json(),
                                               lambda body: body["status"] != "InProgress"))
    assert status.status == "Succeeded" and status.properties.job_id
    assert poll(raw, response.headers["Location"]).status_code == 200
    request = {"resourceId": vault_path(VAULT), "jobName": status.properties.job_id}
    job = models.JobResource(wait_until(lambda: raw.arm("POST", f"{SECONDARY}/backupCrrJob", request, api_version=CRR_API).json(),
                                        lambda body: body["properties"]["status"] != "InProgress"))
    assert job.properties.operation == "CrossRegionRestore" and job.properties.status == "Completed"
    assert job.id.lower().startswith(SECONDARY.lower() + "/backupjobs/")
    vm = compute_client_for(emu, credential).virtual_machines.get(NORTH_DRILL_GROUP, "vm-crr-01")
    assert vm.location == "northeurope" and vm.id == job.properties.extended_info.property_bag["Target VM Id"]
    listed = raw.arm("POST", f"{SECONDARY}/backupCrrJobs", {"resourceId": vault_path(VAULT)}, api_version=CRR_API).json()["value"]
    assert [body["name"] for body in listed] == [job.name] and "extendedInfo" not in listed[0]["properties"]
    assert list(backup_client.backup_jobs.list(VAULT, GROUP, filter="operation eq 'CrossRegionRestore'")) == []
    reads = [entry for entry in raw.requests_since()["requests"] if entry["path"].endswith(("/backupCrrJob", "/backupCrrJobs", "/accessToken"))]
    assert reads and not any(entry["write"] for entry in reads)


CRR_REFUSALS = [
    ("westeurope", {}, "BMSUserErrorInvalidRestoreRegion"),
    ("northeurope", {"storageAccountId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/{STAGING}"},
     "BMSUserErrorStorageAccountLocationMismatch"),
    ("northeurope", {"virtualNetworkId": vnet_id("vnet-drill"), "subnetId": f"{vnet_id('vnet-drill')}/subnets/default"},
     "BMSUserErrorVirtualNetworkLocationMismatch"),
]


@pytest.mark.parametrize("region, change, code", CRR_REFUSALS, ids=[entry[2] for entry in CRR_REFUSALS])
def test_cross_region_restore_refusals(raw, region, change, code):
    point = secondary_points(raw)[0].name
    token = access_token(raw, point)
    path = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.RecoveryServices/locations/{region}/backupCrossRegionRestore"
    response = raw.arm("POST", path, crr_body(token, point, **change), api_version=CRR_API)
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    listed = raw.arm("POST", f"{SECONDARY}/backupCrrJobs", {"resourceId": vault_path(VAULT)}, api_version=CRR_API).json()["value"]
    assert listed == []


def test_unknown_token_is_refused(raw):
    point = secondary_points(raw)[0].name
    token = dict(access_token(raw, point), accessTokenString="not-a-token")
    response = raw.arm("POST", f"{SECONDARY}/backupCrossRegionRestore", crr_body(token, point), api_version=CRR_API)
    assert response.status_code == 400 and response.json()["error"]["code"] == "BMSUserErrorInvalidCrrAccessToken"


def test_access_token_only_for_replicated_points(backup_client, raw):
    fresh = list(backup_client.recovery_points.list(VAULT, GROUP, "Azure", *names(LINUX_VM)))[0].name
    response = raw.arm("POST", f"{ITEM}/recoveryPoints/{fresh}/accessToken", {"properties": {}}, api_version=CRR_API)
    assert response.status_code == 404 and response.json()["error"]["code"] == "BMSUserErrorRecoveryPointNotFound"
