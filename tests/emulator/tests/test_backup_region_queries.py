"""Region-level backup queries (backupStatus, pre-validate, feature support): SDK models, and no writes logged."""

import pytest
from azure.mgmt.recoveryservicesbackup.models import (AzureVMResourceFeatureSupportRequest, AzureVMResourceFeatureSupportResponse,
                                                      BackupStatusRequest, BackupStatusResponse, PreValidateEnableBackupRequest,
                                                      PreValidateEnableBackupResponse)

from backup_flow import vm_resource_id
from helpers import vault_path
from vm_estate import OTHER_VAULT, VAULT, vm_estate


@pytest.fixture(autouse=True)
def vm_world(emu, fresh_world):
    emu.load_estate(vm_estate())


def test_backup_status_of_protected_and_unprotected_vms(backup_client, raw):
    protected = backup_client.backup_status.get("westeurope", BackupStatusRequest(resource_type="VM", resource_id=vm_resource_id("vm-protected")))
    assert isinstance(protected, BackupStatusResponse)
    assert protected.protection_status == "Protected"
    assert protected.vault_id.lower() == vault_path(OTHER_VAULT).lower()
    assert protected.container_name == "iaasvmcontainer;iaasvmcontainerv2;rg-app-weu;vm-protected"
    assert protected.protected_item_name == "vm;iaasvmcontainerv2;rg-app-weu;vm-protected"
    assert protected.policy_name == "DefaultPolicy" and protected.error_code == "Success"
    free = backup_client.backup_status.get("westeurope", BackupStatusRequest(resource_type="VM", resource_id=vm_resource_id("vm-linux-01")))
    assert free.protection_status == "NotProtected" and free.vault_id is None
    log = raw.requests_since()
    assert log["counts"] == {"POST": 2} and log["writes"] == 0


def test_pre_validate_protection(backup_client, raw):
    target = vault_path(VAULT)
    elsewhere = backup_client.protection_intent.validate("westeurope", PreValidateEnableBackupRequest(
        resource_type="VM", resource_id=vm_resource_id("vm-protected"), vault_id=target, properties=""))
    assert isinstance(elsewhere, PreValidateEnableBackupResponse)
    assert (elsewhere.status, elsewhere.error_code) == ("Failed", "VirtualMachineAlreadyProtected")
    assert elsewhere.container_name == "iaasvmcontainer;iaasvmcontainerv2;rg-app-weu;vm-protected"
    free = backup_client.protection_intent.validate("westeurope", PreValidateEnableBackupRequest(
        resource_type="VM", resource_id=vm_resource_id("vm-linux-01"), vault_id=target, properties=""))
    assert free.status == "Succeeded" and free.protected_item_name == "vm;iaasvmcontainerv2;rg-app-weu;vm-linux-01"
    assert raw.requests_since()["writes"] == 0


def test_feature_support(backup_client):
    reply = backup_client.feature_support.validate("westeurope", AzureVMResourceFeatureSupportRequest(vm_size="Standard_D2s_v3", vm_sku="Premium"))
    assert isinstance(reply, AzureVMResourceFeatureSupportResponse) and reply.support_status == "Supported"


def test_malformed_status_request_is_400(raw):
    answer = raw.arm("POST", "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.RecoveryServices/locations/westeurope/"
                     "backupStatus", {"resourceType": "VM", "resourceId": "not-a-vm"}, api_version="2026-10-01")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "BMSUserErrorInvalidInput"
