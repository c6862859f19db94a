# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options that name a Recovery Services vault, defined once.

``VAULT_ARGUMENT_SPEC`` goes with the ``azure_backup.recovery_services.azure.VAULT`` doc fragment;
every vault-scoped module takes both, and calls ``check_vault_options`` before its first request.
"""

from __future__ import annotations

import re

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import normalise_location
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_resource_group

# The vaults API version azure-mgmt-recoveryservices 4.3.0 calls by default (a unit test keeps the two equal):
# a vault is read with one raw GET, so a task that finds its vault unchanged imports no SDK.
VAULT_API_VERSION = "2026-11-01"

# Azure's rule for vault names (Microsoft.RecoveryServices/vaults): 2-50 letters, digits or hyphens, starting with a letter.
VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")

VAULT_ARGUMENT_SPEC = dict(
    # recovery_vault_name: azure.azcollection's spelling (azure_rm_backupazurevm), so its tasks move over unchanged.
    vault_name=dict(type="str", required=True, aliases=["recovery_vault_name"]),
    resource_group=dict(type="str", required=True),
)


def check_vault_name(name, option="vault_name"):
    if not VAULT_NAME.match(name or ""):
        raise Refusal(f"{option} '{name}' is not a valid vault name: use 2-50 letters, digits or hyphens, starting with a letter")
    return name


def check_vault_options(params):
    """``vault_name`` and ``resource_group`` as Azure allows them."""
    check_vault_name(params["vault_name"])
    check_resource_group(params["resource_group"])


def vault_id(subscription_id, resource_group, name):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.RecoveryServices/vaults/{name}"


def find_vault(session, resource_group, name):
    """The vault as Azure's JSON body, or None when it does not exist: one GET, through the client layer's bare ARM pipeline."""
    return session.read_or_none(f"read vault {name}", vault_id(session.subscription_id, resource_group, name), VAULT_API_VERSION)


def read_vault(session, resource_group, name):
    """The vault's id, name, location and whether cross-region restore is on (one GET); AzureOperationError when it does not exist."""
    vault = session.send(f"read vault {name}", "GET", vault_id(session.subscription_id, resource_group, name), VAULT_API_VERSION).json()
    redundancy = (vault.get("properties") or {}).get("redundancySettings") or {}
    return {"id": vault["id"], "name": vault["name"], "location": normalise_location(vault.get("location")),
            "cross_region_restore": redundancy.get("crossRegionRestore") == "Enabled"}
