"""SQL Server in Azure VMs, discovery: workload containers, their registration and inquiry, protectable items.

Routes (``V`` = vault, ``C`` = ``V/backupFabrics/Azure/protectionContainers/VMAppContainer;Compute;{rg};{vm}``):

- ``GET V/backupFabrics/Azure/protectableContainers?$filter=backupManagementType eq 'AzureWorkload'``
  (ProtectableContainers_List, what az's ``container register`` reads after a refresh): the SQL VMs
  the vault's last completed ``refreshContainers`` found (backup_discovery.py), in its region, not
  registered to any vault; ``protectableContainerType: VMAppContainer``.
- ``PUT C`` (ProtectionContainers_Register) with ``AzureVMAppContainerProtectionContainer``
  (``containerType: VMAppContainer``, ``backupManagementType: AzureWorkload``, ``workloadType:
  SQLDataBase``, ``sourceResourceId``, ``operationType`` Register or Reregister): 202 with
  ``Location: C/operationResults/{op}`` and no Retry-After (the Backup RP's way); ``GET`` that
  Location → 202 while running, then 200 with the container. Registration installs the workload
  extension and runs a first inquiry (inferred from the portal's "Discover DBs", which does both).
  No prior refresh is needed (templates and Terraform's ``azurerm_backup_container_vm_app`` PUT
  straight away). Refused (400): a VM that does not exist in the vault's subscription and region, a
  VM with no SQL Server (inferred codes), a VM whose name and resource group name together exceed 84 characters
  (documented limit, inferred code), a VM registered to another vault
  (``BMSUserErrorContainerAlreadyRegistered``, inferred code).
- ``DELETE C`` (ProtectionContainers_Unregister): 202 + Location; refused while the container holds
  protected or soft-deleted databases (``BMSUserErrorContainerHasDatasources``, inferred code).
- ``POST C/inquire?$filter=workloadType eq 'SQLDataBase'`` (ProtectionContainers_Inquire): 202 +
  Location; when it ends the container's databases are what the VM holds then, and the vault's
  auto-protection intents protect the new ones (backup_sql_items.py).
- ``GET V/backupProtectionContainers?$filter=backupManagementType eq 'AzureWorkload'``: the vault's
  registered workload containers, with ``extendedInfo.inquiryInfo`` of the last inquiry.
- ``GET V/backupProtectableItems?$filter=backupManagementType eq 'AzureWorkload' [and workloadType eq 'SQLDataBase']``:
  from each registered container's last inquiry: ``SQLInstance;{instance}``,
  ``SQLAvailabilityGroupContainer;{ag}`` and ``SQLDataBase;{instance or ag};{db}``, with
  ``serverName`` (the VM's name; Azure gives the host name), ``parentName``, ``isAutoProtectable``
  (instances and AGs), ``isAutoProtected``, ``subinquireditemcount``, ``subprotectableitemcount``,
  ``protectionState`` (NotProtected / Protected, inferred: Azure lists protected databases too) and
  ``prebackupvalidation`` (``Failed`` with ``UserErrorSQLNoSysadminMembership`` when the backup
  service account lacks sysadmin: the code Azure's documentation names). Paged at 200.

Estate section ``sqlServers`` (the VMs themselves come from ``virtualMachines``)::

    sqlServers:
      - vm: vm-sql-01
        resourceGroup: rg-sql-weu
        subscription: ...              # default: the estate's first subscription
        sysadmin: true                 # false: the backup service account lacks sysadmin
        instances:
          - name: MSSQLSERVER
            databases: [sales, hr]     # master, model and msdb are added; tempdb is never discovered
            databaseCount: 0           # or (also) db0001.. generated
        availabilityGroups:
          - {name: ag-orders, instance: MSSQLSERVER, databases: [orders]}
      - generate: {count: 200, vmPrefix: vm-sql-, resourceGroup: rg-sql-weu, instances: [{name: MSSQLSERVER, databaseCount: 10}]}

``generate`` describes the VMs ``{vmPrefix}0001`` onwards (generated in ``virtualMachines`` with the
same prefix). Control API: ``POST /_emulator/sql/databases`` ``{"vmId", "instance", "database"}`` adds
a database to a VM's SQL server, as a DBA would; the next inquiry (or Azure's own periodic one,
which the call also runs for registered containers) finds it.
"""

from armemu.core.errors import ArmError
from armemu.core.http import empty_response, json_response
from armemu.core.lro import iso, result_response, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources import compute_vms
from armemu.resources._backup_support import (BMS_PAGE_SIZE, CONTAINER, CONTAINER_TYPE, FABRIC, bms_error, fabric_id, filter_terms,
                                              vault_items, without_retry_after)
from armemu.resources._sql_support import (CONTAINER_PREFIX, MANAGEMENT_TYPE, NO_SYSADMIN, SYSTEM_DATABASES, WORKLOAD_TYPE, container_name,
                                           database_item_name, inquired, inquired_databases, invalid_input, is_workload_container, run_inquiry,
                                           sql_server_key, vm_of_container, wants_workload, workload_container_id)
from armemu.resources._vault_support import VAULT, azure_spelling, require_vault
from armemu.resources.backup_sql_items import auto_protect, intents_by_parent

ESTATE_SECTIONS = ("sqlServers",)
ESTATE_PRIORITY = 46
PROTECTABLE_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems"
PROTECTABLE_CONTAINER_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectableContainers"
NAME_LIMIT = 84  # VM name + resource group name (documentation, "Back up SQL Server databases in Azure VMs", prerequisites)


# --- estate ---------------------------------------------------------------------------------------

def _server_body(raw, label):
    instances = {}
    for entry in raw.get("instances") or [{"name": "MSSQLSERVER"}]:
        databases = list(SYSTEM_DATABASES) + [str(name) for name in entry.get("databases") or []]
        databases += [f"db{number:04d}" for number in range(1, int(entry.get("databaseCount", 0)) + 1)]
        instances[str(entry["name"])] = {"databases": databases}
    groups = {}
    for entry in raw.get("availabilityGroups") or []:
        instance = str(entry.get("instance") or next(iter(instances)))
        if instance not in instances:
            raise ValueError(f"sqlServers {label}: availability group {entry.get('name')} names instance {instance}, which it does not have")
        groups[str(entry["name"])] = {"instance": instance, "databases": [str(name) for name in entry.get("databases") or []]}
    return {"instances": instances, "availabilityGroups": groups, "sysadmin": bool(raw.get("sysadmin", True))}


def load_estate(store, estate):
    subscriptions = [str(entry["id"]) for entry in estate.get("subscriptions") or []]
    for raw in estate.get("sqlServers") or []:
        spec = dict(raw.get("generate") or raw)
        subscription = str(spec.get("subscription") or (subscriptions[0] if subscriptions else ""))
        names = ([f"{spec['vmPrefix']}{number:04d}" for number in range(1, int(spec.pop("count")) + 1)] if "generate" in raw
                 else [spec.get("vm")])
        body = _server_body(spec, spec.get("vm") or spec.get("vmPrefix"))
        for name in names:
            vm = store.get(compute_vms.vm_id(subscription, spec.get("resourceGroup", ""), name or ""))
            if vm is None:
                raise ValueError(f"sqlServers: VM {name!r} in resource group {spec.get('resourceGroup')!r} is not in virtualMachines")
            store.put(sql_server_key(vm["id"]), dict(body, id=sql_server_key(vm["id"])))


# --- protectable containers -----------------------------------------------------------------------

def _registered_vaults(store, subscription):
    """``{lower-cased vm id: vault id}`` of every registered workload container of the subscription."""
    holders = {}
    prefix = f"/subscriptions/{subscription.lower()}/"
    for body in store.find(lambda key, body: key.startswith(prefix) and "/protectioncontainers/vmappcontainer;" in key
                           and body.get("type") == CONTAINER_TYPE):
        holders[body["properties"]["sourceResourceId"].lower()] = body["id"].split("/backupFabrics/")[0]
    return holders


def workload_protectable_containers(store, vault_id, subscription):
    """The SQL Server VMs the vault's last workload refresh found that no vault has registered."""
    discovered = ((store.get(fabric_id(vault_id)) or {}).get("armemu") or {}).get("discovered", [])
    taken = _registered_vaults(store, subscription)
    containers = []
    for resource_id in sorted(discovered, key=str.lower):
        if resource_id.lower() in taken or not store.exists(sql_server_key(resource_id)):
            continue
        parts = resource_id.split("/")
        name = container_name(parts[4], parts[8])
        containers.append({"id": f"{fabric_id(vault_id)}/protectableContainers/{name}", "name": name,
                           "type": PROTECTABLE_CONTAINER_TYPE,
                           "properties": {"protectableContainerType": CONTAINER_PREFIX, "friendlyName": parts[8],
                                          "backupManagementType": MANAGEMENT_TYPE, "healthStatus": "Healthy", "containerId": resource_id}})
    return containers


@route("GET", FABRIC + "/protectableContainers", when=wants_workload)
def list_protectable_containers(req):
    vault = require_vault(req)
    return paged_response(req, workload_protectable_containers(req.emu.store, vault["id"], req.params["subscriptionId"]), BMS_PAGE_SIZE)


# --- registration ---------------------------------------------------------------------------------

def container_body(vault, vm, operation_type):
    group = vm["id"].split("/")[4]
    name = container_name(group, vm["name"])
    return {"id": workload_container_id(vault, name), "name": name, "type": CONTAINER_TYPE,
            "properties": {"containerType": CONTAINER_PREFIX, "friendlyName": vm["name"], "backupManagementType": MANAGEMENT_TYPE,
                           "registrationStatus": "Registered", "healthStatus": "Healthy", "sourceResourceId": vm["id"],
                           "workloadType": WORKLOAD_TYPE, "operationType": operation_type, "lastUpdatedTime": iso(utc_now()),
                           "protectableObjectType": CONTAINER_PREFIX,
                           "extendedInfo": {"hostServerName": vm["name"], "nodesList": [], "inquiryInfo": {}}}}


def _registrable_vm(req, vault, properties):
    store = req.emu.store
    vm_resource_id = vm_of_container(req, req.params["containerName"])
    source = str(properties.get("sourceResourceId") or "")
    vm = store.get(vm_resource_id) if vm_resource_id else None
    if vm is None or source.lower() != vm["id"].lower() or vm["location"] != vault["location"]:
        raise invalid_input("The container name and properties.sourceResourceId must name a virtual machine in the vault's "
                            "subscription and region ('VMAppContainer;Compute;{resourceGroup};{vmName}').")
    group = vm["id"].split("/")[4]
    if len(group) + len(vm["name"]) > NAME_LIMIT:
        raise invalid_input(f"The VM name and resource group name together ({len(group) + len(vm['name'])} characters) exceed the {NAME_LIMIT} "
                            "characters Azure Backup allows for SQL Server VMs.")
    if not store.exists(sql_server_key(vm["id"])):
        raise bms_error("BMSUserErrorNoWorkloadFound", f"No SQL Server instance was found on the virtual machine '{vm['name']}'.\r\n"
                                                       "Install SQL Server on the VM, or register a VM that runs it.")
    holder = _registered_vaults(store, req.params["subscriptionId"]).get(vm["id"].lower())
    if holder and holder.lower() != vault["id"].lower():
        raise bms_error("BMSUserErrorContainerAlreadyRegistered", "The virtual machine is already registered with another Recovery "
                                                                  "Services vault.\r\nUnregister it there first.")
    return vm


def _operation_location(req, container_resource_id, operation):
    return req.url_for(f"{container_resource_id}/operationResults/{operation.id}", {"api-version": req.api_version})


def empty_202(req, container_resource_id, operation):
    return empty_response(202, {"Location": _operation_location(req, container_resource_id, operation)})


@route("PUT", CONTAINER, when=is_workload_container)
def put_workload_container(req):
    """PUT C for a VMAppContainer: register or re-register the VM for SQL workloads."""
    vault = require_vault(req)
    properties = dict(req.json().get("properties") or {})
    if azure_spelling(properties.get("containerType"), (CONTAINER_PREFIX,)) != CONTAINER_PREFIX or \
            azure_spelling(properties.get("backupManagementType"), (MANAGEMENT_TYPE,)) != MANAGEMENT_TYPE:
        raise invalid_input("properties.containerType must be 'VMAppContainer' and properties.backupManagementType 'AzureWorkload'.")
    if azure_spelling(properties.get("workloadType"), (WORKLOAD_TYPE,)) != WORKLOAD_TYPE:
        raise invalid_input("properties.workloadType must be 'SQLDataBase' for SQL Server in an Azure VM.")
    operation_type = azure_spelling(properties.get("operationType") or "Register", ("Register", "Reregister"))
    if operation_type is None:
        raise invalid_input("properties.operationType must be Register or Reregister.")
    vm = _registrable_vm(req, vault, properties)
    store = req.emu.store
    body = container_body(vault["id"], vm, operation_type)
    current = store.get(body["id"])
    if operation_type == "Reregister" and current is None:
        raise bms_error("BMSUserErrorContainerObjectNotFound", f"Container '{body['name']}' is not registered.\r\nRegister it first.", 404)

    def register():
        store.put(body["id"], dict(body, properties=dict(body["properties"],
                                                         extendedInfo=(current or body)["properties"]["extendedInfo"])))
        run_inquiry(store, body["id"], vm["id"])
        auto_protect(store, vault["id"])
    operation = req.emu.ops.start(body["id"], on_complete=register, kind="refresh_containers",
                                  result=lambda: json_response(200, store.get(body["id"])))
    return empty_202(req, body["id"], operation)


def _require_workload_container(req):
    vault = require_vault(req)
    container_resource_id = workload_container_id(vault["id"], req.params["containerName"])
    body = req.emu.store.get(container_resource_id)
    if body is None:
        raise bms_error("BMSUserErrorContainerObjectNotFound",
                        f"Container '{req.params['containerName']}' not found.\r\nPlease check that the container is registered to the vault.",
                        404)
    return vault, body


@route("DELETE", CONTAINER, when=is_workload_container)
def unregister_container(req):
    vault, body = _require_workload_container(req)
    store = req.emu.store
    prefix = body["id"].lower() + "/protecteditems/"
    if [item for item in vault_items(store, vault["id"]) if item["id"].lower().startswith(prefix)]:
        raise bms_error("BMSUserErrorContainerHasDatasources", "The container has protected items or items in soft-deleted state.\r\n"
                                                               "Stop protection and delete the backup data of every item first.")
    operation = req.emu.ops.start(body["id"], on_complete=lambda: store.delete_tree(body["id"]), kind="unprotect")
    return empty_202(req, body["id"], operation)


@route("GET", CONTAINER + "/operationResults/{operationId}", when=is_workload_container)
def container_operation_result(req):
    vault = require_vault(req)
    operation = req.emu.ops.get(req.params["operationId"], workload_container_id(vault["id"], req.params["containerName"]))
    return without_retry_after(result_response(req.emu.ops, operation, {"Location": req.url_for(req.path, req.query)}))


@route("POST", CONTAINER + "/inquire", when=is_workload_container)
def inquire(req):
    vault, body = _require_workload_container(req)
    workload = filter_terms(req.query_value("$filter")).get("workloadtype", WORKLOAD_TYPE)
    if workload.lower() != WORKLOAD_TYPE.lower():
        raise invalid_input(f"workloadType '{workload}' is not registered on this container (it is registered for SQLDataBase).")
    store = req.emu.store

    def finish():
        run_inquiry(store, body["id"], body["properties"]["sourceResourceId"])
        auto_protect(store, vault["id"])
    operation = req.emu.ops.start(body["id"], on_complete=finish, kind="refresh_containers")
    return empty_202(req, body["id"], operation)


# --- listings -------------------------------------------------------------------------------------

def workload_containers(store, vault_id):
    prefix = fabric_id(vault_id).lower() + "/protectioncontainers/vmappcontainer;"
    return sorted(store.find(lambda key, body: key.startswith(prefix) and body.get("type") == CONTAINER_TYPE),
                  key=lambda body: body["id"].lower())


@route("GET", VAULT + "/backupProtectionContainers", when=wants_workload)
def list_workload_containers(req):
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    containers = [body for body in workload_containers(req.emu.store, vault["id"])
                  if "friendlyname" not in terms or body["properties"]["friendlyName"].lower() == terms["friendlyname"].lower()]
    return paged_response(req, containers, BMS_PAGE_SIZE)


def _validation(inquiry):
    if inquiry.get("sysadmin"):
        return {"status": "Success", "code": "", "message": ""}
    return {"status": "Failed", "code": NO_SYSADMIN[0], "message": NO_SYSADMIN[1]}


def _protectable(container, name, kind, friendly, extra):
    properties = {"protectableItemType": kind, "backupManagementType": MANAGEMENT_TYPE, "workloadType": WORKLOAD_TYPE,
                  "friendlyName": friendly, "serverName": container["properties"]["friendlyName"],
                  "parentUniqueName": extra.get("parentName", friendly), **extra}
    return {"id": f"{container['id']}/protectableItems/{name}", "name": name, "type": PROTECTABLE_TYPE, "properties": properties}


def protectable_items_of(store, container, protected_names, intents):
    """A container's protectable items from its last inquiry (none before one has completed)."""
    inquiry = inquired(store, container["id"])
    if inquiry is None:
        return []
    validation = _validation(inquiry)
    rows = inquired_databases(inquiry)
    items = []
    for parent_kind, parent in sorted({(row[0], row[1]) for row in rows}):
        children = [row for row in rows if row[1] == parent]
        name = f"{parent_kind};{parent}"
        items.append(_protectable(container, name, parent_kind, parent, {
            "parentName": parent, "isAutoProtectable": True, "isAutoProtected": name.lower() in intents,
            "subinquireditemcount": len(children), "subprotectableitemcount": len(children),
            "protectionState": "NotProtected", "prebackupvalidation": dict(validation)}))
    for parent_kind, parent, _server, database in rows:
        name = database_item_name(parent, database)
        items.append(_protectable(container, f"SQLDataBase;{parent};{database}", "SQLDataBase", database, {
            "parentName": parent, "parentUniqueName": parent, "isAutoProtectable": False,
            "protectionState": "Protected" if name.lower() in protected_names else "NotProtected",
            "prebackupvalidation": dict(validation), "isProtectable": True,
            "parentType": parent_kind}))
    return items


@route("GET", VAULT + "/backupProtectableItems", when=wants_workload)
def list_workload_protectable_items(req):
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    if terms.get("workloadtype", WORKLOAD_TYPE).lower() != WORKLOAD_TYPE.lower():
        return paged_response(req, [], BMS_PAGE_SIZE)
    store = req.emu.store
    protected = {item["id"].lower().rsplit("/protecteditems/", 1)[0] + "|" + item["name"].lower()
                 for item in vault_items(store, vault["id"]) if item["properties"].get("backupManagementType") == MANAGEMENT_TYPE}
    intents = intents_by_parent(store, vault["id"])
    items = []
    for container in workload_containers(store, vault["id"]):
        names = {key.split("|", 1)[1] for key in protected if key.startswith(container["id"].lower() + "|")}
        items.extend(protectable_items_of(store, container, names, intents.get(container["name"].lower(), set())))
    return paged_response(req, items, BMS_PAGE_SIZE)


# --- control: a DBA adds a database ---------------------------------------------------------------

@route("POST", "/_emulator/sql/databases", kind="control")
def add_database(req):
    body = req.json() if isinstance(req.json(), dict) else {}
    store = req.emu.store
    server = store.get(sql_server_key(str(body.get("vmId", ""))))
    instance = str(body.get("instance", "MSSQLSERVER"))
    if server is None or instance not in server["instances"] or not body.get("database"):
        raise ArmError(400, "InvalidRequestContent", "vmId must name a VM of sqlServers, instance one of its instances, and database a name.")
    databases = server["instances"][instance]["databases"]
    if body["database"] not in databases:
        databases.append(str(body["database"]))
    store.put(server["id"], server)
    holder = _registered_vaults(store, str(body["vmId"]).split("/")[2]).get(str(body["vmId"]).lower())
    if holder:  # Azure's periodic discovery of a registered container (every 8 hours, documentation) finds it
        parts = body["vmId"].split("/")
        run_inquiry(store, workload_container_id(holder, container_name(parts[4], parts[8])), server["id"].rsplit("/armemu/", 1)[0])
        auto_protect(store, holder)
    return json_response(200, {"instances": server["instances"]})
