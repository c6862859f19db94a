"""Recovery points of a protected VM (``I/recoveryPoints``, api-version 2026-10-01), contract §3.7.

- ``GET I/recoveryPoints[?$filter=startDate eq '...' and endDate eq '...']``: paged, newest first;
  dates as ``'yyyy-MM-dd hh:mm:ss tt'`` (or ISO-8601).
- ``GET I/recoveryPoints/{rp}``: one ``IaasVMRecoveryPoint``.

Recovery points are stored at ``I/recoveryPoints/{name}`` exactly as GET returns them, so a file
that serves file recovery (ILR) can read them with ``store.children(item_id, "recoveryPoints")``
and flip ``properties.isInstantIlrSessionActive`` with ``store.put``. Names are numeric strings.
``add_recovery_point`` makes one (an on-demand backup, or the estate's ``protectedBy.recoveryPoints``).

Tiers (``recoveryPointTierDetails``): ``snapshot`` = InstantRP + HardenedRP (inside the policy's
instant-restore days), ``vault`` = HardenedRP only, ``archive`` = ArchivedRP only.
"""

from armemu.core.http import json_response
from armemu.core.lro import iso
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._backup_support import ITEM, bms_error, filter_terms, filter_window, in_window, item_not_found, request_item_id
from armemu.resources._passive_stamp import passive_handler
from armemu.resources._vault_support import require_vault

RP_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints"
TIERS = {
    "snapshot": [{"type": "InstantRP", "status": "Valid"}, {"type": "HardenedRP", "status": "Valid"}],
    "vault": [{"type": "HardenedRP", "status": "Valid"}],
    "archive": [{"type": "ArchivedRP", "status": "Valid"}],
}


def recovery_point_name(moment):
    """A numeric name like Azure's ``22244821112382`` (derived from the time, so names sort by age)."""
    return str(int(moment.timestamp() * 10000) % 10 ** 14)


def recovery_point_type(vm):
    """App-consistent for running Windows VMs, file-system-consistent for running Linux, else crash-consistent."""
    if vm is None:
        return "CrashConsistent"
    power = vm["properties"]["instanceView"]["statuses"][1]["code"]
    if power != "PowerState/running":
        return "CrashConsistent"
    return "AppConsistent" if vm["properties"]["storageProfile"]["osDisk"]["osType"] == "Windows" else "FileSystemConsistent"


def add_recovery_point(store, item, vm, moment, tier="snapshot", expiry=None):
    """Store a recovery point of ``item`` taken at ``moment`` from ``vm`` (None if the VM is gone); return it."""
    name = recovery_point_name(moment)
    while store.exists(f"{item['id']}/recoveryPoints/{name}"):
        name = str(int(name) + 1)
    os_type = vm["properties"]["storageProfile"]["osDisk"]["osType"] if vm else "Windows"
    size = vm["properties"]["hardwareProfile"]["vmSize"] if vm else "Standard_D2s_v3"
    properties = {
        "objectType": "IaasVMRecoveryPoint", "recoveryPointType": recovery_point_type(vm), "recoveryPointTime": iso(moment),
        "recoveryPointAdditionalInfo": "", "sourceVMStorageType": "NormalStorage", "isSourceVMEncrypted": False,
        "isInstantIlrSessionActive": False, "recoveryPointTierDetails": [dict(tier_detail) for tier_detail in TIERS[tier]],
        "isManagedVirtualMachine": True, "virtualMachineSize": size, "originalStorageAccountOption": False, "osType": os_type,
        "securityType": "None",
        "recoveryPointMoveReadinessInfo": {"ArchivedRP": {"isReadyForMove": tier == "vault",
                                                          "additionalInfo": "Recovery point is not eligible for move."
                                                          if tier != "vault" else ""}},
    }
    if expiry:
        properties["recoveryPointProperties"] = {"expiryTime": expiry, "ruleName": "OnDemand"}
    body = {"id": f"{item['id']}/recoveryPoints/{name}", "name": name, "type": RP_TYPE, "properties": properties}
    store.put(body["id"], body)
    return body


def recovery_points(store, item_id):
    """The item's recovery points, newest first."""
    points = store.children(item_id, "recoveryPoints")
    return sorted(points, key=lambda body: body["properties"]["recoveryPointTime"], reverse=True)


def _require_item(req):
    require_vault(req)
    item = req.emu.store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    return item


@route("GET", ITEM + "/recoveryPoints")
def list_recovery_points(req):
    secondary = passive_handler(req, "recoveryPoints.list")  # the secondary region's view (backup_crr.py)
    if secondary:
        return secondary(req)
    item = _require_item(req)
    terms = filter_terms(req.query_value("$filter"))
    since, until = filter_window(terms, "startdate", "enddate")
    points = recovery_points(req.emu.store, item["id"])
    return paged_response(req, [body for body in points if in_window(body["properties"]["recoveryPointTime"], since, until)])


@route("GET", ITEM + "/recoveryPoints/{recoveryPointId}")
def get_recovery_point(req):
    secondary = passive_handler(req, "recoveryPoints.get")
    if secondary:
        return secondary(req)
    item = _require_item(req)
    body = req.emu.store.get(f"{item['id']}/recoveryPoints/{req.params['recoveryPointId']}")
    if body is None:
        raise bms_error("BMSUserErrorRecoveryPointNotFound",
                        f"Recovery point '{req.params['recoveryPointId']}' not found.\r\nPlease provide a valid recovery point.", 404)
    return json_response(200, body)
