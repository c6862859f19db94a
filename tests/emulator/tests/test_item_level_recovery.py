"""File recovery (Instant Item Recovery) driven by the real backup SDK: provision, scripts, list, revoke, download."""

import base64
import time

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from helpers import GROUP, SUBSCRIPTION
from vm_estate import APP_GROUP, VAULT, vm_estate

LINUX_VM, WINDOWS_VM = "vm-ilr-linux", "vm-ilr-win"
POINTS = [{"daysAgo": 0, "tier": "snapshot"}, {"daysAgo": 3, "tier": "vault"}, {"daysAgo": 200, "tier": "archive"}]
ILR_STATUS_TYPE = "OperationStatusProvisionILRExtendedInfo"


@pytest.fixture(autouse=True)
def world(emu):
    protected = {"vault": VAULT, "resourceGroup": GROUP, "recoveryPoints": POINTS}
    emu.load_estate(vm_estate([
        {"name": LINUX_VM, "resourceGroup": APP_GROUP, "osType": "Linux", "protectedBy": protected},
        {"name": WINDOWS_VM, "resourceGroup": APP_GROUP, "osType": "Windows", "protectedBy": protected},
    ]))
    emu.log.reset()


def names(vm):
    return f"IaasVMContainer;iaasvmcontainerv2;{APP_GROUP};{vm}", f"VM;iaasvmcontainerv2;{APP_GROUP};{vm}"


def vm_id(vm):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{APP_GROUP}/providers/Microsoft.Compute/virtualMachines/{vm}"


def points_of(backup_client, vm):
    """Newest first, as the emulator lists them."""
    return list(backup_client.recovery_points.list(VAULT, GROUP, "Azure", *names(vm)))


def request_body(vm, point, renew=False):
    return {"properties": {"objectType": "IaasVMILRRegistrationRequest", "recoveryPointId": point, "virtualMachineId": vm_id(vm),
                           "initiatorName": "iqn.1991-05.com.microsoft:recovery-host", "renewExistingRegistration": renew}}


def provision(backup_client, vm, point, renew=False):
    """Provision and return the raw 202 (the SDK's plain method gives None)."""
    return backup_client.item_level_recovery_connections.provision(
        VAULT, GROUP, "Azure", *names(vm), point, request_body(vm, point, renew), cls=lambda pipeline, *rest: pipeline.http_response)


def wait_status(raw, url):
    """Poll a status URL (given absolute, with its api-version) until the operation ends."""
    for dummy in range(50):
        body = raw.session.get(url, headers={"Authorization": f"Bearer {raw.token()}"}).json()
        if body["status"] != "InProgress":
            return body
        time.sleep(0.1)
    raise AssertionError("operation did not finish")


def op_id(response):
    return response.headers["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[-1]


def served(raw):
    return raw.control("GET", "ilr").json()["sessions"]


def test_provision_answers_202_with_item_scoped_pair_and_scripts_in_the_finished_status(backup_client, raw):
    point = points_of(backup_client, LINUX_VM)[0].name
    response = provision(backup_client, LINUX_VM, point)
    assert response.status_code == 202
    container, item = names(LINUX_VM)
    assert f"/protectedItems/{item}/operationsStatus/".lower() in requests.utils.unquote(response.headers["Azure-AsyncOperation"]).lower()
    assert "/operationResults/" in response.headers["Location"] and "Retry-After" not in response.headers
    status = wait_status(raw, response.headers["Azure-AsyncOperation"])
    assert status["status"] == "Succeeded" and status["properties"]["objectType"] == ILR_STATUS_TYPE
    (script,) = status["properties"]["recoveryTarget"]["clientScripts"]
    assert script["osType"] == "Linux" and script["scriptExtension"] == ".py" and script["url"] is None
    text = base64.b64decode(script["scriptContent"]).decode("utf-8")
    suffix = script["scriptNameSuffix"]
    password = suffix[suffix.rfind("_") + 33:suffix.rfind("_") + 48]
    assert len(password) == 15 and f'TargetPassword="{password}"' in text
    (record,) = served(raw)
    assert record["password"] == password and record["clientScripts"] == [script]
    assert backup_client.recovery_points.get(VAULT, GROUP, "Azure", container, item, point).properties.is_instant_ilr_session_active is True


def test_the_sdk_deserialises_the_status_and_the_vault_scoped_urls_answer_the_same_id(backup_client, raw):
    point = points_of(backup_client, WINDOWS_VM)[0].name
    response = provision(backup_client, WINDOWS_VM, point)
    wait_status(raw, response.headers["Azure-AsyncOperation"])
    status = backup_client.backup_operation_statuses.get(VAULT, GROUP, op_id(response))
    scripts = status.properties.recovery_target.client_scripts
    assert type(status.properties).__name__ == ILR_STATUS_TYPE and len(scripts) == 2
    assert scripts[1].script_extension == ".exe" and scripts[1].url.startswith(raw.emu.endpoint + "/_downloads/ilr/")
    assert scripts[0].script_extension == ".ps1" and scripts[0].url is None
    item_status = backup_client.protected_item_operation_statuses.get(VAULT, GROUP, "Azure", *names(WINDOWS_VM), op_id(response))
    assert item_status.as_dict() == status.as_dict()


def test_list_operation_result_is_a_read_and_returns_the_bare_target(backup_client, raw):
    point = points_of(backup_client, LINUX_VM)[0].name
    response = provision(backup_client, LINUX_VM, point)
    status = wait_status(raw, response.headers["Azure-AsyncOperation"])
    raw.control("POST", "requests/reset")
    target = backup_client.item_level_recovery_connections.list_instant_item_recovery_operation_result(
        GROUP, VAULT, "Azure", *names(LINUX_VM), point, {"provisionInstantItemRecoveryOperationId": op_id(response)})
    assert target.as_dict()["clientScripts"] == status["properties"]["recoveryTarget"]["clientScripts"]
    log = raw.requests_since()
    assert log["counts"] == {"POST": 1} and log["writes"] == 0


def test_list_operation_result_refuses_an_unknown_operation(backup_client):
    point = points_of(backup_client, LINUX_VM)[0].name
    with pytest.raises(ResourceNotFoundError) as error:
        backup_client.item_level_recovery_connections.list_instant_item_recovery_operation_result(
            GROUP, VAULT, "Azure", *names(LINUX_VM), point, {"provisionInstantItemRecoveryOperationId": "nope"})
    assert error.value.error.code == "BMSUserErrorILRSessionNotFound"


def test_renewal_keeps_the_password_and_a_new_provision_changes_it(backup_client, raw):
    point = points_of(backup_client, LINUX_VM)[0].name
    first = wait_status(raw, provision(backup_client, LINUX_VM, point).headers["Azure-AsyncOperation"])
    renewed = wait_status(raw, provision(backup_client, LINUX_VM, point, renew=True).headers["Azure-AsyncOperation"])
    fresh = wait_status(raw, provision(backup_client, LINUX_VM, point, renew=False).headers["Azure-AsyncOperation"])
    suffix = [body["properties"]["recoveryTarget"]["clientScripts"][0]["scriptNameSuffix"] for body in (first, renewed, fresh)]
    assert suffix[0] == suffix[1] != suffix[2]


def test_revoke_is_202_and_ends_the_session(backup_client, raw):
    point = points_of(backup_client, LINUX_VM)[0].name
    response = provision(backup_client, LINUX_VM, point)
    wait_status(raw, response.headers["Azure-AsyncOperation"])
    revoked = backup_client.item_level_recovery_connections.revoke(
        VAULT, GROUP, "Azure", *names(LINUX_VM), point, cls=lambda pipeline, *rest: pipeline.http_response)
    assert revoked.status_code == 202 and "/operationsStatus/" in revoked.headers["Azure-AsyncOperation"]
    assert wait_status(raw, revoked.headers["Azure-AsyncOperation"])["status"] == "Succeeded"
    container, item = names(LINUX_VM)
    assert backup_client.recovery_points.get(VAULT, GROUP, "Azure", container, item, point).properties.is_instant_ilr_session_active is False
    with pytest.raises(ResourceNotFoundError):
        backup_client.item_level_recovery_connections.list_instant_item_recovery_operation_result(
            GROUP, VAULT, "Azure", container, item, point, {"provisionInstantItemRecoveryOperationId": op_id(response)})
    assert len(served(raw)) == 1


def test_the_windows_executable_downloads_over_https_with_deterministic_bytes(backup_client, raw):
    point = points_of(backup_client, WINDOWS_VM)[0].name
    status = wait_status(raw, provision(backup_client, WINDOWS_VM, point).headers["Azure-AsyncOperation"])
    url = status["properties"]["recoveryTarget"]["clientScripts"][1]["url"]
    first, second = raw.session.get(url), raw.session.get(url)
    assert first.status_code == 200 and first.content[:2] == b"MZ" and first.content == second.content
    (record,) = served(raw)
    assert base64.b64decode(record["executable"]) == first.content
    assert raw.session.get(url.replace(".exe", "0.exe")).status_code == 404


def test_archive_only_points_cannot_be_mounted(backup_client):
    archived = points_of(backup_client, LINUX_VM)[-1]
    assert [tier.type for tier in archived.properties.recovery_point_tier_details] == ["ArchivedRP"]
    with pytest.raises(HttpResponseError) as error:
        provision(backup_client, LINUX_VM, archived.name)
    assert error.value.status_code == 400 and error.value.error.code == "BMSUserErrorILRNotSupportedForArchivedRecoveryPoint"


def test_vault_tier_points_can_be_mounted(backup_client, raw):
    vault_point = points_of(backup_client, LINUX_VM)[1]
    assert [tier.type for tier in vault_point.properties.recovery_point_tier_details] == ["HardenedRP"]
    assert wait_status(raw, provision(backup_client, LINUX_VM, vault_point.name).headers["Azure-AsyncOperation"])["status"] == "Succeeded"


def test_missing_point_item_and_wrong_body_are_refused(backup_client):
    with pytest.raises(ResourceNotFoundError) as error:
        provision(backup_client, LINUX_VM, "12345")
    assert error.value.error.code == "BMSUserErrorRecoveryPointNotFound"
    with pytest.raises(ResourceNotFoundError) as error:
        provision(backup_client, "vm-not-protected", "12345")
    assert error.value.error.code == "BMSUserErrorDataSourceObjectNotFound"
    point = points_of(backup_client, LINUX_VM)[0].name
    with pytest.raises(HttpResponseError) as error:
        backup_client.item_level_recovery_connections.provision(VAULT, GROUP, "Azure", *names(LINUX_VM), point,
                                                                request_body(WINDOWS_VM, point))
    assert error.value.status_code == 400
