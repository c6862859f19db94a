"""What the Azure VM backup files share: names, ids, filters, store queries and BMS errors.

Not a resource file itself (the leading underscore keeps it out of route discovery).

Where things live in the store (all under the vault id ``V``, so deleting a vault removes them):

- ``V/backupFabrics/Azure``: the fabric, with the emulator-private ``armemu.discovered`` list of VM
  ids found by the last *completed* refresh (never served by a route).
- ``V/backupFabrics/Azure/protectionContainers/{IaasVMContainer;iaasvmcontainerv2;rg;vm}``: a
  container, stored once its VM is protected.
- ``.../protectedItems/{VM;iaasvmcontainerv2;rg;vm}``: the protected item, exactly as GET returns it
  (``extendedInfo`` is added on read).
- ``.../protectedItems/{item}/recoveryPoints/{numeric name}``: recovery points, exactly as GET returns them.
- ``V/backupJobs/{guid}``: jobs, exactly as GET returns them (``duration`` is refreshed on read).
"""

import re
from datetime import datetime, timezone

from armemu.core.errors import ArmError
from armemu.resources._vault_support import VAULT, vault_id

FABRIC = VAULT + "/backupFabrics/{fabricName}"
CONTAINER = FABRIC + "/protectionContainers/{containerName}"
ITEM = CONTAINER + "/protectedItems/{protectedItemName}"
VM_ITEM_TYPE = "Microsoft.Compute/virtualMachines"
ITEM_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems"
CONTAINER_TYPE = "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers"
BMS_PAGE_SIZE = 200  # the Backup RP pages item lists at fixed sizes (200 seen for items), not at a client's wish
FILTER_TERM = re.compile(r"(\w+)\s+eq\s+'([^']*)'", re.IGNORECASE)
VM_NAME_PARTS = re.compile(r"^(?:iaasvmcontainer;|vm;)?iaasvmcontainerv2;([^;]+);([^;]+)$", re.IGNORECASE)
VM_RESOURCE_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.compute/virtualmachines/([^/]+)$",
                            re.IGNORECASE)
ANY_ITEM_KEY = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/[^/]+/providers/microsoft\.recoveryservices/vaults/[^/]+"
                          r"/backupfabrics/azure/protectioncontainers/[^/]+/protecteditems/vm;iaasvmcontainerv2;([^;/]+);([^;/]+)$")


# --- names and ids --------------------------------------------------------------------------------

def container_name(resource_group, vm_name):
    """Azure lower-cases the resource group and VM name inside container and item names
    (``IaasVMContainer;iaasvmcontainerv2;rg-app;vm-web-01``, recorded answers)."""
    return f"IaasVMContainer;{short_container_name(resource_group, vm_name)}"


def item_name(resource_group, vm_name):
    return f"VM;{short_container_name(resource_group, vm_name)}"


def short_container_name(resource_group, vm_name):
    """``properties.containerName`` of a protected item: no ``IaasVMContainer;`` prefix (contract §3.1)."""
    return f"iaasvmcontainerv2;{resource_group.lower()};{vm_name.lower()}"


def vm_parts(name):
    """(resource group, VM name) from a container or item name in any of its casings, else None."""
    found = VM_NAME_PARTS.match(name or "")
    return (found.group(1), found.group(2)) if found else None


def vm_id_parts(resource_id):
    """(subscription, resource group, VM name) of a VM resource id, else None."""
    found = VM_RESOURCE_ID.match(resource_id or "")
    return found.groups() if found else None


def fabric_id(vault):
    return f"{vault}/backupFabrics/Azure"


def container_id(vault, resource_group, vm_name):
    return f"{fabric_id(vault)}/protectionContainers/{container_name(resource_group, vm_name)}"


def item_id(vault, resource_group, vm_name):
    return f"{container_id(vault, resource_group, vm_name)}/protectedItems/{item_name(resource_group, vm_name)}"


def request_vault(req):
    return vault_id(req.params["subscriptionId"], req.params["resourceGroupName"], req.params["vaultName"])


def request_item_id(req):
    """The protected item id a request's path names (store lookups ignore its casing)."""
    params = req.params
    return (f"{request_vault(req)}/backupFabrics/{params['fabricName']}/protectionContainers/{params['containerName']}"
            f"/protectedItems/{params['protectedItemName']}")


def vault_of(resource_id):
    """The vault id at the start of a backup resource id."""
    parts = resource_id.split("/")
    return "/".join(parts[:9])


# --- filters, times -------------------------------------------------------------------------------

def filter_terms(text):
    """``a eq 'x' and b eq 'y'`` as ``{"a": "x", "b": "y"}`` with lower-cased keys."""
    return {key.lower(): value for key, value in FILTER_TERM.findall(text or "")}


def parse_filter_time(text):
    """A filter date: ``'yyyy-MM-dd hh:mm:ss tt'`` (the Backup RP's format, e.g. ``2026-01-01 02:30:00 PM``) or ISO-8601."""
    value = text.strip()
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?\s*(AM|PM)?\s*Z?$", value, re.IGNORECASE)
    if not match:
        raise ArmError(400, "BMSUserErrorInvalidInput", f"The date '{text}' in the filter is not in the format 'yyyy-MM-dd hh:mm:ss tt'.")
    day, hour, minute, second, meridiem = match.groups()
    hour = int(hour)
    if meridiem and meridiem.upper() == "PM" and hour < 12:
        hour += 12
    elif meridiem and meridiem.upper() == "AM" and hour == 12:
        hour = 0
    return datetime.fromisoformat(day).replace(hour=hour, minute=int(minute), second=int(second), tzinfo=timezone.utc)


def filter_window(terms, start_key, end_key):
    """The (since, until) datetimes a filter's two date terms give; None where a term is absent."""
    since = parse_filter_time(terms[start_key]) if start_key in terms else None
    until = parse_filter_time(terms[end_key]) if end_key in terms else None
    return since, until


def in_window(moment_text, since, until):
    """True when an ISO time lies within [since, until] (an open end is no bound)."""
    moment = parse_iso(moment_text)
    return (since is None or moment >= since) and (until is None or moment <= until)


def parse_iso(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso_duration(seconds):
    """An ISO-8601 duration as the Backup RP writes it, e.g. ``PT9.8782791S`` (the SDK parses it to timedelta)."""
    seconds = max(seconds, 0.0)
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{rest:.7f}".rstrip("0").rstrip(".") + "S"


def timespan(seconds):
    """A .NET TimeSpan string ``d.hh:mm:ss`` (how ``deferredDeleteTimeRemaining`` reads)."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    return f"{days}.{hours:02d}:{minutes:02d}:{rest:02d}"


# --- polling answers ------------------------------------------------------------------------------

def without_retry_after(response):
    """``response`` without ``Retry-After``: the Backup RP (BMS) sends none on its 202s and in-progress
    polls (Azure's recorded answers for protect, backup, refresh, delete, undelete and policy
    operations); only ARM's own 429s carry one. A client polls at its own pace, as on Azure."""
    response.headers.pop("Retry-After", None)
    return response


# --- errors ---------------------------------------------------------------------------------------

def bms_error(code, message, status=400):
    """A Backup RP (BMS) error: codes are ``BMSUserError...`` and messages end with a hint, as in Azure."""
    return ArmError(status, code, message)


def item_not_found():
    """404 for a protected item that does not exist (code and text seen from Azure)."""
    return bms_error("BMSUserErrorDataSourceObjectNotFound",
                     "Item not found.\r\nSelected item might have been deleted. Please check if item is registered to the vault.", 404)


# --- store queries --------------------------------------------------------------------------------

def matching_ids(store, pattern):
    """Lower-cased ids of stored resources whose id matches ``pattern``, without copying any body.

    ``Store.find`` deep-copies every body it returns; lists over 1,000 VMs that only need names
    (which the ids encode) would pay ~100 ms a request for copies. The predicate records the
    key and answers False, so nothing is copied.
    """
    found = []
    store.find(lambda key, _: bool(pattern.match(key)) and found.append(key))
    return found


def vault_items(store, vault):
    """Every protected item body of ``vault`` (any state, soft-deleted ones included)."""
    prefix = vault.lower() + "/backupfabrics/azure/protectioncontainers/"
    return store.find(lambda key, _: key.startswith(prefix) and "/protecteditems/" in key and "/recoverypoints/" not in key)


def protected_vms(store, subscription_id):
    """``{(resource group, vm name): vault id}`` (lower-cased) for every VM with an item in any vault of the subscription."""
    holders = {}
    for key in matching_ids(store, ANY_ITEM_KEY):
        found = ANY_ITEM_KEY.match(key)
        if found.group(1) == subscription_id.lower():
            holders[(found.group(2), found.group(3))] = vault_of(key)
    return holders


def vault_holding(store, subscription_id, resource_group, vm_name):
    """The lower-cased id of the vault that has an item for the VM, or None."""
    return protected_vms(store, subscription_id).get((resource_group.lower(), vm_name.lower()))


def soft_delete_settings(store, vault):
    """(state, retention days) of the vault's soft delete (vault_backup_config.py keeps both views in step)."""
    settings = store.get(vault)["properties"]["securitySettings"]["softDeleteSettings"]
    return settings.get("softDeleteState", "Enabled"), settings.get("softDeleteRetentionPeriodInDays", 14)
