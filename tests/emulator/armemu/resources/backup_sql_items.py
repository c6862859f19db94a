"""SQL Server in Azure VMs, protection: databases, auto-protection intents, backups, recovery points, restores.

The item routes are declared again with a guard (``when=is_workload_container``, core/routing.py): a
``VMAppContainer;...`` container in the path. Item GET, the vault's item list, jobs and the operation
URLs are the VM files' own routes: database items are stored where VM items are.
``I`` = ``C/protectedItems/SQLDataBase;{instance or ag};{db}``.

- ``PUT I`` with ``AzureVmWorkloadSQLDatabase`` (``policyId``, ``workloadType: SQLDataBase``): enable,
  modify, stop (``ProtectionStopped`` / ``BackupsSuspended``, ``policyId: ''``), resume, undelete
  (``isRehydrate``), as for VMs: 202 with ``I/operationsStatus`` + ``I/operationResults``, the change
  and a ConfigureBackup / DisableBackup / Undelete ``AzureWorkloadJob`` when the operation ends. A new
  item is IRPending until its first full backup. Refused (400, before anything changes): a container
  that is not registered (404 ``BMSUserErrorContainerObjectNotFound``), a database the last inquiry
  did not find (``BMSUserErrorWorkloadItemNotFound``, inferred code: re-inquire first), a server whose
  backup account lacks sysadmin (``UserErrorSQLNoSysadminMembership``, documented), an unknown policy
  or one that is not an AzureWorkload SQLDataBase policy (the VM codes).
- ``DELETE I``: stop and delete data; soft delete as for VMs (``isScheduledForDeferredDelete``).
- ``POST I/backup`` with ``AzureWorkloadBackupRequest`` (``backupType`` Full, Differential, Log or
  CopyOnlyFull; ``recoveryPointExpiryTimeInUTC`` for CopyOnlyFull and Full, as az sends it): 202, a
  ``Backup (Full)``-style job; when it completes a Full / CopyOnlyFull / Differential recovery point
  (``AzureWorkloadSQLRecoveryPoint``) or, for Log, the log chain ``DefaultRangeRecoveryPoint``
  (``AzureWorkloadSQLPointInTimeRecoveryPoint`` whose ``timeRanges`` run from the first full backup
  to the last log backup). Refused: Differential or Log before any full backup
  (``UserErrorParentFullBackupMissing``, the code of Azure's SQL troubleshooting page), Log or
  Differential of ``master`` (only full backups: documentation; code inferred).
- ``GET I/recoveryPoints[?$filter=restorePointQueryType eq 'Log' | 'FullAndDifferential']``.
- ``POST I/recoveryPoints/{rp}/restore`` with ``AzureWorkloadSQLRestoreRequest`` (a full or
  differential point) or ``AzureWorkloadSQLPointInTimeRestoreRequest`` (``DefaultRangeRecoveryPoint``
  and ``pointInTime`` inside a time range): ``recoveryType`` OriginalLocation (``targetInfo.overwriteOption``
  must be Overwrite) or AlternateLocation (``targetInfo.containerId`` a registered workload container
  of the vault, ``databaseName`` ``{instance}/{name}`` on an instance it has; an existing database
  needs Overwrite), or files (``recoveryMode: FileRecovery`` + ``targetInfo.targetDirectoryForFileRestore``).
  A Restore job; an alternate-location restore adds the database to the target server (found by the
  next inquiry). Codes inferred unless stated.
- Protection intents: ``PUT|GET|DELETE V/backupFabrics/Azure/backupProtectionIntent/{name}`` and
  ``GET V/backupProtectionIntents[?$filter=backupManagementType eq 'AzureWorkload' and itemName eq ..]``
  (spec examples ProtectionIntent_CreateOrUpdate, BackupProtectionIntent_List): an intent whose
  ``itemId`` is an ``SQLInstance`` or ``SQLAvailabilityGroupContainer`` protectable item auto-protects
  that instance or group: its unprotected databases now and every new one an inquiry finds (Azure
  runs one every 8 hours), each with a ConfigureBackup job (``isUserTriggered: false``). PUT answers
  200 with the intent (``protectionState: Protected``), DELETE 204 (the spec's only code); removing an intent leaves the
  databases protected (documentation).
"""

import uuid
from datetime import timedelta

from armemu.core.http import empty_response, json_response
from armemu.core.lro import iso, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._backup_support import ITEM, ITEM_TYPE, bms_error, filter_terms, item_not_found, parse_iso, request_item_id, request_vault
from armemu.resources._protected_item_support import (JOB_OPERATIONS, NEVER_BACKED_UP, PROTECTION_STATES, accept_change, change_applier,
                                                      delete_protected_item, requested_change)
from armemu.resources._sql_support import (LOG_POINT, MANAGEMENT_TYPE, NO_SYSADMIN, WORKLOAD_TYPE, container_parts,
                                           database_item_name, inquired, inquired_databases, invalid_input, is_workload_container, sql_server_key,
                                           start_workload_job, workload_container_id)
from armemu.resources._vault_support import VAULT, azure_spelling, require_vault
from armemu.resources.backup_jobs import finish_job
from armemu.resources.backup_operations import item_accepted, start_backup_operation
from armemu.resources.backup_policies import find_policy
from armemu.resources.backup_recovery_points import RP_TYPE, recovery_point_name

SQL_ITEM_TYPE = "AzureVmWorkloadSQLDatabase"
INTENT = VAULT + "/backupFabrics/{fabricName}/backupProtectionIntent/{intentObjectName}"
INTENT_TYPE = "Microsoft.RecoveryServices/vaults/backupProtectionIntent"
INTENT_ITEM_TYPES = ("RecoveryServiceVaultItem", "AzureWorkloadSQLAutoProtectionIntent", "AzureWorkloadAutoProtectionIntent")
BACKUP_TYPES = ("Full", "Differential", "Log", "CopyOnlyFull")
JOB_NAMES = {"Full": "Backup (Full)", "Differential": "Backup (Differential)", "Log": "Backup (Log)", "CopyOnlyFull": "Backup (Copy Only Full)"}
OVERWRITE_OPTIONS = ("Overwrite", "FailOnConflict")


# --- the database an item path names --------------------------------------------------------------

def _database_of(req):
    """(container body, inquiry, (parent kind, parent, instance, database)) the item path names; refusals as Azure's."""
    vault = request_vault(req)
    store = req.emu.store
    container = store.get(workload_container_id(vault, req.params["containerName"]))
    if container is None:
        raise bms_error("BMSUserErrorContainerObjectNotFound", f"Container '{req.params['containerName']}' not found.\r\n"
                                                               "Register the virtual machine for SQL workloads first.", 404)
    inquiry = inquired(store, container["id"]) or {}
    wanted = req.params["protectedItemName"].lower()
    for row in inquired_databases(inquiry):
        if database_item_name(row[1], row[3]).lower() == wanted:
            return container, inquiry, row
    raise bms_error("BMSUserErrorWorkloadItemNotFound", f"The database '{req.params['protectedItemName']}' was not found on the container.\r\n"
                                                        "Run the discovery (inquiry) of the container again and retry.")


def _sql_policy(store, vault, policy_id):
    name = str(policy_id).rstrip("/").rsplit("/", 1)[-1]
    policy = find_policy(store, vault, name) if str(policy_id).lower().startswith(vault.lower() + "/backuppolicies/") else None
    if policy is None:
        raise bms_error("BMSUserErrorPolicyNotExist", f"Policy '{name}' does not exist in the vault.\r\nPlease provide a valid policy.")
    properties = policy["properties"]
    if properties.get("backupManagementType") != MANAGEMENT_TYPE or str(properties.get("workLoadType", "")).lower() != "sqldatabase":
        raise bms_error("BMSUserErrorInvalidPolicyForGivenProvider",
                        "Policy is not valid for given provider type. Please choose valid policy for given provider.")
    return policy


def new_item(store, vault, container, row, policy):
    _kind, parent, _server, database = row
    name = database_item_name(parent, database)
    retention_days = store.get(vault)["properties"]["securitySettings"]["softDeleteSettings"].get("softDeleteRetentionPeriodInDays", 14)
    properties = {
        "protectedItemType": SQL_ITEM_TYPE, "backupManagementType": MANAGEMENT_TYPE, "workloadType": WORKLOAD_TYPE,
        "containerName": container["name"], "sourceResourceId": container["properties"]["sourceResourceId"],
        "friendlyName": database, "serverName": container["properties"]["friendlyName"], "parentName": parent,
        "parentType": "AzureVmWorkloadSQLAvailabilityGroup" if row[0] == "SQLAvailabilityGroupContainer" else "AzureVmWorkloadSQLInstance",
        "protectionStatus": "Healthy", "protectionState": "IRPending", "protectedItemHealthStatus": "IRPending",
        "lastBackupStatus": "", "lastBackupTime": NEVER_BACKED_UP,
        "protectedItemDataSourceId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{container['id']}/{name}".lower()).int % 10 ** 18),
        "isScheduledForDeferredDelete": False, "softDeleteRetentionPeriodInDays": retention_days, "kpisHealths": {}, "nodesList": [],
        "vaultId": vault, "policyId": policy["id"], "policyName": policy["name"],
    }
    return {"id": f"{container['id']}/protectedItems/{name}", "name": name, "type": ITEM_TYPE, "properties": properties}


@route("PUT", ITEM, when=is_workload_container)
def put_database(req):
    vault = require_vault(req)["id"]
    store = req.emu.store
    requested = dict(req.json().get("properties") or {})
    if azure_spelling(requested.get("protectedItemType"), (SQL_ITEM_TYPE,)) != SQL_ITEM_TYPE:
        raise invalid_input(f"properties.protectedItemType must be '{SQL_ITEM_TYPE}' for a database in a VMAppContainer.")
    if requested.get("protectionState") is not None:
        requested["protectionState"] = azure_spelling(requested["protectionState"], PROTECTION_STATES) or requested["protectionState"]
    current = store.get(request_item_id(req))
    change = requested_change(current, requested)
    container, inquiry, row = _database_of(req) if change == "enable" else (None, None, None)
    policy = None
    if change in ("enable", "modify", "resume"):
        if not requested.get("policyId"):
            raise bms_error("BMSUserErrorInvalidConfigureProtectionRequest", "Input for configure protection is not in proper format\r\n"
                            "Please provide a policy to protect the item.")
        policy = _sql_policy(store, vault, requested["policyId"])
    if change == "enable" and not inquiry.get("sysadmin", True):
        raise bms_error(*NO_SYSADMIN)
    item = current or new_item(store, vault, container, row, policy)
    job = start_workload_job(store, vault, JOB_OPERATIONS[change], item["properties"]["friendlyName"], item["properties"]["containerName"],
                             {"Policy Name": policy["name"]} if policy else None)

    apply = change_applier(store, change, item["id"], requested, policy, lambda: store.put(item["id"], item))
    return accept_change(req, change, job, apply, item["id"])


def _start_delete_job(store, vault, item):
    return start_workload_job(store, vault, "DeleteBackupData", item["properties"]["friendlyName"], item["properties"]["containerName"])


def _purge(store, item_resource_id):
    """Without soft delete the database's item and recovery points go; the VM stays registered (its container)."""
    store.delete_tree(item_resource_id)


@route("DELETE", ITEM, when=is_workload_container)
def delete_database(req):
    return delete_protected_item(req, _start_delete_job, _purge)


# --- auto-protection intents ----------------------------------------------------------------------

def _intents(store, vault):
    prefix = f"{vault}/backupFabrics/Azure/backupProtectionIntent/".lower()
    return sorted(store.find(lambda key, _: key.startswith(prefix)), key=lambda body: body["id"].lower())


def _intent_target(item_id):
    """(container name, protectable item name) of an intent's ``itemId``
    (``V/backupFabrics/Azure/protectionContainers/{c}/protectableItems/{name}``; the spec example's
    ``V/backupProtectionContainer/{c}/backupProtectableItems/{name}`` spelling is read too)."""
    parts = str(item_id or "").split("/")
    lowered = [part.lower() for part in parts]
    for container_key, item_key in (("protectioncontainers", "protectableitems"), ("backupprotectioncontainer", "backupprotectableitems")):
        if container_key in lowered and item_key in lowered:
            return parts[lowered.index(container_key) + 1], parts[lowered.index(item_key) + 1]
    return None


def intents_by_parent(store, vault):
    """``{lower container name: {lower protectable item name}}`` auto-protected by the vault's intents."""
    found = {}
    for intent in _intents(store, vault):
        target = _intent_target(intent["properties"].get("itemId"))
        if target:
            found.setdefault(target[0].lower(), set()).add(target[1].lower())
    return found


def auto_protect(store, vault):
    """Protect every database of an auto-protected instance or AG that has no item yet (one job each)."""
    for intent in _intents(store, vault):
        target = _intent_target(intent["properties"].get("itemId"))
        policy = store.get(intent["properties"].get("policyId", ""))
        container = store.get(workload_container_id(vault, target[0])) if target else None
        inquiry = inquired(store, container["id"]) if container else None
        if not inquiry or policy is None or not inquiry.get("sysadmin", True):
            continue
        kind, parent = target[1].split(";", 1)
        for row in inquired_databases(inquiry):
            item_id = f"{container['id']}/protectedItems/{database_item_name(row[1], row[3])}"
            if row[0].lower() == kind.lower() and row[1].lower() == parent.lower() and not store.exists(item_id):
                store.put(item_id, new_item(store, vault, container, row, policy))
                job = start_workload_job(store, vault, "ConfigureBackup", row[3], container["name"], {"Policy Name": policy["name"]})
                body = store.get(job)
                body["properties"]["isUserTriggered"] = False
                store.put(job, body)
                finish_job(store, job)


def _require_azure_fabric(req):
    vault = require_vault(req)
    if req.params["fabricName"].lower() != "azure":
        raise bms_error("BMSUserErrorFabricNotFound", f"Fabric '{req.params['fabricName']}' not found.\r\nPlease use the fabric 'Azure'.", 404)
    return vault


def _intent_id(req):
    return f"{request_vault(req)}/backupFabrics/Azure/backupProtectionIntent/{req.params['intentObjectName']}"


@route("PUT", INTENT)
def put_intent(req):
    vault = _require_azure_fabric(req)
    store = req.emu.store
    properties = dict(req.json().get("properties") or {})
    kind = azure_spelling(properties.get("protectionIntentItemType"), INTENT_ITEM_TYPES)
    target = _intent_target(properties.get("itemId"))
    if kind is None or target is None or target[1].split(";", 1)[0].lower() not in ("sqlinstance", "sqlavailabilitygroupcontainer"):
        raise invalid_input("properties.protectionIntentItemType must be one of " + ", ".join(INTENT_ITEM_TYPES) + " and properties.itemId "
                            "the id of an SQLInstance or SQLAvailabilityGroupContainer protectable item.")
    container = store.get(workload_container_id(vault["id"], target[0]))
    inquiry = inquired(store, container["id"]) if container else None
    parents = {f"{row[0]};{row[1]}".lower() for row in inquired_databases(inquiry or {})}
    if inquiry is None or target[1].lower() not in parents:
        raise bms_error("BMSUserErrorWorkloadItemNotFound", f"The item '{target[1]}' was not found on container '{target[0]}'.\r\n"
                                                            "Register the VM and run the discovery (inquiry) first.")
    _sql_policy(store, vault["id"], properties.get("policyId", ""))
    body = {"id": _intent_id(req), "name": req.params["intentObjectName"], "type": INTENT_TYPE,
            "properties": {"protectionIntentItemType": kind, "backupManagementType": MANAGEMENT_TYPE,
                           "sourceResourceId": container["properties"]["sourceResourceId"], "itemId": properties["itemId"],
                           "policyId": properties["policyId"], "protectionState": "Protected"}}
    if kind == "AzureWorkloadSQLAutoProtectionIntent":
        body["properties"]["workloadItemType"] = target[1].split(";", 1)[0]
    store.put(body["id"], body)
    auto_protect(store, vault["id"])
    return json_response(200, body)


@route("GET", INTENT)
def get_intent(req):
    _require_azure_fabric(req)
    body = req.emu.store.get(_intent_id(req))
    if body is None:
        raise bms_error("BMSUserErrorProtectionIntentNotFound", f"Protection intent '{req.params['intentObjectName']}' not found.", 404)
    return json_response(200, body)


@route("DELETE", INTENT)
def delete_intent(req):
    _require_azure_fabric(req)
    req.emu.store.delete(_intent_id(req))
    return empty_response(204)  # the spec's only answer (ProtectionIntent_Delete), whether or not the intent existed


INTENT_FILTERS = {"backupmanagementtype": "backupManagementType", "policyname": "policyId"}


@route("GET", VAULT + "/backupProtectionIntents")
def list_intents(req):
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    intents = []
    for body in _intents(req.emu.store, vault["id"]):
        properties = body["properties"]
        target = _intent_target(properties.get("itemId")) or ("", "")
        checks = {"backupmanagementtype": properties["backupManagementType"], "itemname": target[1].split(";", 1)[-1],
                  "itemtype": target[1].split(";", 1)[0], "parentname": target[0]}
        if all(value.lower() == terms[key].lower() for key, value in checks.items() if key in terms):
            intents.append(body)
    return paged_response(req, intents)


# --- backups and recovery points ------------------------------------------------------------------

def _points(store, item_resource_id):
    return store.children(item_resource_id, "recoveryPoints")


def _full_points(store, item_resource_id):
    points = [point for point in _points(store, item_resource_id) if point["name"] != LOG_POINT]
    return sorted(points, key=lambda point: point["properties"]["recoveryPointTimeInUTC"], reverse=True)


def _add_point(store, item, backup_type, moment, expiry):
    if backup_type == "Log":
        log_id = f"{item['id']}/recoveryPoints/{LOG_POINT}"
        body = store.get(log_id)
        if body is None:
            fulls = _full_points(store, item["id"])
            start = fulls[-1]["properties"]["recoveryPointTimeInUTC"] if fulls else iso(moment)
            body = {"id": log_id, "name": LOG_POINT, "type": RP_TYPE,
                    "properties": {"objectType": "AzureWorkloadSQLPointInTimeRecoveryPoint", "type": "Log",
                                   "timeRanges": [{"startTime": start, "endTime": iso(moment)}]}}
        else:
            body["properties"]["timeRanges"][-1]["endTime"] = iso(moment)
        store.put(log_id, body)
        return body
    name = recovery_point_name(moment)
    properties = {"objectType": "AzureWorkloadSQLRecoveryPoint", "recoveryPointTimeInUTC": iso(moment),
                  "type": "Differential" if backup_type == "Differential" else "Full",
                  "recoveryPointTierDetails": [{"type": "HardenedRP", "status": "Valid"}],
                  "extendedInfo": {"dataDirectoryTimeInUTC": iso(moment), "dataDirectoryPaths": [
                      {"type": "Data", "path": f"F:\\Data\\{item['properties']['friendlyName']}.mdf", "logicalName": item["properties"]["friendlyName"]},
                      {"type": "Log", "path": f"F:\\Log\\{item['properties']['friendlyName']}_log.ldf",
                       "logicalName": f"{item['properties']['friendlyName']}_log"}]}}
    if expiry:
        properties["recoveryPointProperties"] = {"expiryTime": expiry, "ruleName": "OnDemand"}
    body = {"id": f"{item['id']}/recoveryPoints/{name}", "name": name, "type": RP_TYPE, "properties": properties}
    store.put(body["id"], body)
    return body


def _record_backup(store, item_resource_id, backup_type, moment):
    item = store.get(item_resource_id)
    if item is None:
        return
    properties = item["properties"]
    properties.update(lastBackupStatus="Healthy", lastBackupTime=iso(moment), protectionStatus="Healthy", protectedItemHealthStatus="Healthy")
    if backup_type != "Log":
        properties["lastRecoveryPoint"] = iso(moment)
    if properties["protectionState"] == "IRPending" and backup_type in ("Full", "CopyOnlyFull"):
        properties["protectionState"] = "Protected"
    store.put(item_resource_id, item)


def _checked_backup_request(properties, item, has_full):
    if properties.get("objectType") != "AzureWorkloadBackupRequest":
        raise invalid_input("properties.objectType must be 'AzureWorkloadBackupRequest' for a database.")
    backup_type = azure_spelling(properties.get("backupType"), BACKUP_TYPES)
    if backup_type is None:
        raise invalid_input(f"properties.backupType must be one of {', '.join(BACKUP_TYPES)}.")
    if backup_type in ("Differential", "Log") and item["properties"]["friendlyName"].lower() == "master":
        raise bms_error("UserErrorBackupTypeNotSupported", "Only full backups are supported for the master database.")
    if backup_type in ("Differential", "Log") and not has_full:
        raise bms_error("UserErrorParentFullBackupMissing", "A full backup of the database is missing: a differential or log backup "
                                                            "needs one.\r\nTrigger a full backup first.")
    expiry = properties.get("recoveryPointExpiryTimeInUTC")
    if expiry is not None:
        try:
            moment = parse_iso(str(expiry))
        except ValueError as err:
            raise invalid_input(f"recoveryPointExpiryTimeInUTC '{expiry}' is not a date-time.") from err
        if moment.tzinfo is None or not utc_now() < moment <= utc_now() + timedelta(days=99 * 365):
            raise bms_error("BMSUserErrorInvalidRetentionDate", "The retention date of the on-demand backup must be in the future and at most "
                                                                "99 years away.")
        expiry = iso(moment) if backup_type in ("Full", "CopyOnlyFull") else None  # the policy's retention applies to the others
    return backup_type, expiry


@route("POST", ITEM + "/backup", when=is_workload_container)
def backup_database(req):
    vault = require_vault(req)["id"]
    store = req.emu.store
    item = store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    properties = item["properties"]
    if properties["isScheduledForDeferredDelete"] or properties["protectionState"] not in ("IRPending", "Protected", "ProtectionError"):
        raise bms_error("BMSUserErrorProtectionStopped", f"Backup cannot be triggered: protection of '{properties['friendlyName']}' is "
                                                         f"{properties['protectionState']}.\r\nResume protection of the item first.")
    backup_type, expiry = _checked_backup_request(req.json().get("properties") or {}, item, bool(_full_points(store, item["id"])))
    job = start_workload_job(store, vault, JOB_NAMES[backup_type], properties["friendlyName"], properties["containerName"],
                             {"Backup Type": backup_type})

    def finish():
        if store.get(item["id"]) is None:
            finish_job(store, job, "Failed", ("UserErrorDatasourceNotFound", "The database is no longer protected."))
            return
        moment = utc_now()
        _add_point(store, store.get(item["id"]), backup_type, moment, expiry)
        _record_backup(store, item["id"], backup_type, moment)
        finish_job(store, job)
    req.emu.ops.start(job, on_complete=finish, kind="backup_job")
    return item_accepted(req, start_backup_operation(req, None, job, kind="backup_trigger"), item["id"])


@route("GET", ITEM + "/recoveryPoints", when=is_workload_container)
def list_database_points(req):
    require_vault(req)
    item = req.emu.store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    query_type = filter_terms(req.query_value("$filter")).get("restorepointquerytype", "All").lower()
    points = _full_points(req.emu.store, item["id"])
    log = req.emu.store.get(f"{item['id']}/recoveryPoints/{LOG_POINT}")
    if query_type == "log":
        points = [log] if log else []
    elif query_type != "fullanddifferential" and log:
        points = points + [log]
    return paged_response(req, points)


# --- restores -------------------------------------------------------------------------------------

def _restore_target(store, vault, properties, item):
    """(target VM id, instance, database) of a restore request, or a refusal."""
    target = properties.get("targetInfo") or {}
    if properties.get("recoveryType") == "OriginalLocation":
        if azure_spelling(target.get("overwriteOption"), OVERWRITE_OPTIONS) != "Overwrite":
            raise invalid_input("A restore to the original location overwrites the database: targetInfo.overwriteOption must be Overwrite.")
        return item["properties"]["sourceResourceId"], item["properties"]["parentName"], item["properties"]["friendlyName"]
    container = store.get(str(target.get("containerId") or ""))
    if container is None or not str(target.get("containerId")).lower().startswith(vault.lower() + "/") or \
            not container_parts(container["name"]):
        raise invalid_input("targetInfo.containerId must be a workload container (VMAppContainer) registered to this vault.")
    vm = container["properties"]["sourceResourceId"]
    if properties.get("recoveryMode") == "FileRecovery":
        if not target.get("targetDirectoryForFileRestore"):
            raise invalid_input("A restore as files needs targetInfo.targetDirectoryForFileRestore.")
        return vm, None, None
    instance, _slash, database = str(target.get("databaseName") or "").partition("/")
    server = store.get(sql_server_key(vm)) or {"instances": {}}
    if not database or instance not in server["instances"]:
        raise invalid_input(f"targetInfo.databaseName must read '{{instance}}/{{database}}' with an instance of the target server "
                            f"({', '.join(server['instances']) or 'none'}).")
    if database in server["instances"][instance]["databases"] and azure_spelling(target.get("overwriteOption"), OVERWRITE_OPTIONS) != "Overwrite":
        raise bms_error("UserErrorDatabaseAlreadyExists", f"A database named '{database}' already exists on {instance}.\r\n"
                                                          "Choose another name or set targetInfo.overwriteOption to Overwrite.")
    return vm, instance, database


def _restore_point(store, item, point_name, properties):
    point = store.get(f"{item['id']}/recoveryPoints/{point_name}")
    if point is None:
        raise bms_error("BMSUserErrorRecoveryPointNotFound", f"Recovery point '{point_name}' not found.\r\nPlease provide a valid recovery point.",
                        404)
    if point_name == LOG_POINT:
        if properties.get("objectType") != "AzureWorkloadSQLPointInTimeRestoreRequest":
            raise invalid_input("A restore from the log chain needs objectType AzureWorkloadSQLPointInTimeRestoreRequest and a pointInTime.")
        try:
            moment = parse_iso(str(properties.get("pointInTime")))
        except ValueError as err:
            raise invalid_input(f"pointInTime '{properties.get('pointInTime')}' is not a date-time.") from err
        if not any(parse_iso(span["startTime"]) <= moment <= parse_iso(span["endTime"]) for span in point["properties"]["timeRanges"]):
            raise bms_error("UserErrorPointInTimeNotInLogChain", f"The point in time {iso(moment)} is not covered by the log backups "
                                                                 "of the database.\r\nChoose a time within the log time ranges.")
        return iso(moment)
    if properties.get("objectType") != "AzureWorkloadSQLRestoreRequest":
        raise invalid_input("A restore from a full or differential recovery point needs objectType AzureWorkloadSQLRestoreRequest.")
    return point["properties"]["recoveryPointTimeInUTC"]


@route("POST", ITEM + "/recoveryPoints/{recoveryPointId}/restore", when=is_workload_container)
def restore_database(req):
    vault = require_vault(req)["id"]
    store = req.emu.store
    item = store.get(request_item_id(req))
    if item is None:
        raise item_not_found()
    properties = req.json().get("properties") or {}
    if properties.get("recoveryType") not in ("OriginalLocation", "AlternateLocation"):
        raise invalid_input("properties.recoveryType must be OriginalLocation or AlternateLocation.")
    moment = _restore_point(store, item, req.params["recoveryPointId"], properties)
    vm, instance, database = _restore_target(store, vault, properties, item)
    target = properties.get("targetInfo") or {}
    bag = {"Job Type": "Restore as files" if database is None else
           ("Restore to original location" if properties["recoveryType"] == "OriginalLocation" else "Restore to alternate location"),
           "Recovery point time": moment, "Target Server Name": vm.split("/")[-1],
           "Target Database Name": f"{instance}/{database}" if database else "",
           "Target Directory": target.get("targetDirectoryForFileRestore", "") if database is None else ""}
    job = start_workload_job(store, vault, "Restore", item["properties"]["friendlyName"], item["properties"]["containerName"], bag)

    def finish():
        if database is not None:
            server = store.get(sql_server_key(vm))
            if server is not None and database not in server["instances"][instance]["databases"]:
                server["instances"][instance]["databases"].append(database)
                store.put(server["id"], server)
        finish_job(store, job)
    req.emu.ops.start(job, on_complete=finish, kind="restore_job")
    return item_accepted(req, start_backup_operation(req, None, job, kind="restore_trigger"), item["id"])
