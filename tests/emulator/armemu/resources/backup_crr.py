"""Cross-region restore (CRR): the secondary region's view of a vault and Azure's CRR routes (passive stamp api-versions).

``S = /subscriptions/{s}/providers/Microsoft.RecoveryServices/locations/{azureRegion}`` where ``azureRegion`` is
the vault region's pair (azure-cli's ``secondary_region_map``; Azure's cross-region replication pairs).
Only a vault with ``redundancySettings.crossRegionRestore: Enabled`` has a secondary view; otherwise every
route below answers 400 ``BMSUserErrorCrossRegionRestoreNotEnabledInThisVault`` (code seen from Azure in
terraform-provider-azurerm#21663; message inferred). Sources: the CRR swagger (stable/2018-12-20 and
2021-11-15 ``bms.json``) and its examples, azure-cli's ``restore_disks`` / ``list_jobs`` / ``show_job``.

- Secondary view (same paths as the primary ones, passive-stamp api-version, see _passive_stamp.py):
  ``GET I/recoveryPoints/`` and ``GET I/recoveryPoints/{rp}`` list only points replicated to the pair:
  vault-tier points (``HardenedRP``) at least ``REPLICATION_LAG_HOURS`` old (Azure documents the secondary
  region's RPO as up to 12 hours behind the primary's); snapshot-only and archive-only points are not there.
  ``GET V/backupProtectedItems/`` lists the vault's items as the primary region does.
- ``GET S/backupAadProperties`` → 200 ``{properties: {tenantId, audience, servicePrincipalObjectId}}`` (example).
- ``POST I/recoveryPoints/{rp}/accessToken`` (body ``AADPropertiesResource``) → 200 ``WorkloadCrrAccessToken`` (example);
  the point must be in the secondary view. A read (``write: false`` in the request log).
- ``POST S/backupCrossRegionRestore`` with ``{crossRegionRestoreAccessDetails: <the token's properties>,
  restoreRequest: <an IaasVMRestoreRequest with region = the secondary region>}`` → 202 with
  ``Azure-AsyncOperation: S/backupCrrOperationsStatus/{op}`` + ``Location: S/backupCrrOperationResults/{op}``
  (TriggerCrossRegionRestore_Post.json), and no Retry-After on the 202 or its polls, as the primary Backup RP
  (``without_retry_after``: the example's ``Retry-After: 60`` is the one the primary examples carry and Azure's
  recorded primary answers do not). The targets (group, staging account, network) must be in
  the secondary region; the same checks as a primary restore apply (backup_restore.py). The finished status
  carries ``properties.jobId`` (azure-cli's ``track_backup_crr_job`` reads it); ``S/backupCrrOperationResults/{op}``
  answers 202 then 200.
- The CRR job (``operation: CrossRegionRestore``, id ``S/backupJobs/{job}`` as GetCrrJob_Post.json) is not in the
  vault's job list: ``POST S/backupCrrJobs`` (body ``{resourceId: <vault id>}``, ``$filter`` as the vault's job list)
  and ``POST S/backupCrrJob`` (``{resourceId, jobName}``) read it; both are reads (``write: false``). The list
  leaves out ``extendedInfo`` as the vault's job list example does; ``backupCrrJob`` has it.

Emulator's own choices (inferred): the access token lives 1 hour and is refused afterwards with
``BMSUserErrorCrrAccessTokenExpired``, an unknown one with ``BMSUserErrorInvalidCrrAccessToken``; a wrong
``azureRegion`` answers ``BMSUserErrorInvalidRestoreRegion``.
"""

import secrets
import uuid
from datetime import timedelta

from armemu.core.arm import normalise_location
from armemu.core.errors import bad_request
from armemu.core.http import empty_response, json_response
from armemu.core.lro import accepted, iso, result_response, status_response, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources import _passive_stamp
from armemu.resources._backup_support import (bms_error, filter_terms, filter_window, in_window, item_not_found, parse_iso, request_item_id,
                                              short_container_name, vm_id_parts, without_retry_after)
from armemu.resources._vault_support import require_vault
from armemu.resources.backup_jobs import _matches, _served
from armemu.resources.backup_restore import check_restore_request, job_length, recovery_point_time, restore_finisher, start_restore_job
from armemu.resources.item_level_recovery import RECOVERY_POINT

REPLICATION_LAG_HOURS = 12
TOKEN_HOURS = 1
SECONDARY = "/subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/locations/{azureRegion}"
# Azure's regional pairs (the regions azure-cli's secondary_region_map knows), both ways unless noted.
PAIRS = {
    "westeurope": "northeurope", "northeurope": "westeurope", "uksouth": "ukwest", "ukwest": "uksouth",
    "francecentral": "francesouth", "francesouth": "francecentral", "germanywestcentral": "germanynorth",
    "germanynorth": "germanywestcentral", "switzerlandnorth": "switzerlandwest", "switzerlandwest": "switzerlandnorth",
    "norwayeast": "norwaywest", "norwaywest": "norwayeast", "swedencentral": "swedensouth", "swedensouth": "swedencentral",
    "eastus": "westus", "westus": "eastus", "eastus2": "centralus", "centralus": "eastus2", "northcentralus": "southcentralus",
    "southcentralus": "northcentralus", "westus2": "westcentralus", "westcentralus": "westus2", "westus3": "eastus",
    "canadacentral": "canadaeast", "canadaeast": "canadacentral", "brazilsouth": "southcentralus",
    "eastasia": "southeastasia", "southeastasia": "eastasia", "japaneast": "japanwest", "japanwest": "japaneast",
    "koreacentral": "koreasouth", "koreasouth": "koreacentral", "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast", "centralindia": "southindia", "southindia": "centralindia",
    "southafricanorth": "southafricawest", "southafricawest": "southafricanorth", "uaenorth": "uaecentral", "uaecentral": "uaenorth",
}
AUDIENCE_CODES = {"northeurope": "ne", "westeurope": "we", "eastus": "eus", "westus": "wus", "southeastasia": "sea", "eastasia": "ea"}
SERVICE_PRINCIPAL = "5ecd8123-cf74-4037-83e9-9246b227b351"  # Backup Management Service's object id, as in the spec example


def secondary_region(vault):
    return PAIRS.get(vault["location"])


def secondary_scope(subscription_id, region):
    return f"/subscriptions/{subscription_id}/providers/Microsoft.RecoveryServices/locations/{region}"


def require_crr(vault):
    """The vault's secondary region; 400 like Azure when cross-region restore is not enabled."""
    if vault["properties"].get("redundancySettings", {}).get("crossRegionRestore") != "Enabled" or not secondary_region(vault):
        raise bms_error("BMSUserErrorCrossRegionRestoreNotEnabledInThisVault",
                        f"Cross Region Restore is not enabled on vault '{vault['name']}'.\r\n"
                        "Enable Cross Region Restore on the vault (GeoRedundant storage) and retry after the data has replicated.")
    return secondary_region(vault)


# --- the secondary view ---------------------------------------------------------------------------

def replicated(point, now):
    """The point as the secondary region shows it, or None when it is not there (yet)."""
    tiers = [tier["type"] for tier in point["properties"].get("recoveryPointTierDetails") or [] if tier.get("status") == "Valid"]
    if "HardenedRP" not in tiers or parse_iso(point["properties"]["recoveryPointTime"]) > now - timedelta(hours=REPLICATION_LAG_HOURS):
        return None
    point["properties"]["recoveryPointTierDetails"] = [{"type": "HardenedRP", "status": "Valid"}]
    point["properties"]["isInstantIlrSessionActive"] = False
    return point


def secondary_points(store, item_resource_id):
    now = utc_now()
    points = [replicated(point, now) for point in store.children(item_resource_id, "recoveryPoints")]
    return sorted((point for point in points if point), key=lambda body: body["properties"]["recoveryPointTime"], reverse=True)


def _secondary_item(req):
    vault = require_vault(req)
    require_crr(vault)
    item = req.emu.store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    return vault, item


def secondary_point(req, item):
    name = req.params["recoveryPointId"]
    point = next((body for body in secondary_points(req.emu.store, item["id"]) if body["name"] == name), None)
    if point is None:
        raise bms_error("BMSUserErrorRecoveryPointNotFound",
                        f"Recovery point '{name}' not found in the secondary region.\r\nPlease provide a valid recovery point.", 404)
    return point


def list_secondary_points(req):
    dummy, item = _secondary_item(req)
    since, until = filter_window(filter_terms(req.query_value("$filter")), "startdate", "enddate")
    points = secondary_points(req.emu.store, item["id"])
    return paged_response(req, [body for body in points if in_window(body["properties"]["recoveryPointTime"], since, until)])


def get_secondary_point(req):
    dummy, item = _secondary_item(req)
    return json_response(200, secondary_point(req, item))


def check_secondary_vault(req):
    """The secondary region lists the vault's protected items as the primary does, if the vault has CRR."""
    require_crr(require_vault(req))


_passive_stamp.register("recoveryPoints.list", list_secondary_points)
_passive_stamp.register("recoveryPoints.get", get_secondary_point)
_passive_stamp.register("protectedItems.list", check_secondary_vault)


# --- AAD properties and the access token ----------------------------------------------------------

@route("GET", SECONDARY + "/backupAadProperties")
def aad_properties(req):
    region = normalise_location(req.params["azureRegion"])
    code = AUDIENCE_CODES.get(region, region)
    return json_response(200, {"properties": {"tenantId": req.emu.tenant, "audience": f"https://RecoveryServices/IaasCoord/aadmgmt/{code}",
                                              "servicePrincipalObjectId": SERVICE_PRINCIPAL}})


def _token_key(vault_resource_id, token):
    return f"{vault_resource_id}/armemuCrrAccessTokens/{token}"


@route("POST", RECOVERY_POINT + "/accessToken", write=False)
def access_token(req):
    vault, item = _secondary_item(req)
    point = secondary_point(req, item)
    token = secrets.token_hex(32)
    store = req.emu.store
    store.put(_token_key(vault["id"], token), {"vault": vault["id"], "item": item["id"], "point": point["name"],
                                               "expiresAt": iso(utc_now() + timedelta(hours=TOKEN_HOURS))})
    dummy, group, vm_name = vm_id_parts(item["properties"].get("sourceResourceId", "")) or (None, "", item["properties"]["friendlyName"])
    short = short_container_name(group, vm_name)
    properties = {
        "objectType": "WorkloadCrrAccessToken", "accessTokenString": token, "subscriptionId": req.params["subscriptionId"],
        "resourceGroupName": req.params["resourceGroupName"], "resourceName": vault["name"],
        "resourceId": str(uuid.uuid5(uuid.NAMESPACE_URL, vault["id"].lower()).int % 10 ** 19),
        "recoveryPointId": point["name"], "recoveryPointTime": recovery_point_time(point), "containerName": short,
        "containerType": "IaasVMContainer", "backupManagementType": "AzureIaasVM", "datasourceType": "VM", "datasourceName": vm_name,
        "datasourceId": str(uuid.uuid5(uuid.NAMESPACE_URL, item["id"].lower()).int % 10 ** 10), "datasourceContainerName": short,
        "coordinatorServiceStampUri": f"https://pod01-coord1.{vault['location']}.backup.windowsazure.com",
        "protectionServiceStampId": str(uuid.uuid5(uuid.NAMESPACE_URL, vault["location"])),
        "protectionServiceStampUri": f"https://pod01-prot1.{vault['location']}.backup.windowsazure.com",
        "tokenExtendedInformation": (f"<IaaSVMRecoveryPointMetadataBase><OsType>{point['properties'].get('osType')}</OsType>"
                                     f"<VMSizeDescription>{point['properties'].get('virtualMachineSize')}</VMSizeDescription>"
                                     "</IaaSVMRecoveryPointMetadataBase>"),
    }
    return json_response(200, {"id": point["id"], "name": point["name"], "type": point["type"], "properties": properties})


def _redeem(store, details):
    """The (vault, item, point) a CRR access token names; 400 for an unknown or expired token."""
    token = (details or {}).get("accessTokenString") or ""
    matches = store.find(lambda key, dummy: key.endswith(f"/armemucrraccesstokens/{token.lower()}") and bool(token))
    if not matches:
        raise bms_error("BMSUserErrorInvalidCrrAccessToken", "The cross region restore access token is not valid.\r\n"
                                                             "Get a new token for the recovery point (POST .../accessToken) and retry.")
    grant = matches[0]
    if parse_iso(grant["expiresAt"]) <= utc_now():
        raise bms_error("BMSUserErrorCrrAccessTokenExpired", "The cross region restore access token has expired.\r\n"
                                                             "Get a new token for the recovery point and retry.")
    vault, item = store.get(grant["vault"]), store.get(grant["item"])
    if vault is None or item is None:
        raise item_not_found()
    return vault, item, grant["point"]


# --- the CRR trigger and its operation ------------------------------------------------------------

def _operation_scope(req):
    return f"{secondary_scope(req.params['subscriptionId'], normalise_location(req.params['azureRegion']))}/backupCrrOperations"


@route("POST", SECONDARY + "/backupCrossRegionRestore")
def cross_region_restore(req):
    store = req.emu.store
    request = req.json()
    vault, item, point_name = _redeem(store, request.get("crossRegionRestoreAccessDetails"))
    region = require_crr(vault)
    if normalise_location(req.params["azureRegion"]) != region:
        raise bms_error("BMSUserErrorInvalidRestoreRegion",
                        f"Vault '{vault['name']}' ({vault['location']}) restores across regions only to its pair {region}, "
                        f"not {req.params['azureRegion']}.")
    now = utc_now()
    point = next((body for body in (replicated(stored, now) for stored in store.children(item["id"], "recoveryPoints"))
                  if body and body["name"] == point_name), None)
    if point is None:
        raise bms_error("BMSUserErrorRecoveryPointNotFound", f"Recovery point '{point_name}' not found in the secondary region.", 404)
    plan = check_restore_request(store, vault, item, point, request.get("restoreRequest") or {}, region)
    job = start_restore_job(store, secondary_scope(req.params["subscriptionId"], region), plan, "CrossRegionRestore")
    with store.lock:
        body = store.get(job)
        body["armemuVault"] = vault["id"].lower()
        store.put(job, body)
    req.emu.ops.start(job, on_complete=restore_finisher(store, job, plan), delay=job_length(plan, req.emu.settings))
    operation = req.emu.ops.start(_operation_scope(req), properties={"objectType": "OperationStatusJobExtendedInfo", "jobId": body["name"]},
                                  kind="restore_trigger")
    base = secondary_scope(req.params["subscriptionId"], region)
    query = {"api-version": req.api_version}
    return without_retry_after(accepted(req.emu.ops, operation, req.url_for(f"{base}/backupCrrOperationsStatus/{operation.id}", query),
                                        req.url_for(f"{base}/backupCrrOperationResults/{operation.id}", query)))


@route("GET", SECONDARY + "/backupCrrOperationsStatus/{operationId}")
def crr_operation_status(req):
    operation = req.emu.ops.get(req.params["operationId"], _operation_scope(req))
    return without_retry_after(status_response(req.emu.ops, operation, req.path))


@route("GET", SECONDARY + "/backupCrrOperationResults/{operationId}")
def crr_operation_result(req):
    operation = req.emu.ops.get(req.params["operationId"], _operation_scope(req))
    operation.result = operation.result or (lambda: empty_response(200))
    return without_retry_after(result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)}))


# --- CRR jobs -------------------------------------------------------------------------------------

def _crr_vault(req):
    """The vault a CrrJobRequest names (``resourceId``), with CRR enabled."""
    resource_id = (req.json() or {}).get("resourceId")
    vault = req.emu.store.get(resource_id) if resource_id else None
    if vault is None or vault.get("type") != "Microsoft.RecoveryServices/vaults":
        raise bad_request("resourceId must be the id of a Recovery Services vault.", "BMSUserErrorInvalidInput")
    require_crr(vault)
    return vault


def _crr_jobs(req, vault):
    scope = secondary_scope(req.params["subscriptionId"], normalise_location(req.params["azureRegion"]))
    jobs = [body for body in req.emu.store.children(scope, "backupJobs") if body.get("armemuVault") == vault["id"].lower()]
    for body in jobs:
        body.pop("armemuVault")
    return [_served(body) for body in jobs]


@route("POST", SECONDARY + "/backupCrrJobs", write=False)
def list_crr_jobs(req):
    vault = _crr_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    since, until = filter_window(terms, "starttime", "endtime")
    jobs = [body for body in _crr_jobs(req, vault) if _matches(body, terms, since, until)]
    jobs.sort(key=lambda body: body["properties"]["startTime"], reverse=True)
    for body in jobs:
        body["properties"].pop("extendedInfo")  # lists carry no extendedInfo (ListJobs example); backupCrrJob has it
    return paged_response(req, jobs)


@route("POST", SECONDARY + "/backupCrrJob", write=False)
def get_crr_job(req):
    vault = _crr_vault(req)
    name = (req.json() or {}).get("jobName")
    job = next((body for body in _crr_jobs(req, vault) if body["name"] == name), None)
    if job is None:
        raise bms_error("BMSUserErrorJobNotFound", f"Job '{name}' not found.\r\nPlease check the job id.", 404)
    return json_response(200, job)
