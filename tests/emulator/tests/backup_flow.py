"""Steps of the VM backup flow driven through azure-mgmt-recoveryservicesbackup 11.2.0, shared by the VM-backup tests."""

import time

from azure.mgmt.recoveryservicesbackup.models import (AzureIaaSComputeVMProtectedItem, IaasVMBackupRequest, BackupRequestResource,
                                                      ProtectedItemResource)

from helpers import GROUP, SUBSCRIPTION
from vm_estate import VAULT

FABRIC = "Azure"


def vm_resource_id(name, group="rg-app-weu"):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


def policy_id(name="DefaultPolicy", vault=VAULT):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.RecoveryServices/vaults/{vault}/backupPolicies/{name}"


def names(vm, group="rg-app-weu"):
    """(container, item) names as clients usually send them: lower-case prefixes."""
    return f"iaasvmcontainer;iaasvmcontainerv2;{group};{vm}", f"vm;iaasvmcontainerv2;{group};{vm}"


def raw_response(pipeline_response, deserialized, headers):  # pylint: disable=unused-argument
    """``cls=`` for SDK calls that hide their 202: keep the whole response (azure-cli does the same)."""
    return pipeline_response


def operation_id(url):
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def refresh(client, vault=VAULT, group=GROUP):
    """Trigger discovery and wait on its Location until 204, as azure-cli does; return the operation id."""
    started = client.protection_containers.refresh(vault, group, FABRIC, cls=raw_response)
    assert started.http_response.status_code == 202
    op = operation_id(started.http_response.headers["Location"])
    for dummy in range(50):
        polled = client.protection_container_refresh_operation_results.get(vault, group, FABRIC, op, cls=raw_response)
        if polled.http_response.status_code == 204:
            return op
        assert "Retry-After" not in polled.http_response.headers  # the Backup RP sends none: the client picks its pace
        time.sleep(0.05)
    raise AssertionError("refresh never finished")


def protect(client, vm, policy="DefaultPolicy", vault=VAULT, group="rg-app-weu"):
    container, item = names(vm, group)
    properties = AzureIaaSComputeVMProtectedItem(source_resource_id=vm_resource_id(vm, group), policy_id=policy_id(policy, vault))
    body = ProtectedItemResource(properties=properties)
    return client.protected_items.begin_create_or_update(vault, GROUP, FABRIC, container, item, body).result()


def put_item(client, vm, properties, group="rg-app-weu"):
    """A raw-bodied PUT (stop, undelete...) through the poller."""
    container, item = names(vm, group)
    body = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "sourceResourceId": vm_resource_id(vm, group),
                           **properties}}
    return client.protected_items.begin_create_or_update(VAULT, GROUP, FABRIC, container, item, body).result()


def trigger_backup(client, vm, expiry=None, group="rg-app-weu"):
    container, item = names(vm, group)
    request = BackupRequestResource(properties=IaasVMBackupRequest(recovery_point_expiry_time_in_utc=expiry))
    return client.backups.trigger(VAULT, GROUP, FABRIC, container, item, request, cls=raw_response)


def wait_operation(client, op, attempts=60):
    """Poll the vault-scoped status until it leaves InProgress; return the final OperationStatus."""
    for dummy in range(attempts):
        status = client.backup_operation_statuses.get(VAULT, GROUP, op)
        if status.status != "InProgress":
            return status
        time.sleep(0.1)
    raise AssertionError(f"operation {op} never finished")


def wait_job(client, job_name, attempts=60):
    for dummy in range(attempts):
        job = client.job_details.get(VAULT, GROUP, job_name)
        if job.properties.status not in ("InProgress", "Cancelling"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_name} never finished")


def item_properties(client, vm, expand=False, group="rg-app-weu"):
    """The item's properties as a mapping: the 11.2 models deserialise VM items as the base class (contract §7.1)."""
    container, item = names(vm, group)
    found = client.protected_items.get(VAULT, GROUP, FABRIC, container, item, filter="expand eq 'extendedinfo'" if expand else None)
    return found.as_dict()["properties"]
