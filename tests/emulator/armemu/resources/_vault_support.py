"""Helpers shared by the files that serve a Recovery Services vault and its children.

Not a resource file itself (the leading underscore keeps it out of route discovery).
"""

import re

from armemu.core.arm import require_resource_group
from armemu.core.errors import resource_not_found

VAULT = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}"
VAULT_TYPE = "Microsoft.RecoveryServices/vaults"
CONTAINER_KEY = re.compile(r"/backupfabrics/[^/]+/protectioncontainers/[^/]+$")
ITEM_KEY = re.compile(r"/protecteditems/[^/]+$")


def vault_id(subscription_id, resource_group, vault_name):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/{VAULT_TYPE}/{vault_name}"


def request_vault_id(req):
    return vault_id(req.params["subscriptionId"], req.params["resourceGroupName"], req.params["vaultName"])


def require_vault(req):
    """The vault a request addresses; 404 ResourceGroupNotFound or ResourceNotFound like ARM."""
    require_resource_group(req.emu.store, req.params["subscriptionId"], req.params["resourceGroupName"])
    body = req.emu.store.get(request_vault_id(req))
    if body is None:
        raise resource_not_found(VAULT_TYPE, req.params["vaultName"], req.params["resourceGroupName"])
    return body


def azure_spelling(value, allowed):
    """``value`` in Azure's spelling if it names one of ``allowed``, else None.

    Azure's resource providers match enum values case-insensitively (and ignore the blanks in
    combined values such as ``SystemAssigned, UserAssigned``) and answer in their own spelling:
    az sends ``AlwaysOn`` and ``systemassigned,userassigned`` and reads back ``AlwaysON`` and
    ``SystemAssigned, UserAssigned``.
    """
    if not isinstance(value, str):
        return None
    wanted = value.replace(" ", "").lower()
    return next((name for name in allowed if name.replace(" ", "").lower() == wanted), None)


def backup_resources(store, vault):
    """(container names, protected item names) under the vault id ``vault``, from the store."""
    prefix = vault.lower() + "/"
    containers = store.find(lambda key, _: key.startswith(prefix) and CONTAINER_KEY.search(key))
    items = store.find(lambda key, _: key.startswith(prefix) and ITEM_KEY.search(key))
    return [body["name"] for body in containers], [body["name"] for body in items]


def storage_locked(store, vault):
    """Storage redundancy locks when the first item is protected (a container registered)."""
    containers, items = backup_resources(store, vault)
    return bool(containers or items)
