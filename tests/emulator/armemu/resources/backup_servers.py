"""Backup servers of a vault: MABS and DPM as backup engines, their protected servers and MARS agents as containers.

On-premises servers reach a vault through their own agent, not through ARM: the MARS agent (alone,
or inside Microsoft Azure Backup Server (MABS) and System Center DPM) registers with the vault
credentials file and then reports to the Backup service. ARM only *lists* what registered:

- ``GET V/backupEngines[?$filter=backupManagementType eq 'AzureBackupServer'|'DPM' [and friendlyName eq 'x']]``
  (BackupEngines_List): ``BackupEngineBaseResource`` items, ``backupEngineType`` ``AzureBackupServerEngine``
  or ``DpmBackupEngine`` with ``dpmVersion``, ``azureBackupAgentVersion``, ``is...UpgradeAvailable``,
  ``registrationStatus``, ``backupEngineState``, ``healthStatus``, ``canReRegister``, ``backupEngineId``
  and ``extendedInfo`` (``databaseName``, ``protectedItemsCount``, ``protectedServersCount``,
  ``diskCount``, ``usedDiskSpace``, ``availableDiskSpace``, ``refreshedAt``, ``azureProtectedInstances``).
  Shapes from the spec and its ``Dpm/BackupEngines_List.json`` example. A MARS agent is not a backup
  engine (``BackupEngineType`` has only the two values), so ``$filter ... 'MAB'`` lists nothing; so does
  any other management type (inferred: empty rather than an error). Paged at 200.
- ``GET V/backupEngines/{name}`` (BackupEngines_Get): one engine; 404 ``BMSUserErrorBackupEngineNotFound``
  (inferred code) when the vault has no engine of that name.
- ``GET V/backupProtectionContainers?$filter=backupManagementType eq 'MAB'|'DPM'|'AzureBackupServer' [and friendlyName eq 'x'] [and status eq 'Registered']``:
  a MARS agent is a ``MabContainer`` (``containerType: Windows``, ``agentVersion``, ``containerHealthState``,
  ``protectedItemCount``, ``extendedInfo.lastRefreshedAt``); each server a MABS or DPM server protects
  to Azure is an ``AzureBackupServerContainer`` or ``DPMContainer`` (``dpmServers`` naming the backup
  server, ``dpmAgentVersion``, ``protectedItemCount``, ``protectionStatus``, ``extendedInfo.lastRefreshedAt``).
  Property names from the spec's models; container names (the server's FQDN) and ``containerId``
  values are inferred. ``GET V/backupFabrics/Azure/protectionContainers/{name}`` serves them too
  (backup_discovery.py's handler: they are stored there).

Estate section ``backupServers`` (each names a vault of the ``vaults`` section or one made later)::

    backupServers:
      - name: mabs-01.contoso.local
        kind: AzureBackupServer          # or DPM, or MARS (a plain MARS agent)
        vault: rsv-prod-weu
        resourceGroup: rg-backup
        subscription: ...                # default: the estate's first subscription
        version: 14.0.30.0               # dpmVersion (MABS/DPM); default per kind
        agentVersion: 2.0.9532.0         # the MARS agent inside
        lastContactHoursAgo: 0           # when it last reported (refreshedAt / lastRefreshedAt)
        health: Healthy                  # healthStatus / containerHealthState
        protectedServers:                # MABS/DPM: servers it protects to Azure
          - {name: fs-01.contoso.local, protectedItemCount: 3}
        disk: {count: 4, usedGB: 800, availableGB: 1200}
        protectedItemCount: 5            # MARS: files-and-folders items

Control API, a **test stand-in** for the agent: ``POST /_emulator/backup-servers/register``
``{"vaultCredentials": "<content of a .VaultCredentials file>", "name", "kind", ...estate keys}``.
A real server registers through the agent's own service endpoint (the ``IdMgmtRestEndpoint`` in the
file), never through ARM, so no ARM route stands for it. The stand-in keeps what the agent's
registration checks: the file names an existing vault, its certificate is one uploaded to that vault
(``PUT V/certificates/{name}``, vault_certificates.py) and not expired; a server registered with
another vault is refused (409). Registering again with the same vault refreshes the server's report.
"""

import base64
import binascii
import datetime
import uuid
from xml.etree import ElementTree

from armemu.core.errors import ArmError
from armemu.core.http import json_response
from armemu.core.lro import iso, utc_now
from armemu.core.paging import paged_response
from armemu.core.routing import route
from armemu.resources._backup_support import BMS_PAGE_SIZE, CONTAINER_TYPE, bms_error, fabric_id, filter_terms
from armemu.resources._vault_support import VAULT, require_vault, vault_id

ESTATE_SECTIONS = ("backupServers",)
ESTATE_PRIORITY = 35  # after vaults.py (30)
ENGINE_TYPE = "Microsoft.RecoveryServices/vaults/backupEngines"
KINDS = {
    # kind: (backupManagementType, backupEngineType or None, containerType of what it protects / of itself, default dpmVersion)
    "AzureBackupServer": ("AzureBackupServer", "AzureBackupServerEngine", "AzureBackupServerContainer", "14.0.30.0"),
    "DPM": ("DPM", "DpmBackupEngine", "DPMContainer", "10.22.123.0"),
    "MARS": ("MAB", None, "Windows", None),
}
SERVER_MANAGEMENT_TYPES = {"azurebackupserver", "dpm", "mab"}
DEFAULT_AGENT_VERSION = "2.0.9532.0"
CREDENTIALS_NAMESPACE = "{http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common}"


def _stable_id(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "#".join(part.lower() for part in parts)))


def engine_id(vault, name):
    return f"{vault}/backupEngines/{name}"


def server_container_id(vault, name):
    return f"{fabric_id(vault)}/protectionContainers/{name}"


# --- bodies ---------------------------------------------------------------------------------------

def engine_body(vault, spec, reported_at):
    management_type, engine_type, _container_type, default_version = KINDS[spec["kind"]]
    disk = spec.get("disk") or {}
    protected = spec.get("protectedServers") or []
    return {
        "id": "/S" + engine_id(vault, spec["name"])[2:],  # the spec example's ids start with "/Subscriptions/"
        "name": spec["name"],
        "type": ENGINE_TYPE,
        "properties": {
            "friendlyName": spec["name"], "backupManagementType": management_type, "backupEngineType": engine_type,
            "registrationStatus": "Registered", "backupEngineState": "Active", "healthStatus": spec.get("health", "Healthy"),
            "canReRegister": True, "backupEngineId": _stable_id(vault, spec["name"], "engine"),
            "dpmVersion": str(spec.get("version") or default_version), "isDpmUpgradeAvailable": False,
            "azureBackupAgentVersion": str(spec.get("agentVersion") or DEFAULT_AGENT_VERSION), "isAzureBackupAgentUpgradeAvailable": False,
            "extendedInfo": {
                "databaseName": f"DPMDB_{spec['name'].split('.')[0].upper()}",
                "protectedItemsCount": sum(int(entry.get("protectedItemCount", 1)) for entry in protected),
                "protectedServersCount": len(protected),
                "diskCount": int(disk.get("count", 1)),
                "usedDiskSpace": float(disk.get("usedGB", 0)),
                "availableDiskSpace": float(disk.get("availableGB", 1024)),
                "refreshedAt": iso(reported_at),
                "azureProtectedInstances": len(protected),
            },
        },
    }


def protected_server_container(vault, spec, entry, reported_at):
    management_type, _engine_type, container_type, _version = KINDS[spec["kind"]]
    name = str(entry["name"])
    return {
        "id": server_container_id(vault, name), "name": name, "type": CONTAINER_TYPE,
        "properties": {
            "friendlyName": name, "backupManagementType": management_type, "registrationStatus": "Registered",
            "healthStatus": spec.get("health", "Healthy"), "containerType": container_type, "canReRegister": True,
            "containerId": _stable_id(vault, name, "container"), "protectedItemCount": int(entry.get("protectedItemCount", 1)),
            "dpmAgentVersion": str(spec.get("version") or KINDS[spec["kind"]][3]), "dpmServers": [spec["name"]],
            "upgradeAvailable": False, "protectionStatus": "Protected",
            "extendedInfo": {"lastRefreshedAt": iso(reported_at)},
        },
    }


def mars_container(vault, spec, reported_at):
    name = spec["name"]
    health = spec.get("health", "Healthy")
    return {
        "id": server_container_id(vault, name), "name": name, "type": CONTAINER_TYPE,
        "properties": {
            "friendlyName": name, "backupManagementType": "MAB", "registrationStatus": "Registered", "healthStatus": health,
            "containerType": "Windows", "canReRegister": True,
            # MabContainer.containerId is an int64 in the spec; derived from the name here (inferred values).
            "containerId": int(_stable_id(vault, name, "mab").replace("-", "")[:12], 16),
            "protectedItemCount": int(spec.get("protectedItemCount", 1)),
            "agentVersion": str(spec.get("agentVersion") or DEFAULT_AGENT_VERSION), "containerHealthState": health,
            "extendedInfo": {"lastRefreshedAt": iso(reported_at), "backupItemType": "FileFolder",
                             "backupItems": [], "policyName": "", "lastBackupStatus": "Completed"},
            "mabContainerHealthDetails": [],
        },
    }


def server_record_id(vault, name):
    """Where the emulator remembers what registering ``name`` made (never served by a route)."""
    return f"{vault}/armemu/backupServers/{name.lower()}"


def register_server(store, vault, spec, reported_at):
    """Store the engine (MABS/DPM) and the containers a registered server shows in the vault."""
    if spec.get("kind") not in KINDS:
        raise ValueError(f"backupServers {spec.get('name')}: kind must be one of {', '.join(KINDS)}, not {spec.get('kind')!r}")
    record = server_record_id(vault, spec["name"])
    for stale in (store.get(record) or {}).get("ids", []):
        store.delete(stale)
    if spec["kind"] == "MARS":
        bodies = [mars_container(vault, spec, reported_at)]
    else:
        bodies = [engine_body(vault, spec, reported_at)]
        bodies += [protected_server_container(vault, spec, entry, reported_at) for entry in spec.get("protectedServers") or []]
    for body in bodies:
        store.put(body["id"], body)
    store.put(record, {"id": record, "server": spec["name"].lower(), "ids": [body["id"] for body in bodies]})
    return bodies


def load_estate(store, estate):
    subscriptions = [str(entry["id"]) for entry in estate.get("subscriptions") or []]
    now = utc_now()
    for raw in estate.get("backupServers") or []:
        spec = dict(raw)
        subscription = str(spec.get("subscription") or (subscriptions[0] if subscriptions else ""))
        vault = vault_id(subscription, str(spec.get("resourceGroup", "")), str(spec.get("vault", "")))
        if not store.exists(vault):
            raise ValueError(f"backupServers {spec.get('name')}: vault {spec.get('vault')!r} in {spec.get('resourceGroup')!r} is not in vaults")
        register_server(store, store.get(vault)["id"], spec, now - datetime.timedelta(hours=float(spec.get("lastContactHoursAgo", 0))))


# --- ARM routes -----------------------------------------------------------------------------------

def _engines(store, vault):
    prefix = vault.lower() + "/backupengines/"
    return sorted(store.find(lambda key, body: key.startswith(prefix) and body.get("type") == ENGINE_TYPE), key=lambda body: body["name"].lower())


@route("GET", VAULT + "/backupEngines")
def list_engines(req):
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    wanted_type = terms.get("backupmanagementtype", "").lower()
    engines = [body for body in _engines(req.emu.store, vault["id"])
               if (not wanted_type or body["properties"]["backupManagementType"].lower() == wanted_type)
               and ("friendlyname" not in terms or body["properties"]["friendlyName"].lower() == terms["friendlyname"].lower())]
    return paged_response(req, engines, BMS_PAGE_SIZE)


@route("GET", VAULT + "/backupEngines/{backupEngineName}")
def get_engine(req):
    vault = require_vault(req)
    body = req.emu.store.get(engine_id(vault["id"], req.params["backupEngineName"]))
    if body is None or body.get("type") != ENGINE_TYPE:
        raise bms_error("BMSUserErrorBackupEngineNotFound",
                        f"Backup engine '{req.params['backupEngineName']}' not found.\r\nPlease check that the server is registered to the vault.", 404)
    return json_response(200, body)


def wants_backup_servers(req, _params):
    """Route guard: the ``$filter`` asks for MARS agents (MAB) or the servers DPM/MABS protect."""
    return filter_terms(req.query_value("$filter")).get("backupmanagementtype", "").lower() in SERVER_MANAGEMENT_TYPES


@route("GET", VAULT + "/backupProtectionContainers", when=wants_backup_servers)
def list_server_containers(req):
    vault = require_vault(req)
    terms = filter_terms(req.query_value("$filter"))
    prefix = fabric_id(vault["id"]).lower() + "/protectioncontainers/"
    found = req.emu.store.find(lambda key, body: key.startswith(prefix) and "/" not in key[len(prefix):]
                               and (body.get("properties") or {}).get("backupManagementType", "").lower() == terms["backupmanagementtype"].lower())
    containers = [body for body in sorted(found, key=lambda body: body["name"].lower())
                  if ("friendlyname" not in terms or body["properties"]["friendlyName"].lower() == terms["friendlyname"].lower())
                  and ("status" not in terms or body["properties"]["registrationStatus"].lower() == terms["status"].lower())]
    return paged_response(req, containers, BMS_PAGE_SIZE)


# --- control: the agent's registration, stood in for -----------------------------------------------

def _refused(status, message):
    return ArmError(status, "BackupServerRegistrationRefused", message)


def _credentials(text):
    """The data members of a vault credentials document; 400 when it is not one."""
    try:
        root = ElementTree.fromstring(text.encode("utf-8") if isinstance(text, str) else b"")
    except ElementTree.ParseError as error:
        raise _refused(400, f"vaultCredentials is not XML: {error}") from error
    if root.tag != CREDENTIALS_NAMESPACE + "RSBackupVaultAADCreds":
        raise _refused(400, "vaultCredentials is not an RSBackupVaultAADCreds document")
    return {child.tag.replace(CREDENTIALS_NAMESPACE, ""): child.text or "" for child in root}


def _certificate_thumbprint(encoded_pfx):
    # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        _key, certificate, _more = pkcs12.load_key_and_certificates(base64.b64decode(encoded_pfx, validate=True), None)
    except (binascii.Error, ValueError) as error:
        raise _refused(400, f"ManagementCert is not a password-less PFX: {error}") from error
    if certificate is None:
        raise _refused(400, "ManagementCert holds no certificate")
    return certificate.fingerprint(hashes.SHA1()).hex().upper()  # nosec B303 - X.509 thumbprints are SHA-1


def _uploaded_certificate(store, vault, thumbprint):
    prefix = vault.lower() + "/certificates/"
    return next((body for body in store.find(lambda key, _: key.startswith(prefix))
                 if body["properties"]["thumbprint"] == thumbprint), None)


def _registered_elsewhere(store, subscription, vault, name):
    prefix = f"/subscriptions/{subscription.lower()}/"
    records = store.find(lambda key, body: key.startswith(prefix) and "/armemu/backupservers/" in key and body.get("server") == name.lower())
    return sorted(holder for holder in (record["id"].split("/armemu/")[0] for record in records) if holder.lower() != vault.lower())


@route("POST", "/_emulator/backup-servers/register", kind="control")
def register_with_credentials(req):
    body = req.json() if isinstance(req.json(), dict) else {}
    values = _credentials(body.get("vaultCredentials"))
    store = req.emu.store
    vault = store.get(vault_id(values.get("SubscriptionId", ""), values.get("ResourceGroup", ""), values.get("ResourceName", "")))
    if vault is None:
        raise _refused(404, f"The vault {values.get('ResourceName')!r} named in the vault credentials does not exist.")
    certificate = _uploaded_certificate(store, vault["id"], _certificate_thumbprint(values.get("ManagementCert", "")))
    if certificate is None:
        raise _refused(400, "The vault credentials' certificate was never uploaded to the vault: the file was not made by Azure for this vault.")
    if datetime.datetime.fromisoformat(certificate["properties"]["validTo"]) <= utc_now():
        raise _refused(400, "The vault credentials file has expired. Download a new one from the vault.")
    spec = {key: value for key, value in body.items() if key != "vaultCredentials"}
    if not spec.get("name") or spec.get("kind") not in KINDS:
        raise _refused(400, f"name must be the server's name and kind one of {', '.join(KINDS)}.")
    elsewhere = _registered_elsewhere(store, values["SubscriptionId"], vault["id"], spec["name"])
    if elsewhere:
        raise _refused(409, f"{spec['name']} is registered with vault {elsewhere[0].rsplit('/', 1)[-1]}: unregister it there first.")
    reported_at = utc_now() - datetime.timedelta(hours=float(spec.get("lastContactHoursAgo", 0)))
    bodies = register_server(store, vault["id"], spec, reported_at)
    return json_response(200, {"registered": bodies, "certificateThumbprint": certificate["properties"]["thumbprint"]})
