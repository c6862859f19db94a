"""Run Command on a VM: ``POST .../virtualMachines/{vm}/runCommand`` (api-version 2026-04-01).

Body ``{"commandId": "RunShellScript" | "RunPowerShellScript" | ..., "script": [lines], "parameters": [{name, value}]}``.
Answer (VirtualMachineRunCommand.json): 202 with ``Location: .../providers/Microsoft.Compute/locations/{loc}/operations/{op}?monitor=true&api-version=...``
(+ Retry-After); that URL answers 202 while the script runs, then 200 with the ``RunCommandResult``
``{"value": [InstanceViewStatus, ...]}``:

- Windows (as the spec example): two statuses, ``ComponentStatus/StdOut/succeeded`` and
  ``ComponentStatus/StdErr/succeeded``, ``message`` = the output.
- Linux (as Azure's Linux docs show): one status ``ProvisioningState/succeeded`` whose message is
  ``Enable succeeded: \\n[stdout]\\n...\\n[stderr]\\n...``.

Refusals: 409 ``OperationNotAllowed`` "The operation requires the VM to be running (or set to run)." on a
VM that is not running; 409 ``Conflict`` while another Run Command runs on the VM; 400 ``InvalidParameter``
for a command id the VM's OS does not offer (inferred code). A VM whose agent is not Ready makes the
operation fail with ``VMAgentStatusCommunicationError`` (Azure's message).

No guest exists, so the script is *interpreted*, not run (emulator behaviour): ``echo X`` /
``Write-Output X`` / ``Write-Host X`` print X to stdout, ``Write-Error X`` and ``echo X >&2`` print X to
stderr, ``$name`` is replaced by the value of parameter ``name``; every other line prints nothing.
``GET /_emulator/runCommands`` lists every run since the estate was loaded (VM, command, script, output).
"""

import re

from armemu.core.arm import require_resource_group
from armemu.core.errors import ArmError, resource_not_found
from armemu.core.http import json_response
from armemu.core.routing import route
from armemu.resources import compute_vms
from armemu.resources.compute_operations import compute_accepted, start_compute_operation

COMMANDS = {
    "Linux": ("RunShellScript", "ifconfig"),
    "Windows": ("RunPowerShellScript", "IPConfig", "EnableRemotePS", "EnableAdminAccount", "ResetRDPCert", "RDPSettings", "SetRDPPort"),
}
RUNS_PREFIX = "/_emulator/runcommands/"
STDOUT = re.compile(r"^\s*(?:echo|Write-Output|Write-Host)\s+(.*?)\s*$", re.IGNORECASE)
STDERR = re.compile(r"^\s*(?:Write-Error\s+(.*?)|echo\s+(.*?)\s*>&2|>&2\s+echo\s+(.*?))\s*$", re.IGNORECASE)
AGENT_MESSAGE = ("VM '{}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, the VM has a running "
                 "VM agent, and that it can establish outbound connections to Azure storage. Please refer to "
                 "https://aka.ms/vmextensionwindowstroubleshoot for additional VM agent troubleshooting information.")


def _unquoted(text):
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def interpret(script, parameters):
    """(stdout, stderr) the emulator's stand-in interpreter gives for ``script`` lines."""
    values = {str(entry.get("name")): str(entry.get("value", "")) for entry in parameters or []}
    out, err = [], []
    for line in script or []:
        for name, value in values.items():
            line = line.replace(f"${name}", value)
        error = STDERR.match(line)
        if error:
            err.append(_unquoted(next(group for group in error.groups() if group is not None)))
            continue
        printed = STDOUT.match(line)
        if printed:
            out.append(_unquoted(printed.group(1)))
    return "\n".join(out), "\n".join(err)


def command_result(os_type, stdout, stderr):
    """The ``RunCommandResult`` body for the VM's OS."""
    if os_type == "Windows":
        return {"value": [
            {"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": stdout},
            {"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": stderr},
        ]}
    message = f"Enable succeeded: \n[stdout]\n{stdout}\n\n[stderr]\n{stderr}\n"
    return {"value": [{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": message}]}


def _running_key(vm_resource_id):
    return f"{vm_resource_id}/armemuRunCommand/current"


@route("POST", compute_vms.VM + "/runCommand")
def run_command(req):
    store = req.emu.store
    require_resource_group(store, req.params["subscriptionId"], req.params["resourceGroupName"])
    vm = store.get(compute_vms.vm_id(req.params["subscriptionId"], req.params["resourceGroupName"], req.params["vmName"]))
    if vm is None:
        raise resource_not_found(compute_vms.VM_TYPE, req.params["vmName"], req.params["resourceGroupName"])
    request = req.json()
    os_type = vm["properties"]["storageProfile"]["osDisk"].get("osType", "Linux")
    command = request.get("commandId")
    if command not in COMMANDS[os_type]:
        raise ArmError(400, "InvalidParameter", f"The value '{command}' of parameter 'commandId' is not valid for a {os_type} VM. "
                                                f"Allowed values: {', '.join(COMMANDS[os_type])}.")
    view = vm["properties"]["instanceView"]
    if view["statuses"][1]["code"] != "PowerState/running":
        raise ArmError(409, "OperationNotAllowed", "The operation requires the VM to be running (or set to run).")
    if store.exists(_running_key(vm["id"])):
        raise ArmError(409, "Conflict", "Run command extension execution is in progress. Please wait for completion before invoking a run command.")
    agent_ready = (view.get("vmAgent") or {}).get("statuses", [{}])[0].get("displayStatus") == "Ready"
    stdout, stderr = interpret(request.get("script"), request.get("parameters"))
    result = command_result(os_type, stdout, stderr)
    run = {"vm": vm["id"], "commandId": command, "script": request.get("script") or [], "parameters": request.get("parameters") or [],
           "output": result if agent_ready else None}
    store.put(_running_key(vm["id"]), run)

    def finish():
        store.delete(_running_key(vm["id"]))
        store.put(f"{RUNS_PREFIX}{len(store.find(lambda key, dummy: key.startswith(RUNS_PREFIX))):06d}", run)
    error = None if agent_ready else {"code": "VMAgentStatusCommunicationError", "message": AGENT_MESSAGE.format(vm["name"])}
    if error:
        finish()
    operation = start_compute_operation(req, vm["location"], on_complete=finish, error=error, result=lambda: json_response(200, result))
    return compute_accepted(req, vm["location"], operation, status_header=False)


@route("GET", "/_emulator/runCommands", kind="control")
def served_runs(req):
    return json_response(200, {"runs": req.emu.store.find(lambda key, dummy: key.startswith(RUNS_PREFIX))})
