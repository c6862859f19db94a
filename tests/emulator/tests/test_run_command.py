"""Run Command through the real compute SDK: the LRO, Linux and Windows result shapes, the refusals."""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models

from restore_world import compute_client_for, wait_until
from vm_estate import APP_GROUP, vm_estate


@pytest.fixture(autouse=True)
def world(emu):
    emu.load_estate(vm_estate())
    emu.log.reset()


@pytest.fixture(scope="module")
def compute_client(emu, credential):
    return compute_client_for(emu, credential)


def run(compute_client, vm, command, script, parameters=()):
    body = models.RunCommandInput(command_id=command, script=list(script),
                                  parameters=[models.RunCommandInputParameter(name=name, value=value) for name, value in parameters])
    return compute_client.virtual_machines.begin_run_command(APP_GROUP, vm, body)


def test_linux_script_output_in_one_status(compute_client, raw):
    result = run(compute_client, "vm-linux-01", "RunShellScript",
                 ["#!/bin/bash", "echo ready $SERVICE", "test -f /etc/hostname", "echo 'missing thing' >&2"], [("SERVICE", "nginx")]).result()
    (status,) = result.value
    assert status.code == "ProvisioningState/succeeded" and status.display_status == "Provisioning succeeded"
    assert status.message == "Enable succeeded: \n[stdout]\nready nginx\n\n[stderr]\nmissing thing\n"
    runs = raw.control("GET", "runCommands").json()["runs"]
    assert [entry["commandId"] for entry in runs] == ["RunShellScript"] and runs[0]["vm"].endswith("/vm-linux-01")


def test_windows_script_output_in_stdout_and_stderr_statuses(compute_client):
    result = run(compute_client, "vm-win-01", "RunPowerShellScript", ["Write-Output 'service ok'", "Write-Error boom"]).result()
    assert [(status.code, status.message) for status in result.value] == [
        ("ComponentStatus/StdOut/succeeded", "service ok"), ("ComponentStatus/StdErr/succeeded", "boom")]


def test_202_carries_a_monitor_location_only(compute_client, raw):
    vm = compute_client.virtual_machines.get(APP_GROUP, "vm-linux-01")
    response = raw.arm("POST", f"{vm.id}/runCommand", {"commandId": "RunShellScript", "script": ["echo hi"]}, api_version="2026-04-01")
    assert response.status_code == 202 and "Azure-AsyncOperation" not in response.headers and response.headers["Retry-After"]
    assert "/providers/Microsoft.Compute/locations/westeurope/operations/" in response.headers["Location"]
    assert "monitor=true" in response.headers["Location"]
    busy = raw.arm("POST", f"{vm.id}/runCommand", {"commandId": "RunShellScript", "script": ["echo again"]}, api_version="2026-04-01")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "Conflict"
    done = wait_until(lambda: raw.session.get(response.headers["Location"], headers={"Authorization": f"Bearer {raw.token()}"}),
                      lambda answer: answer.status_code != 202)
    assert done.status_code == 200 and "hi" in done.json()["value"][0]["message"]


@pytest.mark.parametrize("vm, command, status, code", [
    ("vm-stopped", "RunShellScript", 409, "OperationNotAllowed"),
    ("vm-deallocated", "RunPowerShellScript", 409, "OperationNotAllowed"),
    ("vm-linux-01", "RunPowerShellScript", 400, "InvalidParameter"),
])
def test_refusals(compute_client, vm, command, status, code):
    with pytest.raises(HttpResponseError) as refused:
        run(compute_client, vm, command, ["echo x"])
    assert refused.value.status_code == status and refused.value.error.code == code


def test_agent_not_ready_fails_the_operation(compute_client):
    poller = run(compute_client, "vm-agent-down", "RunShellScript", ["echo x"])
    with pytest.raises(HttpResponseError) as failed:
        poller.result()
    assert "VMAgentStatusCommunicationError" in str(failed.value)
