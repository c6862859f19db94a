"""Azure Files backup through azure-mgmt-recoveryservicesbackup 11.2.0: storage accounts and shares, registration
and its lock, inquiry, AzureStorage policies, protection, on-demand backup, recovery points, restores, unregister."""

import time
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from azure.core.exceptions import HttpResponseError
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
from azure.mgmt.recoveryservicesbackup.models import (AzureFileShareBackupRequest, AzureFileShareProtectableItem, AzureFileShareProtectionPolicy,
                                                      AzureFileShareRecoveryPoint, AzureFileShareRestoreRequest, AzureFileshareProtectedItem,
                                                      AzureStorageContainer, AzureStorageJob, AzureStorageProtectableContainer,
                                                      BackupRequestResource, ProtectedItemResource, ProtectionContainerResource,
                                                      RestoreFileSpecs, RestoreRequestResource, TargetAFSRestoreInfo)

from backup_flow import operation_id, raw_response
from helpers import DEMO, GROUP, SUBSCRIPTION, vault_path

VAULT = "rsv-files"
FILES_GROUP = "rg-files-weu"
FABRIC = "Azure"
STORAGE = "Microsoft.Storage/storageAccounts"
STORAGE_FILTER = "backupManagementType eq 'AzureStorage'"
SHARE_FILTER = "backupManagementType eq 'AzureStorage' and workloadType eq 'AzureFileShare'"


def account_id(name, group=FILES_GROUP):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{STORAGE}/{name}"


def container(name, group=FILES_GROUP):
    return f"StorageContainer;Storage;{group};{name}"


def file_share_estate():
    estate = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    estate["resourceGroups"].append({"subscription": SUBSCRIPTION, "name": FILES_GROUP, "location": "westeurope"})
    estate["vaults"] = [{"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": VAULT, "location": "westeurope"},
                        {"subscription": SUBSCRIPTION, "resourceGroup": GROUP, "name": "rsv-other", "location": "westeurope"}]
    accounts = [("stfilesweu", "westeurope", "StorageV2", "Standard_LRS", ["finance", "hr", {"name": "nfsdata", "protocol": "NFS"}]),
                ("stpremweu", "westeurope", "FileStorage", "Premium_LRS", 2),
                ("stblobweu", "westeurope", "BlobStorage", "Standard_LRS", []),
                ("sttargetweu", "westeurope", "StorageV2", "Standard_GRS", ["restore-target"]),
                ("stfilesneu", "northeurope", "StorageV2", "Standard_LRS", ["north"])]
    estate["storageAccounts"] = [{"subscription": SUBSCRIPTION, "resourceGroup": FILES_GROUP, "name": name, "location": location,
                                  "kind": kind, "sku": sku, "fileShares": shares} for name, location, kind, sku, shares in accounts]
    return estate


@pytest.fixture(autouse=True)
def files_world(emu, fresh_world):
    emu.load_estate(file_share_estate())
    emu.settings.update({"retry_after": 0})


@pytest.fixture(scope="module")
def client(emu, credential):
    return RecoveryServicesBackupClient(credential, SUBSCRIPTION, base_url=emu.endpoint, connection_verify=emu.ca_file,
                                        credential_scopes=["https://management.azure.com/.default"], polling_interval=0.1)


def wait_container_operation(client, name, started, vault=VAULT):
    """Poll a container operation's Location until it stops answering 202 (azure-cli's track_register_operation)."""
    op = operation_id(started.http_response.headers["Location"])
    for dummy in range(60):
        polled = client.protection_container_operation_results.get(vault, GROUP, FABRIC, container(name), op, cls=raw_response)
        if polled.http_response.status_code != 202:
            return polled.http_response
        time.sleep(0.05)
    raise AssertionError("container operation never finished")


def register(client, name, vault=VAULT):
    body = ProtectionContainerResource(properties=AzureStorageContainer(source_resource_id=account_id(name), friendly_name=name,
                                                                        backup_management_type="AzureStorage",
                                                                        acquire_storage_account_lock="Acquire"))
    return client.protection_containers.begin_register(vault, GROUP, FABRIC, container(name), body).result()


def inquire(client, name):
    started = client.protection_containers.inquire(VAULT, GROUP, FABRIC, container(name), filter="workloadType eq 'AzureFileShare'",
                                                   cls=raw_response)
    assert started.http_response.status_code == 202
    return wait_container_operation(client, name, started)


def protectable(client):
    return list(client.backup_protectable_items.list(VAULT, GROUP, filter=SHARE_FILTER))


def daily_policy(count=30):
    return {"properties": {"backupManagementType": "AzureStorage", "workLoadType": "AzureFileShare", "timeZone": "UTC",
                           "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                                              "scheduleRunTimes": ["2026-01-01T19:30:00Z"]},
                           "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                                               "dailySchedule": {"retentionTimes": None,
                                                                 "retentionDuration": {"count": count, "durationType": "Days"}}}}}


def create_policy(client, name="FileSharePolicy", body=None):
    return client.protection_policies.create_or_update(VAULT, GROUP, name, body or daily_policy())


def protect(client, account, share_item_name, policy="FileSharePolicy"):
    properties = AzureFileshareProtectedItem(source_resource_id=account_id(account), policy_id=f"{vault_path(VAULT)}/backupPolicies/{policy}")
    return client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container(account), share_item_name,
                                                         ProtectedItemResource(properties=properties)).result()


def protected_share(client, account="stfilesweu", share="finance"):
    """Register, inquire, create the policy and protect ``share``: (item name, item)."""
    register(client, account)
    inquire(client, account)
    create_policy(client)
    name = next(item.name for item in protectable(client) if item.properties.friendly_name == share)
    return name, protect(client, account, name)


def wait_job(client, job_name):
    for dummy in range(80):
        job = client.job_details.get(VAULT, GROUP, job_name)
        if job.properties.status != "InProgress":
            return job
        time.sleep(0.1)
    raise AssertionError("job never finished")


def backup_now(client, account, item_name, expiry=None):
    request = BackupRequestResource(properties=AzureFileShareBackupRequest(recovery_point_expiry_time_in_utc=expiry))
    started = client.backups.trigger(VAULT, GROUP, FABRIC, container(account), item_name, request, cls=raw_response)
    assert started.http_response.status_code == 202
    op = operation_id(started.http_response.headers["Azure-AsyncOperation"])
    for dummy in range(60):
        status = client.backup_operation_statuses.get(VAULT, GROUP, op)
        if status.status != "InProgress":
            return status.properties["jobId"]
        time.sleep(0.05)
    raise AssertionError("backup trigger never finished")


def error_code(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.status_code, caught.value.error.code


# --- storage --------------------------------------------------------------------------------------

def test_accounts_listed_with_kind_and_shares_with_protocol(raw):
    listed = raw.arm("GET", f"/subscriptions/{SUBSCRIPTION}/providers/{STORAGE}", api_version="2023-05-01").json()["value"]
    kinds = {account["name"]: account["kind"] for account in listed}
    assert kinds["stpremweu"] == "FileStorage" and kinds["stblobweu"] == "BlobStorage" and kinds["stfilesweu"] == "StorageV2"
    shares = raw.arm("GET", f"{account_id('stfilesweu')}/fileServices/default/shares", api_version="2023-05-01").json()["value"]
    assert {share["name"]: share["properties"]["enabledProtocols"] for share in shares} == {"finance": "SMB", "hr": "SMB", "nfsdata": "NFS"}
    missing = raw.arm("GET", f"{account_id('stfilesweu')}/fileServices/default/shares/nope", api_version="2023-05-01")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ShareNotFound"


# --- discovery and registration -------------------------------------------------------------------

def test_refresh_lists_supported_accounts_of_the_vault_region(client):
    started = client.protection_containers.refresh(VAULT, GROUP, FABRIC, filter=STORAGE_FILTER, cls=raw_response)
    assert started.http_response.status_code == 202
    op = operation_id(started.http_response.headers["Location"])
    for dummy in range(50):
        if client.protection_container_refresh_operation_results.get(VAULT, GROUP, FABRIC, op, cls=raw_response).http_response.status_code == 204:
            break
        time.sleep(0.05)
    found = list(client.protectable_containers.list(VAULT, GROUP, FABRIC, filter=SHARE_FILTER))
    assert all(isinstance(entry.properties, AzureStorageProtectableContainer) for entry in found)
    assert sorted(entry.properties.friendly_name for entry in found) == ["stfilesweu", "stpremweu", "sttargetweu"]
    assert found[0].properties.container_id.startswith(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{FILES_GROUP}/")


def test_protectable_containers_without_a_filter_list_every_kind_and_other_kinds_none(client):
    """$filter is optional (spec): no filter lists the storage accounts too; a kind no protectable container has lists none."""
    started = client.protection_containers.refresh(VAULT, GROUP, FABRIC, filter=STORAGE_FILTER, cls=raw_response)
    op = operation_id(started.http_response.headers["Location"])
    for dummy in range(50):
        if client.protection_container_refresh_operation_results.get(VAULT, GROUP, FABRIC, op, cls=raw_response).http_response.status_code == 204:
            break
        time.sleep(0.05)
    unfiltered = list(client.protectable_containers.list(VAULT, GROUP, FABRIC))
    assert sorted(entry.properties.friendly_name for entry in unfiltered) == ["stfilesweu", "stpremweu", "sttargetweu"]
    assert list(client.protectable_containers.list(VAULT, GROUP, FABRIC, filter="backupManagementType eq 'AzureIaasVM'")) == []


def test_register_adds_the_backup_lock_and_the_container(client, raw):
    registered = register(client, "stfilesweu")
    assert isinstance(registered.properties, AzureStorageContainer)
    assert registered.properties.registration_status == "Registered" and registered.properties.protected_item_count == 0
    locks = raw.arm("GET", f"{account_id('stfilesweu')}/providers/Microsoft.Authorization/locks", api_version="2020-05-01").json()["value"]
    assert [(lock["name"], lock["properties"]["level"]) for lock in locks] == [("AzureBackupProtectionLock", "CanNotDelete")]
    listed = list(client.backup_protection_containers.list(VAULT, GROUP, filter=STORAGE_FILTER))
    assert [entry.name for entry in listed] == [container("stfilesweu")]
    assert list(client.backup_protection_containers.list(VAULT, GROUP, filter="backupManagementType eq 'AzureIaasVM'")) == []


@pytest.mark.parametrize("account, code", [("stblobweu", "UserErrorFileShareEndpointUnreachable"),
                                           ("stfilesneu", "BMSUserErrorStorageAccountLocationMismatch"),
                                           ("stmissing", "UserErrorStorageAccountNotFound")])
def test_register_refusals(client, raw, account, code):
    assert error_code(lambda: register(client, account)) == (400, code)
    assert raw.arm("GET", f"{vault_path(VAULT)}/backupFabrics/Azure/protectionContainers/{container(account)}").status_code == 404
    assert not [entry for entry in raw.requests_since()["requests"] if entry["write"] and entry["status"] < 300]


def test_an_account_belongs_to_one_vault(client):
    register(client, "stfilesweu")
    assert error_code(lambda: register(client, "stfilesweu", vault="rsv-other")) == (400, "BMSUserErrorContainerAlreadyRegistered")
    register(client, "stfilesweu")  # the same vault may register it again


def test_inquiry_makes_smb_shares_protectable(client):
    register(client, "stfilesweu")
    assert protectable(client) == []
    assert inquire(client, "stfilesweu").status_code == 204
    items = protectable(client)
    assert all(isinstance(item.properties, AzureFileShareProtectableItem) for item in items)
    assert sorted(item.properties.friendly_name for item in items) == ["finance", "hr"]
    assert items[0].name.startswith("azurefileshare;") and items[0].properties.parent_container_friendly_name == "stfilesweu"


# --- policies -------------------------------------------------------------------------------------

def test_policies_daily_hourly_and_vaulted(client):
    daily = create_policy(client)
    assert isinstance(daily.properties, AzureFileShareProtectionPolicy)
    assert daily.properties.retention_policy.daily_schedule.retention_times[0].hour == 19
    hourly = daily_policy()
    hourly["properties"]["schedulePolicy"] = {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Hourly",
                                              "hourlySchedule": {"interval": 4, "scheduleWindowStartTime": "2026-01-01T08:00:00Z",
                                                                 "scheduleWindowDuration": 12}}
    made = create_policy(client, "Hourly", hourly)
    assert made.properties.retention_policy.daily_schedule.retention_times[0].hour == 20  # the window's end, as the spec example
    vaulted = daily_policy()
    vaulted["properties"]["vaultRetentionPolicy"] = {"snapshotRetentionInDays": 5, "vaultRetention": vaulted["properties"].pop("retentionPolicy")}
    vaulted["properties"]["vaultRetentionPolicy"]["vaultRetention"]["dailySchedule"]["retentionDuration"]["count"] = 365
    made = create_policy(client, "Vaulted", vaulted)
    assert made.properties.vault_retention_policy.snapshot_retention_in_days == 5
    listed = {policy.name for policy in client.backup_policies.list(VAULT, GROUP, filter=STORAGE_FILTER)}
    assert listed == {"FileSharePolicy", "Hourly", "Vaulted"}


@pytest.mark.parametrize("change", [
    lambda body: body["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"].update(count=201),
    lambda body: body["properties"]["schedulePolicy"].update(scheduleRunFrequency="Weekly"),
    lambda body: body["properties"].update(vaultRetentionPolicy={"snapshotRetentionInDays": 5,
                                                                 "vaultRetention": body["properties"]["retentionPolicy"]}),
    lambda body: body["properties"]["schedulePolicy"].update(scheduleRunTimes=["2026-01-01T19:10:00Z"]),
])
def test_policy_refusals(client, change):
    body = daily_policy()
    change(body)
    assert error_code(lambda: create_policy(client, "Bad", body)) == (400, "BMSUserErrorInvalidPolicyInput")


# --- protection -----------------------------------------------------------------------------------

def test_protect_backup_and_recovery_point(client):
    name, item = protected_share(client)
    assert isinstance(item.properties, AzureFileshareProtectedItem)
    assert item.properties.friendly_name == "finance" and item.properties.protection_state == "IRPending"
    assert [entry.properties.friendly_name for entry in protectable(client)] == ["hr"]
    listed = list(client.backup_protected_items.list(VAULT, GROUP, filter=SHARE_FILTER))
    assert [entry.properties.friendly_name for entry in listed] == ["finance"]
    assert client.protection_containers.get(VAULT, GROUP, FABRIC, container("stfilesweu")).properties.protected_item_count == 1
    expiry = datetime.now(timezone.utc) + timedelta(days=60)
    job = wait_job(client, backup_now(client, "stfilesweu", name, expiry))
    assert isinstance(job.properties, AzureStorageJob) and job.properties.status == "Completed"
    assert job.properties.operation == "Backup" and job.properties.storage_account_name == "stfilesweu"
    points = list(client.recovery_points.list(VAULT, GROUP, FABRIC, container("stfilesweu"), name))
    assert len(points) == 1 and isinstance(points[0].properties, AzureFileShareRecoveryPoint)
    assert points[0].properties.file_share_snapshot_uri.startswith("https://stfilesweu.file.core.windows.net/finance?sharesnapshot=")
    assert client.protected_items.get(VAULT, GROUP, FABRIC, container("stfilesweu"), name).properties.protection_state == "Protected"


def test_protect_refusals(client):
    register(client, "stfilesweu")
    create_policy(client)
    assert error_code(lambda: protect(client, "stfilesweu", "AzureFileShare;nope")) == (400, "FileShareNotFound")
    assert error_code(lambda: protect(client, "stfilesweu", "AzureFileShare;nfsdata")) == (400, "FileShareNotFound")
    assert error_code(lambda: protect(client, "sttargetweu", "AzureFileShare;restore-target")) == (400, "BMSUserErrorContainerObjectNotFound")
    assert error_code(lambda: protect(client, "stfilesweu", "AzureFileShare;hr", "DefaultPolicy")) == (400, "BMSUserErrorInvalidPolicyForGivenProvider")


def test_vaulted_policy_refused_for_a_premium_account(client):
    register(client, "stpremweu")
    vaulted = daily_policy()
    vaulted["properties"]["vaultRetentionPolicy"] = {"snapshotRetentionInDays": 5, "vaultRetention": vaulted["properties"].pop("retentionPolicy")}
    create_policy(client, "Vaulted", vaulted)
    assert error_code(lambda: protect(client, "stpremweu", "AzureFileShare;share-01", "Vaulted")) == (400, "BMSUserErrorVaultedBackupNotSupported")


def test_restore_full_and_item_level(client):
    name, _item = protected_share(client)
    wait_job(client, backup_now(client, "stfilesweu", name))
    point = next(iter(client.recovery_points.list(VAULT, GROUP, FABRIC, container("stfilesweu"), name))).name
    ilr = AzureFileShareRestoreRequest(recovery_type="AlternateLocation", source_resource_id=account_id("stfilesweu"), copy_options="Skip",
                                       restore_request_type="ItemLevelRestore",
                                       restore_file_specs=[RestoreFileSpecs(path="reports/2026.xlsx", file_spec_type="File",
                                                                            target_folder_path="restored")],
                                       target_details=TargetAFSRestoreInfo(name="restore-target", target_resource_id=account_id("sttargetweu")))
    client.restores.begin_trigger(VAULT, GROUP, FABRIC, container("stfilesweu"), name, point, RestoreRequestResource(properties=ilr)).result()
    jobs = list(client.backup_jobs.list(VAULT, GROUP, filter="operation eq 'Restore'"))
    job = wait_job(client, jobs[0].name)
    bag = job.properties.extended_info.property_bag
    assert job.properties.status == "Completed" and bag["Target File Share"] == "restore-target" and bag["Restored Items"] == "reports/2026.xlsx"
    missing = AzureFileShareRestoreRequest(recovery_type="AlternateLocation", copy_options="Overwrite", restore_request_type="FullShareRestore",
                                           target_details=TargetAFSRestoreInfo(name="nope", target_resource_id=account_id("sttargetweu")))
    assert error_code(lambda: client.restores.begin_trigger(VAULT, GROUP, FABRIC, container("stfilesweu"), name, point,
                                                            RestoreRequestResource(properties=missing)).result()) == (400, "TargetFileShareNotFound")


def test_unregister_only_without_items_and_the_lock_stays(client, raw):
    name, _item = protected_share(client)
    assert error_code(lambda: client.protection_containers.unregister(VAULT, GROUP, FABRIC, container("stfilesweu"))) == \
        (400, "BMSUserErrorContainerHasDatasources")
    raw.arm("PATCH", f"{vault_path(VAULT)}/backupconfig/vaultconfig",
            {"properties": {"softDeleteFeatureState": "Disabled", "enhancedSecurityState": "Disabled"}})
    client.protected_items.delete(VAULT, GROUP, FABRIC, container("stfilesweu"), name)
    time.sleep(0.5)
    started = client.protection_containers.unregister(VAULT, GROUP, FABRIC, container("stfilesweu"), cls=raw_response)
    assert wait_container_operation(client, "stfilesweu", started).status_code == 204
    assert list(client.backup_protection_containers.list(VAULT, GROUP, filter=STORAGE_FILTER)) == []
    locks = raw.arm("GET", f"{account_id('stfilesweu')}/providers/Microsoft.Authorization/locks", api_version="2020-05-01").json()["value"]
    assert [lock["name"] for lock in locks] == ["AzureBackupProtectionLock"]


def test_the_backup_lock_stops_the_account_being_deleted(client, raw):
    register(client, "stfilesweu")
    refused = raw.arm("DELETE", account_id("stfilesweu"), api_version="2023-05-01")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "ScopeLocked"
    lock = f"{account_id('stfilesweu')}/providers/Microsoft.Authorization/locks/AzureBackupProtectionLock"
    assert raw.arm("DELETE", lock, api_version="2020-05-01").status_code == 200
    assert raw.arm("DELETE", account_id("stfilesweu"), api_version="2023-05-01").status_code == 200
    assert raw.arm("GET", f"{account_id('stfilesweu')}/fileServices/default/shares/finance", api_version="2023-05-01").status_code == 404


def test_guarded_routes_take_their_workload_and_leave_the_others():
    from armemu.core import routing
    from armemu.resources import backup_file_share_items, backup_protected_items

    class Request:  # what a guard reads: the path's parameters, and the query or body
        method, query = "PUT", {}

        @staticmethod
        def json():
            return {}

    vault = ["subscriptions", SUBSCRIPTION, "resourceGroups", GROUP, "providers", "Microsoft.RecoveryServices", "vaults", VAULT]
    storage = vault + ["backupFabrics", "Azure", "protectionContainers", container("stfilesweu"), "protectedItems", "AzureFileShare;finance"]
    vm = vault + ["backupFabrics", "Azure", "protectionContainers", "IaasVMContainer;iaasvmcontainerv2;rg;vm", "protectedItems", "VM;iaasvmcontainerv2;rg;vm"]
    assert routing.match("PUT", storage, Request())[0].handler is backup_file_share_items.put_file_share_item
    assert routing.match("PUT", vm, Request())[0].handler is backup_protected_items.put_item
    assert routing.match("PUT", storage)[0].handler is backup_protected_items.put_item  # no request: guards cannot run
