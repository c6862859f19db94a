"""File recovery (Instant Item Recovery, ILR) of a protected VM's recovery point, contract §4.

``RP = I/recoveryPoints/{recoveryPointId}`` (``I`` is the protected item, see backup_protected_items.py).

- ``POST RP/provisionInstantItemRecovery`` with ``{"properties": {"objectType": "IaasVMILRRegistrationRequest",
  "recoveryPointId", "virtualMachineId", "initiatorName"?, "renewExistingRegistration"}}`` → **202 only**, with
  ``Azure-AsyncOperation: I/operationsStatus/{op}``, ``Location: I/operationResults/{op}`` (no ``Retry-After``)
  (Provision_Ilr.json). The same id answers at ``V/backupOperations`` / ``V/backupOperationResults``
  (backup_operations.py). When the operation ends the point shows ``isInstantIlrSessionActive: true`` and the
  finished status carries ``properties: {objectType: OperationStatusProvisionILRExtendedInfo, recoveryTarget:
  {clientScripts: [...]}}``.
- ``POST RP/revokeInstantItemRecovery`` (no body) → 202 only, same header pair (Revoke_Ilr.json); the session ends
  with the operation. Revoking a point without a session succeeds and changes nothing.
- ``POST RP/listInstantItemRecoveryOperationResult`` with ``{"provisionInstantItemRecoveryOperationId": op}`` →
  200, the bare ``{"clientScripts": [...]}`` of that live session (ListInstantItemRecoveryOperationResult.json).
  A read: not counted as a write in the request log.
- ``GET /_downloads/ilr/{file}``: the Windows executable a session links to, served like the Microsoft download
  centre (no token). Logged, not counted as ARM.
- ``GET /_emulator/ilr``: every session provisioned since the estate was loaded, with its password, the client
  scripts and the executable's bytes (base64), so tests can compare what a module wrote with what was served.

How ``clientScripts`` look (how azure-cli and PowerShell read them, contract §4):

- Linux: one entry ``{osType: Linux, scriptExtension: .py, scriptContent: base64(UTF-8 Python script with
  TargetPassword="<15 chars>"), scriptNameSuffix, url: null}``.
- Windows: two entries; clients use the second, ``{osType: Windows, scriptExtension: .exe, url: <executable>}``.
  The first is the PowerShell mount script (``.ps1``, base64 content), as the single-entry spec example shows.
- ``scriptNameSuffix`` = ``{vm}_{region}_{recoveryPoint}_{32 hex session id}{15-char password}{14-char CHAP
  secret}``: the password sits 33 characters after the last ``_``, where the clients cut it out; the rest
  (without the password) is the file name Azure's clients save under. The layout is inferred from the clients'
  parsing and a real file name, not from a spec.

A session lives 12 hours from its provisioning; ``renewExistingRegistration: true`` on a live session keeps
its target and password and restarts the 12 hours. Error codes for ILR misuse are inferred (BMS style).
"""

import base64
import hashlib
import secrets
import string
import uuid
from datetime import timedelta

from armemu.core.http import Response, json_response
from armemu.core.lro import iso, utc_now
from armemu.core.routing import route
from armemu.resources._backup_support import ITEM, bms_error, item_not_found, parse_iso, request_vault
from armemu.resources._vault_support import require_vault
from armemu.resources.backup_operations import item_accepted, operation_scope
from armemu.resources.backup_recovery_points import request_item_id

RECOVERY_POINT = ITEM + "/recoveryPoints/{recoveryPointId}"
SESSION_HOURS = 12
PASSWORD_ALPHABET = string.ascii_letters + string.digits
MOUNTABLE_TIERS = ("InstantRP", "HardenedRP")
DOWNLOADS = "/_downloads/ilr"
SERVED_PREFIX = "/_emulator/ilr/"
EXECUTABLE_SIZE = 16 * 1024


# --- where sessions live --------------------------------------------------------------------------

def session_key(point_id):
    """The live session of a recovery point: beside the point, never listed as one of its children."""
    return f"{point_id}/armemuIlrSession/current"


def served_key(session_id):
    """What a session served, kept after revoke so tests can still compare."""
    return f"{SERVED_PREFIX}{session_id}"


def live_session(store, point):
    """The point's session if it has not expired; an expired one is closed on the way."""
    session = store.get(session_key(point["id"]))
    if session and parse_iso(session["expiresAt"]) <= utc_now():
        set_session_active(store, point["id"], False)
        store.delete(session_key(point["id"]))
        return None
    return session


def set_session_active(store, point_id, active):
    point = store.get(point_id)
    if point is not None:
        point["properties"]["isInstantIlrSessionActive"] = active
        store.put(point_id, point)


# --- what a session serves ------------------------------------------------------------------------

def new_password():
    return "".join(secrets.choice(PASSWORD_ALPHABET) for dummy in range(15))


def linux_script(session):
    """A stand-in for Azure's Python mount script: same variables (TargetPassword included), no iSCSI."""
    return (
        "#!/usr/bin/env python3\n"
        "# Microsoft Azure Backup - file recovery (ILR) script, as served by armemu \u00a9 (a stand-in: it mounts nothing).\n"
        "import sys\n\n"
        f"VMName=\"{session['containerName']}\"\n"
        f"MachineName=\"{session['vmName']}\"\n"
        f"TargetPortalAddress=\"pod01-rec2.{session['region']}.backup.windowsazure.com\"\n"
        "TargetPortalPortNumber=\"3260\"\n"
        f"TargetNodeAddress=\"iqn.2016-01.microsoft.azure.backup:{session['sessionId']}\"\n"
        f"InitiatorChapPassword=\"{session['chapSecret']}\"\n"
        f"ScriptId=\"{session['scriptId']}\"\n"
        f"TargetUserName=\"{session['sessionId']}-{session['scriptId']}\"\n"
        f"TargetPassword=\"{session['password']}\"\n"
        "IsMultiTarget = \"1\"\n"
        "IsPEEnabled = \"0\"\n"
        "IsLargeDisk = \"False\"\n\n"
        "if __name__ == \"__main__\":\n"
        "    print(\"armemu: would connect to \" + TargetNodeAddress + (\" and clean up\" if \"clean\" in sys.argv[1:] else \"\"))\n"
    )


def powershell_script(session):
    return (
        "# Microsoft Azure Backup - file recovery (ILR) PowerShell script, as served by armemu (a stand-in).\n"
        "Start-Service -Name MSiSCSI\n"
        f"Connect-IscsiTarget -NodeAddress 'iqn.2016-01.microsoft.azure.backup:{session['sessionId']}' "
        f"-TargetPortalAddress 'pod01-rec2.{session['region']}.backup.windowsazure.com'\n"
    )


def executable_bytes(session_id):
    """Deterministic bytes standing in for the Windows executable: an ``MZ`` header, then a repeating pattern."""
    header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    pattern = hashlib.sha256(session_id.encode("ascii")).digest()
    body = (f"armemu ILR client {session_id}\n".encode("ascii") + pattern) * (EXECUTABLE_SIZE // 64)
    return (header + body)[:EXECUTABLE_SIZE]


def encoded(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def client_scripts(req, session):
    """``clientScripts`` as Azure shapes them for the session's OS."""
    if session["osType"] == "Windows":
        return [
            {"osType": "Windows", "scriptExtension": ".ps1", "scriptContent": encoded(powershell_script(session)),
             "scriptNameSuffix": session["scriptNameSuffix"], "url": None},
            {"osType": "Windows", "scriptExtension": ".exe", "scriptContent": None,
             "scriptNameSuffix": session["scriptNameSuffix"], "url": req.url_for(f"{DOWNLOADS}/{session['sessionId']}.exe")},
        ]
    return [{"osType": "Linux", "scriptExtension": ".py", "scriptContent": encoded(linux_script(session)),
             "scriptNameSuffix": session["scriptNameSuffix"], "url": None}]


def new_session(req, item, point):
    """A fresh session for ``point``: ids, password, CHAP secret, the suffix that hides the password."""
    vault = req.emu.store.get(request_vault(req))
    session_id = uuid.uuid4().hex
    password, chap = new_password(), secrets.token_hex(7)
    region = vault["location"]
    session = {
        "sessionId": session_id, "scriptId": str(uuid.uuid4()), "password": password, "chapSecret": chap,
        "recoveryPointId": point["id"], "vmName": item["properties"].get("friendlyName", ""), "region": region,
        "containerName": item["properties"].get("containerName", ""), "osType": point["properties"].get("osType", "Linux"),
        "scriptNameSuffix": f"{item['properties'].get('friendlyName', '')}_{region}_{point['name']}_{session_id}{password}{chap}",
        "operationIds": [],
    }
    session["clientScripts"] = client_scripts(req, session)
    return session


# --- request checks -------------------------------------------------------------------------------

def require_point(req):
    """(item, recovery point) the path names; BMS 404s like Azure's when either is missing."""
    require_vault(req)
    item = req.emu.store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    point = req.emu.store.get(f"{item['id']}/recoveryPoints/{req.params['recoveryPointId']}")
    if point is None:
        raise bms_error("BMSUserErrorRecoveryPointNotFound",
                        f"Recovery point '{req.params['recoveryPointId']}' not found.\r\nPlease provide a valid recovery point.", 404)
    return item, point


def check_provision_request(req, item, point):
    """The body must be an IaaS VM ILR request for this VM; the point must be in a tier ILR can mount."""
    properties = req.json().get("properties") or {}
    if properties.get("objectType") != "IaasVMILRRegistrationRequest":
        raise bms_error("BMSUserErrorInvalidInput", "properties.objectType must be 'IaasVMILRRegistrationRequest' for an Azure VM.")
    vm_id = properties.get("virtualMachineId")
    if vm_id and vm_id.lower() != item["properties"].get("sourceResourceId", "").lower():
        raise bms_error("BMSUserErrorInvalidInput", f"The virtual machine '{vm_id}' is not the source of this backup item.")
    tiers = [tier["type"] for tier in point["properties"].get("recoveryPointTierDetails") or [] if tier.get("status") == "Valid"]
    if tiers and not any(tier in MOUNTABLE_TIERS for tier in tiers):
        raise bms_error("BMSUserErrorILRNotSupportedForArchivedRecoveryPoint",
                        "File recovery is not supported for a recovery point in the archive tier.\r\n"
                        "Rehydrate the recovery point to the vault-standard tier, or choose another recovery point.")
    return bool(properties.get("renewExistingRegistration"))


# --- routes ---------------------------------------------------------------------------------------

@route("POST", RECOVERY_POINT + "/provisionInstantItemRecovery")
def provision(req):
    item, point = require_point(req)
    renew = check_provision_request(req, item, point)
    store = req.emu.store
    existing = live_session(store, point)
    session = existing if (existing and renew) else new_session(req, item, point)

    def complete():
        session["expiresAt"] = iso(utc_now() + timedelta(hours=SESSION_HOURS))
        store.put(session_key(point["id"]), session)
        store.put(served_key(session["sessionId"]), session)
        set_session_active(store, point["id"], True)

    properties = {"objectType": "OperationStatusProvisionILRExtendedInfo", "recoveryTarget": {"clientScripts": session["clientScripts"]}}
    operation = req.emu.ops.start(operation_scope(request_vault(req)), on_complete=complete, properties=properties, kind="ilr_mount")
    session["operationIds"].append(operation.id)
    return item_accepted(req, operation, item["id"])


@route("POST", RECOVERY_POINT + "/revokeInstantItemRecovery")
def revoke(req):
    item, point = require_point(req)
    store = req.emu.store

    def complete():
        store.delete(session_key(point["id"]))
        set_session_active(store, point["id"], False)

    operation = req.emu.ops.start(operation_scope(request_vault(req)), on_complete=complete, kind="ilr_unmount")
    return item_accepted(req, operation, item["id"])


@route("POST", RECOVERY_POINT + "/listInstantItemRecoveryOperationResult", write=False)
def list_operation_result(req):
    dummy, point = require_point(req)
    operation_id = req.json().get("provisionInstantItemRecoveryOperationId")
    session = live_session(req.emu.store, point)
    if not session or operation_id not in session["operationIds"]:
        raise bms_error("BMSUserErrorILRSessionNotFound",
                        f"No active file recovery session of recovery point '{point['name']}' was provisioned by operation "
                        f"'{operation_id}'.\r\nProvision file recovery for the recovery point again.", 404)
    return json_response(200, {"clientScripts": session["clientScripts"]})


@route("GET", DOWNLOADS + "/{fileName}", kind="metadata")
def download_executable(req):
    session_id = req.params["fileName"].rsplit(".", 1)[0]
    if not req.params["fileName"].endswith(".exe") or req.emu.store.get(served_key(session_id)) is None:
        return json_response(404, {"error": {"code": "NotFound", "message": "No such download."}})
    return Response(200, executable_bytes(session_id), {"Content-Type": "application/octet-stream"})


@route("GET", "/_emulator/ilr", kind="control")
def served_sessions(req):
    sessions = req.emu.store.find(lambda key, dummy: key.startswith(SERVED_PREFIX))
    for session in sessions:
        if session["osType"] == "Windows":
            session["executable"] = base64.b64encode(executable_bytes(session["sessionId"])).decode("ascii")
    return json_response(200, {"sessions": sessions})
