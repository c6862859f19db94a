"""Azure file shares protected by a vault: policies, items, on-demand backups, recovery points, restores (api-version 2026-10-01).

Items live where Azure VM items do (``V/backupFabrics/Azure/protectionContainers/{StorageContainer;...}/protectedItems/{name}``),
so the vault-wide lists of backup_protected_items.py, the item GET, recovery point reads and the operation URLs of
backup_operations.py serve them unchanged. The routes here are guarded (storage container in the path, or an
AzureStorage body) and leave Azure VMs to their own files.

**Policies** (``PUT V/backupPolicies/{p}`` with ``backupManagementType: AzureStorage``; spec examples
ProtectionPolicies_CreateOrUpdate_Daily/Hourly/Hardened.json): ``AzureFileShareProtectionPolicy``, ``workLoadType``
AzureFileShare, ``SimpleSchedulePolicy`` Daily (one ``scheduleRunTimes``) or Hourly (``hourlySchedule`` interval
4/6/8/12, ``scheduleWindowDuration`` from the interval to 24, ``scheduleWindowStartTime``), times on the hour or half
hour. Snapshot tier (``retentionPolicy``): daily 1-200 days, weekly 1-200 weeks, monthly 1-120 months, yearly 1-10
years (support matrix, "Retention limits"). Vaulted tier (``vaultRetentionPolicy: {snapshotRetentionInDays, vaultRetention}``,
the Hardened example): Daily schedules only (documentation: one vaulted backup a day), ``snapshotRetentionInDays``
0-30 (documentation), vault retention daily 1-9999, weekly 1-5163, monthly 1-1188, yearly 1-99 (as for VMs,
documentation); a policy has one tier, never both (spec: two alternative properties; refusal inferred). Retention
times are echoed as the schedule's time (the window's end for hourly: spec example). Refusals: 400
``BMSUserErrorInvalidPolicyInput`` with the detail, like VM policies (code from backup_policies.py, recorded). A
policy in use answers 202 with one ``AzureStorageJob`` ConfigureBackup per item.

**Items** (``PUT I``, I = ``.../protectionContainers/StorageContainer;Storage;{rg};{account}/protectedItems/{name}``,
``name`` = the protectable item's ``azurefileshare;{hash}`` or ``AzureFileShare;{share name}``; body
``AzureFileShareProtectedItem`` with ``policyId`` and ``sourceResourceId`` = the account): enable, modify, stop
(``protectionState: ProtectionStopped``), resume, undelete (``isRehydrate``) exactly as Azure VM items (202 +
``I/operationsStatus`` / ``I/operationResults``, a job per change). Enabling registers nothing: the account must be
registered with this vault (400 ``BMSUserErrorContainerObjectNotFound``, inferred code), the share must exist (400
``FileShareNotFound`` "Operation failed as the file share isn't found", documentation) and use SMB (NFS: same
code, documentation says NFS is not supported); the policy must be an AzureStorage one
(``BMSUserErrorInvalidPolicyForGivenProvider``, as for VMs); a vaulted policy needs a standard account (FileStorage:
400 ``BMSUserErrorVaultedBackupNotSupported``, inferred; documentation: vaulted backup supports the Standard tier only).
``DELETE I``: 202 with vault-scoped URLs; with soft delete on the item stays soft-deleted for the vault's retention
days (documentation: soft delete covers file shares), else it and its recovery points go. The container stays.

**On-demand backup** (``POST I/backup``, ``AzureFileShareBackupRequest``, ``recoveryPointExpiryTimeInUTC`` optional,
in the future and at most 10 years ahead: support matrix): 202; the Backup job makes an ``AzureFileShareRecoveryPoint``
(``fileShareSnapshotUri`` ``https://{account}.file.core.windows.net/{share}?sharesnapshot={time}``, tier
``FileShareSnapshot``, plus ``VaultStandard`` for a vaulted policy: inferred tier names of the spec enum). A second
backup while one runs: 400 ``ParallelSnapshotRequest`` (documentation; answered at trigger time, inferred).

**Restore** (``POST I/recoveryPoints/{rp}/restore``, ``AzureFileShareRestoreRequest``): ``recoveryType``
OriginalLocation or AlternateLocation (``targetDetails: {name: share, targetResourceId: account}``, an existing
share of a registered-or-not account of the vault's region: 400 ``TargetFileShareNotFound``, documentation),
``copyOptions`` Overwrite, Skip or FailOnConflict (az offers Overwrite and Skip), ``restoreRequestType``
FullShareRestore or ItemLevelRestore with 1-99 ``restoreFileSpecs`` ``{path, fileSpecType: File|Directory,
targetFolderPath}`` (support matrix: 99 items per item-level restore). A restore onto a target share another
restore is writing: 400 ``UserErrorAnotherRestoreInProgressOnSameTarget`` (documentation). The Restore job
(``AzureStorageJob``) records in ``extendedInfo.propertyBag`` (keys inferred): "Job Type", "Restore Type",
"Target Storage Account", "Target File Share", "Copy Options", "Restored Items".
"""

import copy
import uuid
from datetime import timedelta
from urllib.parse import quote

from armemu.core.http import json_response
from armemu.core.lro import iso, utc_now
from armemu.core.routing import route
from armemu.core.validation import check_time_zone
from armemu.resources._backup_support import ITEM, ITEM_TYPE, bms_error, item_not_found, parse_iso, request_item_id, soft_delete_settings
from armemu.resources._protected_item_support import (JOB_OPERATIONS, NEVER_BACKED_UP, STOPPED_STATES, accept_change, change_applier,
                                                      delete_protected_item, requested_change)
from armemu.resources._vault_support import VAULT, azure_spelling, require_vault
from armemu.resources.backup_file_shares import ACCOUNT_ID, SHARE_ITEM_NAME, is_storage_container, share_hash
from armemu.resources.backup_jobs import JOB_TYPE, finish_job, job_id
from armemu.resources.backup_operations import item_accepted, start_backup_operation
from armemu.resources.backup_policies import (_policy_accepted, _policy_scope, find_policy, invalid_policy, normalise_time, policy_resource,
                                              policy_users, with_counts)
from armemu.resources.backup_protected_items import record_backup
from armemu.resources.backup_recovery_points import RP_TYPE, recovery_point_name
from armemu.resources.item_level_recovery import RECOVERY_POINT, require_point
from armemu.resources.storage_file_shares import shares_of

ITEM_TYPE_NAME = "AzureFileShareProtectedItem"
SNAPSHOT_LIMITS = {"dailySchedule": ("Days", 1, 200), "weeklySchedule": ("Weeks", 1, 200),
                   "monthlySchedule": ("Months", 1, 120), "yearlySchedule": ("Years", 1, 10)}
VAULT_LIMITS = {"dailySchedule": ("Days", 1, 9999), "weeklySchedule": ("Weeks", 1, 5163),
                "monthlySchedule": ("Months", 1, 1188), "yearlySchedule": ("Years", 1, 99)}
SNAPSHOT_DAYS_IN_VAULTED = (0, 30)
HOURLY_INTERVALS = (4, 6, 8, 12)
ON_DEMAND_YEARS = 10
COPY_OPTIONS = ("Overwrite", "Skip", "FailOnConflict")
MAX_RESTORE_ITEMS = 99


# --- policies -------------------------------------------------------------------------------------

def is_storage_policy(req, _params):
    """Route guard: a policy PUT whose body names the AzureStorage management type."""
    body = req.json() if req.method == "PUT" else {}
    return str((body.get("properties") or {}).get("backupManagementType", "")).lower() == "azurestorage"


def _checked_retention(retention, limits, schedule_time, field):
    if not isinstance(retention, dict) or azure_spelling(retention.get("retentionPolicyType"), ("LongTermRetentionPolicy",)) is None:
        raise invalid_policy(f"{field} must be a LongTermRetentionPolicy")
    retention["retentionPolicyType"] = "LongTermRetentionPolicy"
    if not retention.get("dailySchedule"):
        raise invalid_policy(f"{field} needs dailySchedule retention")
    for key, (duration_type, smallest, largest) in limits.items():
        rule = retention.get(key)
        if not rule:
            retention.pop(key, None)
            continue
        duration = rule.get("retentionDuration") or {}
        duration["durationType"] = azure_spelling(duration.get("durationType"), (duration_type,)) or duration.get("durationType")
        count = duration.get("count")
        if duration.get("durationType") != duration_type or not isinstance(count, int) or not smallest <= count <= largest:
            raise invalid_policy(f"{field}.{key}.retentionDuration must be {smallest}-{largest} {duration_type} for a file share")
        rule["retentionTimes"] = [schedule_time]
        for empty in ("retentionScheduleDaily",):
            if rule.get(empty) is None:
                rule.pop(empty, None)


def _checked_schedule(schedule):
    """The schedule as Azure echoes it and the time retention rules take (the window's end for hourly)."""
    if not isinstance(schedule, dict) or azure_spelling(schedule.get("schedulePolicyType"), ("SimpleSchedulePolicy",)) is None:
        raise invalid_policy("an AzureFileShare policy needs schedulePolicyType SimpleSchedulePolicy")
    schedule["schedulePolicyType"] = "SimpleSchedulePolicy"
    frequency = azure_spelling(schedule.get("scheduleRunFrequency"), ("Daily", "Hourly"))
    if frequency is None:
        raise invalid_policy(f"scheduleRunFrequency must be Daily or Hourly for a file share, not {schedule.get('scheduleRunFrequency')!r}")
    schedule["scheduleRunFrequency"] = frequency
    schedule["scheduleWeeklyFrequency"] = 0
    if frequency == "Daily":
        times = schedule.get("scheduleRunTimes")
        if not isinstance(times, list) or len(times) != 1:
            raise invalid_policy("scheduleRunTimes must hold exactly one time")
        schedule["scheduleRunTimes"] = [normalise_time(times[0], "scheduleRunTimes")]
        return frequency, schedule["scheduleRunTimes"][0]
    hourly = schedule.get("hourlySchedule") or {}
    if hourly.get("interval") not in HOURLY_INTERVALS:
        raise invalid_policy(f"hourlySchedule.interval must be one of {', '.join(map(str, HOURLY_INTERVALS))}")
    duration = hourly.get("scheduleWindowDuration")
    if not isinstance(duration, int) or not hourly["interval"] <= duration <= 24:
        raise invalid_policy("hourlySchedule.scheduleWindowDuration must be between the interval and 24 hours")
    hourly["scheduleWindowStartTime"] = normalise_time(hourly.get("scheduleWindowStartTime"), "scheduleWindowStartTime")
    schedule["hourlySchedule"] = hourly
    end = parse_iso(hourly["scheduleWindowStartTime"]) + timedelta(hours=duration)
    return frequency, end.strftime("%Y-%m-%dT%H:%M:00Z")


def checked_file_share_policy(properties):
    """An AzureStorage policy body as Azure stores it, or ``invalid_policy``."""
    policy = copy.deepcopy(properties)
    policy["backupManagementType"] = "AzureStorage"
    workload = azure_spelling(policy.get("workLoadType") or "AzureFileShare", ("AzureFileShare",))
    if workload is None:
        raise invalid_policy("an AzureStorage policy protects the AzureFileShare workload")
    policy["workLoadType"] = workload
    frequency, retention_time = _checked_schedule(policy.get("schedulePolicy"))
    snapshot, vaulted = policy.get("retentionPolicy"), policy.get("vaultRetentionPolicy")
    if bool(snapshot) == bool(vaulted):
        raise invalid_policy("give exactly one of retentionPolicy (snapshot tier) and vaultRetentionPolicy (vaulted tier)")
    if snapshot:
        _checked_retention(snapshot, SNAPSHOT_LIMITS, retention_time, "retentionPolicy")
        policy.pop("vaultRetentionPolicy", None)
    else:
        if frequency != "Daily":
            raise invalid_policy("a vaulted (vaultRetentionPolicy) file share policy runs Daily")
        days = vaulted.get("snapshotRetentionInDays")
        if not isinstance(days, int) or not SNAPSHOT_DAYS_IN_VAULTED[0] <= days <= SNAPSHOT_DAYS_IN_VAULTED[1]:
            raise invalid_policy(f"vaultRetentionPolicy.snapshotRetentionInDays must be {SNAPSHOT_DAYS_IN_VAULTED[0]}-{SNAPSHOT_DAYS_IN_VAULTED[1]}")
        _checked_retention(vaulted.get("vaultRetention"), VAULT_LIMITS, retention_time, "vaultRetentionPolicy.vaultRetention")
        policy.pop("retentionPolicy", None)
    policy.setdefault("timeZone", "UTC")
    policy["protectedItemsCount"] = 0
    return policy


def is_vaulted(policy):
    return bool(policy["properties"].get("vaultRetentionPolicy"))


def start_storage_job(store, vault, operation, share_name, account_name, property_bag=None, user_triggered=True):
    """Store a new InProgress ``AzureStorageJob`` and return its id."""
    name = str(uuid.uuid4())
    body = {
        "id": job_id(vault, name), "name": name, "type": JOB_TYPE,
        "properties": {
            "jobType": "AzureStorageJob", "entityFriendlyName": share_name, "backupManagementType": "AzureStorage",
            "operation": operation, "status": "InProgress", "startTime": iso(utc_now()), "activityId": str(uuid.uuid4()),
            "duration": "PT0S", "storageAccountName": account_name, "storageAccountVersion": "Storage", "isUserTriggered": user_triggered,
            "actionsInfo": [], "errorDetails": [],
            "extendedInfo": {"tasksList": [], "propertyBag": dict(property_bag or {}), "dynamicErrorMessage": ""},
        },
    }
    store.put(body["id"], body)
    return body["id"]


def _account_name(item):
    return item["properties"]["sourceResourceId"].rstrip("/").rsplit("/", 1)[-1]


@route("PUT", VAULT + "/backupPolicies/{policyName}", when=is_storage_policy)
def put_file_share_policy(req):
    vault_id = require_vault(req)["id"]
    store, name = req.emu.store, req.params["policyName"]
    current = find_policy(store, vault_id, name)
    properties = req.json().get("properties") or {}
    check_time_zone(properties.get("timeZone"))
    if current and current["properties"]["backupManagementType"] != "AzureStorage":
        raise invalid_policy("the backupManagementType of an existing policy cannot change")
    body = policy_resource(vault_id, current["name"] if current else name, checked_file_share_policy(properties))
    if current and is_vaulted(current) != is_vaulted(body) and policy_users(store, vault_id, body["id"]):
        raise invalid_policy("a policy that protects file shares cannot move between the snapshot and the vaulted tier")
    users = policy_users(store, vault_id, body["id"]) if current else []
    if not users:
        store.put(body["id"], body)
        return json_response(200, body)
    jobs = [start_storage_job(store, vault_id, "ConfigureBackup", item["properties"]["friendlyName"], _account_name(item),
                              {"Policy Name": body["name"]}, user_triggered=False) for item in users]

    def apply():
        store.put(body["id"], body)
        for job in jobs:
            finish_job(store, job)
    operation = req.emu.ops.start(_policy_scope(vault_id, body["name"]), on_complete=apply, kind="policy_update",
                                  properties={"objectType": "OperationStatusJobsExtendedInfo",
                                              "jobIds": [job.rsplit("/", 1)[-1] for job in jobs], "failedJobsError": {}},
                                  result=lambda: json_response(200, with_counts(store, vault_id, [store.get(body["id"])])[0]))
    return _policy_accepted(req, vault_id, body["name"], operation)


# --- items ----------------------------------------------------------------------------------------

def item_name(share_resource_id):
    return f"AzureFileShare;{share_hash(share_resource_id)}"


def _share_named(store, account_resource_id, item_path_name):
    """The share an item name designates (``azurefileshare;{hash}`` or ``AzureFileShare;{share name}``), or None."""
    found = SHARE_ITEM_NAME.match(item_path_name or "")
    if not found:
        return None
    wanted = found.group(1).lower()
    for share in shares_of(store, account_resource_id):
        if wanted in (share_hash(share["id"]), share["name"].lower()):
            return share
    return None


def _file_share_not_found():
    return bms_error("FileShareNotFound", "Operation failed as the file share isn't found.\r\nEnsure that the file share you're trying "
                                          "to protect wasn't deleted.")


def _container(req):
    """(vault id, registered container body) the path names; 400 when the account is not registered with the vault."""
    vault = require_vault(req)["id"]
    if req.params["fabricName"].lower() != "azure":
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs")
    container = req.emu.store.get(f"{vault}/backupFabrics/Azure/protectionContainers/{req.params['containerName']}")
    if container is None:
        raise bms_error("BMSUserErrorContainerObjectNotFound",
                        f"Container '{req.params['containerName']}' not found.\r\nPlease register the storage account with the vault first.")
    return vault, container


def _resolve_policy(store, vault, policy_id):
    name = policy_id.rstrip("/").rsplit("/", 1)[-1]
    policy = find_policy(store, vault, name) if policy_id.lower().startswith(vault.lower() + "/backuppolicies/") else None
    if policy is None:
        raise bms_error("BMSUserErrorPolicyNotExist", f"Policy '{name}' does not exist in the vault.\r\nPlease provide a valid policy.")
    if policy["properties"].get("backupManagementType") != "AzureStorage":
        raise bms_error("BMSUserErrorInvalidPolicyForGivenProvider",
                        "Policy is not valid for given provider type. Please choose valid policy for given provider.")
    return policy


def new_item(store, vault, container, share, policy):
    account_resource_id = container["properties"]["sourceResourceId"]
    properties = {
        "protectedItemType": ITEM_TYPE_NAME, "backupManagementType": "AzureStorage", "workloadType": "AzureFileShare",
        "containerName": container["name"], "sourceResourceId": account_resource_id, "friendlyName": share["name"],
        "protectionState": "IRPending", "protectionStatus": "Healthy", "healthStatus": "Passed", "lastBackupStatus": "",
        "lastBackupTime": NEVER_BACKED_UP, "isScheduledForDeferredDelete": False,
        "softDeleteRetentionPeriodInDays": soft_delete_settings(store, vault)[1], "kpisHealths": {}, "vaultId": vault,
        "sourceLocation": store.get(vault)["location"], "isArchiveEnabled": False,
        "policyId": policy["id"], "policyName": policy["name"],
    }
    return {"id": f"{container['id']}/protectedItems/{item_name(share['id'])}", "name": item_name(share["id"]), "type": ITEM_TYPE,
            "properties": properties}


@route("PUT", ITEM, when=is_storage_container)
def put_file_share_item(req):
    vault, container = _container(req)
    store = req.emu.store
    requested = dict(req.json().get("properties") or {})
    if azure_spelling(requested.get("protectedItemType"), (ITEM_TYPE_NAME,)) is None:
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs "
                                                    f"(properties.protectedItemType must be '{ITEM_TYPE_NAME}').")
    if requested.get("protectionState") is not None:
        requested["protectionState"] = azure_spelling(requested["protectionState"], STOPPED_STATES + ("Protected",)) or requested["protectionState"]
    account_resource_id = container["properties"]["sourceResourceId"]
    share = _share_named(store, account_resource_id, req.params["protectedItemName"])
    current = store.get(f"{container['id']}/protectedItems/{item_name(share['id'])}") if share else store.get(request_item_id(req))
    change = requested_change(current, requested)
    policy = body = None
    if change in ("enable", "modify", "resume"):
        if not requested.get("policyId"):
            raise bms_error("BMSUserErrorInvalidConfigureProtectionRequest", "Input for configure protection is not in proper format\r\n"
                                                                             "Please provide a policy to protect the item.")
        policy = _resolve_policy(store, vault, requested["policyId"])
    if change == "enable":
        if share is None or share["properties"].get("enabledProtocols", "SMB") != "SMB":
            raise _file_share_not_found()
        source = requested.get("sourceResourceId")
        if source and source.lower() != account_resource_id.lower():
            raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\n"
                                                        "properties.sourceResourceId must be the storage account of the container.")
        if is_vaulted(policy) and store.get(account_resource_id).get("kind") == "FileStorage":
            raise bms_error("BMSUserErrorVaultedBackupNotSupported", "Vaulted backup is supported for file shares in standard storage "
                                                                     "accounts only.\r\nChoose a snapshot-tier policy for a premium file share.")
        body = new_item(store, vault, container, share, policy)
    resource_id = current["id"] if current else body["id"]
    friendly = (current or body)["properties"]["friendlyName"]
    job = start_storage_job(store, vault, JOB_OPERATIONS[change], friendly, account_resource_id.rsplit("/", 1)[-1],
                            {"Policy Name": policy["name"]} if policy else None)
    apply = change_applier(store, change, resource_id, requested, policy, lambda: store.put(resource_id, body))
    return accept_change(req, change, job, apply, resource_id)


def _start_delete_job(store, vault, item):
    return start_storage_job(store, vault, "DeleteBackupData", item["properties"]["friendlyName"], _account_name(item))


def _purge(store, item_resource_id):
    """Without soft delete the item and its recovery points go; the storage account stays registered (its container)."""
    store.delete_tree(item_resource_id)


@route("DELETE", ITEM, when=is_storage_container)
def delete_file_share_item(req):
    return delete_protected_item(req, _start_delete_job, _purge, store_time_remaining=False)


# --- on-demand backup -----------------------------------------------------------------------------

def _checked_expiry(request):
    properties = request.get("properties") or {}
    if properties.get("objectType") != "AzureFileShareBackupRequest":
        raise bms_error("BMSUserErrorInvalidInput", "Input provided for the call is invalid\r\nPlease check the required inputs "
                                                    "(properties.objectType must be 'AzureFileShareBackupRequest').")
    expiry = properties.get("recoveryPointExpiryTimeInUTC")
    if expiry is None:
        return None
    try:
        moment = parse_iso(expiry)
    except ValueError as err:
        raise bms_error("BMSUserErrorInvalidInput", f"recoveryPointExpiryTimeInUTC '{expiry}' is not a date-time.") from err
    now = utc_now()
    if moment.tzinfo is None or not now < moment <= now + timedelta(days=ON_DEMAND_YEARS * 366):
        raise bms_error("BMSUserErrorInvalidRetentionDate",
                        f"The retention date of an on-demand file share backup must be in the future and at most {ON_DEMAND_YEARS} years away.")
    return iso(moment)


def running_jobs(store, vault, operation, predicate):
    prefix = f"{vault}/backupJobs/".lower()
    return store.find(lambda key, body: key.startswith(prefix) and body["properties"]["operation"] == operation
                      and body["properties"]["status"] == "InProgress" and predicate(body))


def add_file_share_point(store, item, policy, moment, expiry=None):
    """Store an ``AzureFileShareRecoveryPoint`` of ``item`` taken at ``moment`` and return it."""
    name = recovery_point_name(moment)
    while store.exists(f"{item['id']}/recoveryPoints/{name}"):
        name = str(int(name) + 1)
    account = _account_name(item)
    tiers = [{"type": "FileShareSnapshot", "status": "Valid"}]
    if policy and is_vaulted(policy):
        tiers.append({"type": "VaultStandard", "status": "Valid"})
    properties = {"objectType": "AzureFileShareRecoveryPoint", "recoveryPointType": "FileSystemConsistent",
                  "recoveryPointTime": iso(moment), "recoveryPointSizeInGB": 1, "recoveryPointTierDetails": tiers,
                  "fileShareSnapshotUri": f"https://{account}.file.core.windows.net/{quote(item['properties']['friendlyName'])}"
                                          f"?sharesnapshot={quote(iso(moment))}"}
    if expiry:
        properties["recoveryPointProperties"] = {"expiryTime": expiry, "ruleName": "OnDemand"}
    body = {"id": f"{item['id']}/recoveryPoints/{name}", "name": name, "type": RP_TYPE, "properties": properties}
    store.put(body["id"], body)
    return body


@route("POST", ITEM + "/backup", when=is_storage_container)
def trigger_file_share_backup(req):
    vault = require_vault(req)["id"]
    store = req.emu.store
    item = store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    properties = item["properties"]
    if properties["isScheduledForDeferredDelete"] or properties["protectionState"] not in ("IRPending", "Protected", "ProtectionError"):
        raise bms_error("BMSUserErrorProtectionStopped",
                        f"Backup cannot be triggered: protection of '{properties['friendlyName']}' is {properties['protectionState']}.\r\n"
                        "Resume protection of the item first.")
    expiry = _checked_expiry(req.json())
    account = _account_name(item)
    if running_jobs(store, vault, "Backup", lambda body: body["properties"]["entityFriendlyName"] == properties["friendlyName"]
                    and body["properties"]["storageAccountName"] == account):
        raise bms_error("ParallelSnapshotRequest", "A backup job is already in progress for this file share.")
    job = start_storage_job(store, vault, "Backup", properties["friendlyName"], account)

    def finish():
        current = store.get(item["id"])
        share = store.get(f"{properties['sourceResourceId']}/fileServices/default/shares/{properties['friendlyName']}")
        if current is None or share is None:
            finish_job(store, job, "Failed", ("FileShareNotFound", "Operation failed as the file share isn't found."))
            return
        policy = store.get(current["properties"]["policyId"]) if current["properties"].get("policyId") else None
        point = add_file_share_point(store, current, policy, utc_now(), expiry)
        record_backup(store, item["id"], point)
        finish_job(store, job)
    req.emu.ops.start(job, on_complete=finish, kind="backup_job")
    operation = start_backup_operation(req, None, job, kind="backup_trigger")
    return item_accepted(req, operation, item["id"])


# --- restore --------------------------------------------------------------------------------------

def _invalid(message):
    return bms_error("BMSUserErrorInvalidInput", f"Input provided for the call is invalid\r\n{message}")


def _restore_target(store, vault_body, item, properties):
    """(account id, share name) the restore writes to."""
    if properties.get("recoveryType") == "OriginalLocation":
        return item["properties"]["sourceResourceId"], item["properties"]["friendlyName"]
    target = properties.get("targetDetails") or {}
    account = store.get(target.get("targetResourceId") or "") if ACCOUNT_ID.match(target.get("targetResourceId") or "") else None
    share = store.get(f"{account['id']}/fileServices/default/shares/{target.get('name')}") if account and target.get("name") else None
    if account is None or share is None or account.get("location") != vault_body["location"]:
        raise bms_error("TargetFileShareNotFound", "Target file share not found.\r\nGive an existing file share of a storage account in "
                                                   f"{vault_body['location']}, the vault's region.")
    return account["id"], share["name"]


def _file_specs(properties):
    specs = properties.get("restoreFileSpecs") or []
    if properties["restoreRequestType"] == "FullShareRestore":
        if specs:
            raise _invalid("restoreFileSpecs are for an ItemLevelRestore.")
        return []
    if not 1 <= len(specs) <= MAX_RESTORE_ITEMS:
        raise _invalid(f"An ItemLevelRestore restores 1 to {MAX_RESTORE_ITEMS} files or folders (restoreFileSpecs).")
    checked = []
    for spec in specs:
        kind = azure_spelling(spec.get("fileSpecType"), ("File", "Directory"))
        if not spec.get("path") or kind is None:
            raise _invalid("Each restoreFileSpecs entry needs a path and fileSpecType File or Directory.")
        checked.append({"path": spec["path"], "fileSpecType": kind, "targetFolderPath": spec.get("targetFolderPath")})
    return checked


def check_restore(store, vault_body, item, point, properties):
    """The restore plan, or the 400 Azure answers."""
    if item["properties"].get("isScheduledForDeferredDelete"):
        raise bms_error("BMSUserErrorItemSoftDeleted", f"The backup item '{item['properties']['friendlyName']}' is soft-deleted.\r\n"
                                                       "Undelete the item before restoring from its recovery points.")
    if properties.get("objectType") != "AzureFileShareRestoreRequest":
        raise _invalid("properties.objectType must be AzureFileShareRestoreRequest for a file share.")
    for key, allowed in (("recoveryType", ("OriginalLocation", "AlternateLocation")), ("copyOptions", COPY_OPTIONS),
                         ("restoreRequestType", ("FullShareRestore", "ItemLevelRestore"))):
        spelled = azure_spelling(properties.get(key), allowed)
        if spelled is None:
            raise _invalid(f"properties.{key} must be one of {', '.join(allowed)}.")
        properties[key] = spelled
    source = properties.get("sourceResourceId")
    if source and source.lower() != item["properties"]["sourceResourceId"].lower():
        raise _invalid("properties.sourceResourceId must be the storage account of the backed-up file share.")
    specs = _file_specs(properties)
    account_resource_id, share_name = _restore_target(store, vault_body, item, properties)
    account_name = account_resource_id.rsplit("/", 1)[-1]
    if running_jobs(store, vault_body["id"], "Restore", lambda body: body["properties"]["extendedInfo"]["propertyBag"].get("Target File Share")
                    == share_name and body["properties"]["extendedInfo"]["propertyBag"].get("Target Storage Account") == account_name):
        raise bms_error("UserErrorAnotherRestoreInProgressOnSameTarget", "Another restore job is in progress on the same target file share")
    return {"Job Type": "Recover Files" if specs else "Recover Share", "Restore Type": properties["recoveryType"],
            "Target Storage Account": account_name, "Target File Share": share_name, "Copy Options": properties["copyOptions"],
            "Recovery Point Time": point["properties"]["recoveryPointTime"],
            "Restored Items": ",".join(spec["path"] for spec in specs) if specs else "/"}


@route("POST", RECOVERY_POINT + "/restore", when=is_storage_container)
def trigger_file_share_restore(req):
    item, point = require_point(req)
    store = req.emu.store
    vault_body = require_vault(req)
    bag = check_restore(store, vault_body, item, point, dict(req.json().get("properties") or {}))
    job = start_storage_job(store, vault_body["id"], "Restore", item["properties"]["friendlyName"], _account_name(item), bag)
    req.emu.ops.start(job, on_complete=lambda: finish_job(store, job), kind="restore_job")
    return item_accepted(req, start_backup_operation(req, None, job, kind="restore_trigger"), item["id"])
