"""What the SQL-Server-in-Azure-VM files share: names, the SQL servers of the estate, inquiries, jobs.

Not a resource file (the leading underscore keeps it out of route discovery).

Where things live in the store (``V`` = the vault id, ``C`` = ``V/backupFabrics/Azure/protectionContainers/{c}``):

- ``{vm id}/armemu/sqlServer``: what runs inside a VM (emulator-private, never served): ``instances``
  ``{name: {"databases": [...]}}``, ``availabilityGroups`` ``{name: {"instance": ..., "databases": [...]}}``,
  ``sysadmin`` (False when ``NT SERVICE\\AzureWLBackupPluginSvc`` lacks the sysadmin role).
  Deleting the VM removes it.
- ``C`` with ``C = VMAppContainer;Compute;{rg};{vm}``: the registered workload container.
- ``C/armemu/inquiry``: what the last completed inquiry of the container found (emulator-private):
  ``{"instances": ..., "availabilityGroups": ..., "sysadmin": ...}``, a copy of the SQL server then.
- ``C/protectedItems/SQLDataBase;{instance};{db}`` (lower-cased instance and database, as Azure's
  item names read in its documentation examples): ``AzureVmWorkloadSQLDatabase`` items.
- ``C/protectedItems/{item}/recoveryPoints/{name}``: full and differential points (numeric names) and
  ``DefaultRangeRecoveryPoint``, the log chain (``AzureWorkloadSQLPointInTimeRecoveryPoint``).
- ``V/backupFabrics/Azure/backupProtectionIntent/{name}``: auto-protection intents.
"""

import copy

from armemu.core.lro import iso, utc_now
from armemu.resources._backup_support import bms_error, fabric_id, filter_terms
from armemu.resources.backup_jobs import start_job
from armemu.resources.compute_vms import vm_id

CONTAINER_PREFIX = "VMAppContainer"
WORKLOAD_TYPE = "SQLDataBase"
MANAGEMENT_TYPE = "AzureWorkload"
ITEM_TYPE = "AzureVmWorkloadSQLDatabase"
SYSTEM_DATABASES = ("master", "model", "msdb")  # tempdb is never discovered (documentation: "tempdb isn't supported")
LOG_POINT = "DefaultRangeRecoveryPoint"
NO_SYSADMIN = ("UserErrorSQLNoSysadminMembership",  # the code Azure's SQL backup documentation names
               "Azure Backup service account NT SERVICE\\AzureWLBackupPluginSvc does not have sysadmin privileges on the SQL instance. "
               "Add the sysadmin role to the account and run the discovery again.")


def is_workload_container(_req, params):
    """Route guard: the path names a VM's workload container (``VMAppContainer;Compute;rg;vm``)."""
    return container_parts(params.get("containerName")) is not None


def wants_workload(req, _params):
    """Route guard: the ``$filter`` asks for the AzureWorkload management type."""
    return filter_terms(req.query_value("$filter")).get("backupmanagementtype", "").lower() == MANAGEMENT_TYPE.lower()


def sql_server_key(vm_resource_id):
    return f"{vm_resource_id}/armemu/sqlServer"


def container_name(resource_group, vm_name):
    """``VMAppContainer;Compute;{rg};{vm}`` (Azure's native name, the casing of the VM's id)."""
    return f"{CONTAINER_PREFIX};Compute;{resource_group};{vm_name}"


def container_parts(name):
    """(resource group, vm name) of a ``VMAppContainer;Compute;rg;vm`` name, else None."""
    parts = (name or "").split(";")
    if len(parts) != 4 or parts[0].lower() != CONTAINER_PREFIX.lower() or parts[1].lower() != "compute":
        return None
    return parts[2], parts[3]


def workload_container_id(vault, name):
    return f"{fabric_id(vault)}/protectionContainers/{name}"


def database_item_name(instance, database):
    return f"SQLDataBase;{instance.lower()};{database.lower()}"


def vm_of_container(req, name):
    """The VM id a container name designates in the request's subscription, or None."""
    parts = container_parts(name)
    return vm_id(req.params["subscriptionId"], *parts) if parts else None


def inquiry_key(container_resource_id):
    return f"{container_resource_id}/armemu/inquiry"


def run_inquiry(store, container_resource_id, vm_resource_id):
    """Record what the VM's SQL server holds now (the inquiry); the container shows the result."""
    server = store.get(sql_server_key(vm_resource_id)) or {"instances": {}, "availabilityGroups": {}, "sysadmin": True}
    found = {key: copy.deepcopy(server.get(key)) for key in ("instances", "availabilityGroups", "sysadmin")}
    store.put(inquiry_key(container_resource_id), dict(found, id=inquiry_key(container_resource_id), inquiredAt=iso(utc_now())))
    container = store.get(container_resource_id)
    if container is None:
        return
    count = sum(len(instance["databases"]) + 1 for instance in (found["instances"] or {}).values())
    validation = {"status": "Success", "errorDetail": None, "additionalDetail": ""}
    if not found["sysadmin"]:
        validation = {"status": "Failed", "errorDetail": {"code": NO_SYSADMIN[0], "message": NO_SYSADMIN[1], "recommendations": []},
                      "additionalDetail": ""}
    container["properties"]["extendedInfo"]["inquiryInfo"] = {
        "status": validation["status"], "errorDetail": validation["errorDetail"],
        "inquiryDetails": [{"type": "SQL", "itemCount": count, "inquiryValidation": validation}]}
    container["properties"]["lastUpdatedTime"] = iso(utc_now())
    store.put(container_resource_id, container)


def inquired(store, container_resource_id):
    """The last inquiry of a container, or None when none has completed."""
    return store.get(inquiry_key(container_resource_id))


def inquired_databases(inquiry):
    """[(parent kind, parent name, instance, database)] of an inquiry: instance databases (tempdb never
    listed) then availability-group databases."""
    rows = []
    for instance, body in sorted((inquiry.get("instances") or {}).items()):
        rows.extend(("SQLInstance", instance, instance, database) for database in body["databases"] if database.lower() != "tempdb")
    for group, body in sorted((inquiry.get("availabilityGroups") or {}).items()):
        rows.extend(("SQLAvailabilityGroupContainer", group, group, database) for database in body["databases"])
    return rows


def start_workload_job(store, vault, operation, database, container, property_bag=None):
    """A new InProgress ``AzureWorkloadJob`` (the VM job's fields, re-typed as the workload's)."""
    job = start_job(store, vault, operation, database, container, property_bag)
    body = store.get(job)
    properties = body["properties"]
    properties.pop("virtualMachineVersion", None)
    properties.update(jobType="AzureWorkloadJob", backupManagementType=MANAGEMENT_TYPE, workloadType=WORKLOAD_TYPE,
                      actionsInfo=["Cancellable"] if operation.startswith("Backup") else [])
    properties["extendedInfo"]["tasksList"] = [{"taskId": operation, "status": "InProgress", "duration": "PT0S"}]
    properties["extendedInfo"]["propertyBag"].pop("VM Name", None)
    store.put(job, body)
    return job


def invalid_input(detail):
    return bms_error("BMSUserErrorInvalidInput", f"Input provided for the call is invalid\r\n{detail}")
