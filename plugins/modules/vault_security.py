#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_security
short_description: Protect a Recovery Services vault against accidental or malicious loss
version_added: 1.0.0
description:
  - Manages the security settings of an existing Recovery Services vault, idempotently, with check and diff mode
    (soft delete, enhanced security for hybrid workloads, immutability, cross-subscription restore,
    multi-user authorization with a Resource Guard) and can generate the vault's security PIN.
  - Only the options you set are managed; an option left unset never causes a change.
  - Soft delete and enhanced security are written through the Backup service's vault configuration
    (C(backupconfig/vaultconfig)), which Azure keeps consistent with the vault's C(securitySettings); immutability
    and cross-subscription restore are written to the vault.
  - Weakening a protection (turning soft delete or enhanced security off, shortening the soft delete retention,
    Unlocked immutability back to Disabled, removing or replacing the Resource Guard) needs
    O(allow_security_downgrade=true) and is shown in the diff. When the vault's Resource Guard protects that
    operation, O(resource_guard_authorization=true) is needed too.
  - Settings Azure never lets you undo (soft delete or enhanced security V(AlwaysON), immutability V(Locked),
    cross-subscription restore V(PermanentlyDisabled)) need O(confirm_irreversible=true). Leaving them is refused
    before any call, with the reason.
  - Public network access belongs to M(azure_backup.recovery_services.rsv_vault), not to this module.
  - Multi-factor authentication itself is an Azure AD (Microsoft Entra) setting of the users; this module does not
    manage it.
options:
  name:
    description: Name of the vault. The vault must exist (create it with M(azure_backup.recovery_services.rsv_vault)).
    type: str
    required: true
    aliases: [vault_name]
  resource_group:
    description: Resource group of the vault.
    type: str
    required: true
  soft_delete:
    description:
      - Soft delete of backup data. V(AlwaysON) cannot be turned off again (needs O(confirm_irreversible)).
      - V(Disabled) is a downgrade (needs O(allow_security_downgrade)).
    type: str
    choices: [Enabled, Disabled, AlwaysON]
  soft_delete_retention_days:
    description:
      - How many days soft-deleted backup data is kept, 14 to 180. Shortening it is a downgrade.
    type: int
  enhanced_security:
    description:
      - The security features for hybrid workloads (MARS agent, MABS, DPM) that ask for a security PIN before critical
        operations and keep deleted backup data. V(AlwaysON) is irreversible; V(Disabled) is a downgrade.
    type: str
    choices: [Enabled, Disabled, AlwaysON]
  immutability:
    description:
      - Vault immutability. V(Unlocked) protects recovery points and can still be disabled; V(Locked) can never be
        undone (needs O(confirm_irreversible)). V(Unlocked) to V(Disabled) is a downgrade.
    type: str
    choices: [Disabled, Unlocked, Locked]
  cross_subscription_restore:
    description:
      - Whether backups of this vault may be restored into other subscriptions. V(PermanentlyDisabled) is irreversible.
    type: str
    choices: [Enabled, Disabled, PermanentlyDisabled]
  resource_guard:
    description:
      - Multi-user authorization (MUA) through a Resource Guard (C(Microsoft.DataProtection/resourceGuards)), usually owned by
        a security admin in another subscription or tenant, in the vault's region.
      - O(resource_guard.state=absent) removes the association, a downgrade that the guard itself protects.
    type: dict
    suboptions:
      id:
        description: Resource id of the Resource Guard. Required with O(resource_guard.state=present).
        type: str
      state:
        description: Whether the vault is associated with the guard.
        type: str
        default: present
        choices: [present, absent]
      proxy_name:
        description: Name of the vault's resource guard proxy (the association). Azure CLI uses V(VaultProxy).
        type: str
        default: VaultProxy
  resource_guard_authorization:
    description:
      - Declare that you hold the Resource Guard's permission for the critical operations this task performs (for example
        a just-in-time C(Backup MUA Operator) role on the guard). The module then sends the guard's operation requests
        (C(resourceGuardOperationRequests)) read from the vault's guard association.
      - Without it, a critical operation the guard protects is refused before any call.
    type: bool
    default: false
  resource_guard_token:
    description:
      - An access token for the Resource Guard's tenant when the guard lives in another tenant, sent as the
        C(x-ms-authorization-auxiliary) header. For example the output of
        C(az account get-access-token --tenant <guard tenant> --query accessToken).
      - Never logged, never returned.
    type: str
  allow_security_downgrade:
    description: Allow the changes that weaken the vault's protection (see the description). They show in the diff.
    type: bool
    default: false
  confirm_irreversible:
    description: Confirm a change Azure never lets you undo (V(AlwaysON), V(Locked), V(PermanentlyDisabled)).
    type: bool
    default: false
  generate_security_pin:
    description:
      - Generate a new security PIN (Azure's C(backupSecurityPIN)), the PIN the portal's B(Generate) button under
        Properties > Security PIN gives. The MARS agent, MABS and DPM ask for it before critical operations such as
        changing the passphrase or stopping protection with data deletion. It expires after a few minutes.
      - The PIN is a secret. Either set O(security_pin_file), or run the task with C(no_log=true) to get it in
        RV(security_pin.pin); otherwise the task fails before generating one.
      - Generating a PIN always reports a change. Changing the MARS security PIN is a critical operation a Resource Guard
        may protect.
    type: bool
    default: false
  security_pin_file:
    description:
      - Write the generated PIN and its expiry to this file on the managed node (mode 0600) instead of returning it.
    type: path
attributes:
  idempotent:
    support: partial
    details: The settings are idempotent; O(generate_security_pin=true) issues a new PIN on every run.
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
  - azure_backup.recovery_services.azure.WAIT
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Always-on soft delete for 30 days, locked immutability, multi-user authorization
  azure_backup.recovery_services.vault_security:
    name: rsv-prod-weu
    resource_group: rg-backup
    soft_delete: AlwaysON
    soft_delete_retention_days: 30
    enhanced_security: Enabled
    immutability: Locked
    confirm_irreversible: true
    cross_subscription_restore: Disabled
    resource_guard:
      id: /subscriptions/1111/resourceGroups/rg-security/providers/Microsoft.DataProtection/resourceGuards/guard-weu

- name: Disable soft delete on a lab vault protected by a guard in another tenant
  azure_backup.recovery_services.vault_security:
    name: rsv-lab
    resource_group: rg-lab
    soft_delete: Disabled
    allow_security_downgrade: true
    resource_guard_authorization: true
    resource_guard_token: "{{ guard_tenant_token }}"

- name: Generate a security PIN for a MARS agent operation
  azure_backup.recovery_services.vault_security:
    name: rsv-prod-weu
    resource_group: rg-backup
    generate_security_pin: true
  no_log: true
  register: pin_result
"""

RETURN = r"""
security:
  description: The vault's security settings after the task (in check mode, the planned ones).
  returned: always
  type: dict
  sample:
    soft_delete: AlwaysON
    soft_delete_retention_days: 30
    enhanced_security: Enabled
    immutability: Locked
    cross_subscription_restore: Disabled
    multi_user_authorization: Enabled
    resource_guard_id: /subscriptions/1111/resourceGroups/rg-security/providers/Microsoft.DataProtection/resourceGuards/guard-weu
changes:
  description: The settings that differ (or would differ in check mode).
  returned: always
  type: list
  elements: str
  sample: [soft_delete, immutability]
action:
  description: V(update) when a setting changed, V(none) otherwise.
  returned: always
  type: str
security_pin:
  description:
    - The generated PIN, when O(generate_security_pin=true) and not in check mode. C(pin) only when the task runs with
      C(no_log) and O(security_pin_file) is not set.
  returned: when a PIN was generated
  type: dict
  contains:
    pin:
      description: The security PIN.
      type: str
    expires_at:
      description: When the PIN expires, ISO 8601 UTC.
      type: str
      sample: "2026-11-25T12:05:00Z"
    expiry_time_in_utc_ticks:
      description: The expiry as Azure gives it, .NET ticks (100 ns since 0001-01-01 UTC).
      type: int
    file:
      description: Where the PIN was written, when O(security_pin_file) is set.
      type: str
"""

import json

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, read_guard_proxy
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._files import write_file_atomically
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal, Resource, finish, reconcile
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import (
    check_output_file, check_resource_group, check_resource_id, check_wait_timeout,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import check_vault_name, find_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault_security import (
    CONFIG_FIELDS, CONFIG_WRITE, DELETE_GUARD_PROXY, GUARD_API_VERSION, GUARD_TYPE, IRREVERSIBLE, OPERATION_LABELS, REDUCE_IMMUTABILITY,
    SECURITY_PIN, critical_operations, downgrades, guard_request, security_view, ticks_to_iso,
)


class VaultSecurity(Resource):
    """A vault's security settings: backupconfig, vault PATCH and the resource guard proxy."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.session = module.session
        self.name = module.params["name"]
        self.group = module.params["resource_group"]
        self.proxy = None
        self.azure_vault = None

    def read(self):
        vault = find_vault(self.session, self.group, self.name)
        if vault is None:
            raise Refusal(f"vault {self.name} does not exist in resource group {self.group}; "
                          "create it with azure_backup.recovery_services.rsv_vault first")
        self.azure_vault = vault
        self.proxy = read_guard_proxy(self.session, self.name, self.group)
        return security_view(self.azure_vault, self.proxy)

    def wanted(self):
        params = self.params
        guard = params["resource_guard"]
        wanted = {key: params[key] for key in ("soft_delete", "soft_delete_retention_days", "enhanced_security", "immutability",
                                               "cross_subscription_restore")}
        if guard is not None:
            wanted["resource_guard_id"] = guard["id"] if guard["state"] == "present" else ""
        return {key: value for key, value in wanted.items() if value is not None}

    def desired(self, current):
        desired = dict(current, **self.wanted())
        desired["resource_guard_id"] = desired["resource_guard_id"] or None
        if (desired["resource_guard_id"] or "").lower() == (current["resource_guard_id"] or "").lower():
            desired["resource_guard_id"] = current["resource_guard_id"]
        self.refuse_irreversible_changes(current, desired)
        self.refuse_unconfirmed_downgrades(current, desired)
        operations = critical_operations(current, desired) + ([SECURITY_PIN] if self.params["generate_security_pin"] else [])
        self.refuse_unauthorised_operations(operations)
        return desired

    def refuse_irreversible_changes(self, current, desired):
        for key, final_value in IRREVERSIBLE.items():
            if current[key] == final_value and desired[key] != final_value:
                raise Refusal(f"{key} of vault {self.name} is {final_value}; Azure never allows leaving {final_value} "
                              f"(requested {desired[key]}), so nothing was changed")
            if desired[key] == final_value and current[key] != final_value and not self.params["confirm_irreversible"]:
                raise Refusal(f"{key}={final_value} is irreversible: once set, Azure never lets vault {self.name} leave it "
                              f"(for example recovery points then cannot be deleted early). Set confirm_irreversible: true to do it")

    def refuse_unconfirmed_downgrades(self, current, desired):
        weakened = downgrades(current, desired)
        if weakened and not self.params["allow_security_downgrade"]:
            raise Refusal(f"this task would weaken the protection of vault {self.name} ({'; '.join(weakened)}); "
                          "set allow_security_downgrade: true to do it", changes=weakened)

    def refuse_unauthorised_operations(self, operations):
        protected = [operation for operation in operations if guard_request(self.proxy, operation)]
        if protected and not self.params["resource_guard_authorization"]:
            guard = self.proxy["properties"]["resourceGuardResourceId"]
            raise Refusal(f"vault {self.name} is protected by the resource guard {guard} (multi-user authorization): "
                          f"{', '.join(OPERATION_LABELS[operation] for operation in protected)} needs the guard's approval. "
                          "Get it (for example a just-in-time Backup MUA Operator role on the guard), then set "
                          "resource_guard_authorization: true (and resource_guard_token for a guard in another tenant)")

    def check(self, action, current, desired):
        """A resource guard that does not exist is refused before the association is written (one read)."""
        guard_id = desired["resource_guard_id"]
        if not guard_id or guard_id.lower() == (current["resource_guard_id"] or "").lower():
            return
        try:
            self.session.send(f"read resource guard {guard_id}", "GET", guard_id, GUARD_API_VERSION)
        except AzureOperationError as error:
            if error.status == 404 and error.code in ("ResourceNotFound", "ResourceGroupNotFound"):
                raise Refusal(f"resource_guard.id: the resource guard {guard_id} does not exist ({error.code})") from error
            if error.status not in (401, 403, 404):
                raise
            # A guard in a subscription or tenant this identity cannot read: only Azure can tell, the write decides.

    def guard_requests(self, operations):
        """``resourceGuardOperationRequests`` for the operations, when the user declared the guard's approval."""
        if not self.params["resource_guard_authorization"]:
            return []
        return [request for request in (guard_request(self.proxy, operation) for operation in operations) if request]

    @property
    def auxiliary_header(self):
        token = self.params["resource_guard_token"]
        if not token:
            return None
        return token if token.lower().startswith("bearer ") else f"Bearer {token}"

    def update(self, current, desired):
        operations = critical_operations(current, desired)
        self.write_backup_config(current, desired, operations)
        self.write_vault(current, desired, operations)
        if (current["resource_guard_id"] or "").lower() != (desired["resource_guard_id"] or "").lower():
            if current["resource_guard_id"]:
                self.remove_guard()
            if desired["resource_guard_id"]:
                self.associate_guard(desired["resource_guard_id"])

    def write_backup_config(self, current, desired, operations):
        properties = {field: desired[key] for key, field in CONFIG_FIELDS.items() if desired[key] != current[key]}
        if not properties:
            return
        requests = self.guard_requests([operation for operation in operations if operation == CONFIG_WRITE])
        if requests:
            properties["resourceGuardOperationRequests"] = requests
        self.session.call(f"update soft delete settings of vault {self.name}", backup_client(self.session).backup_resource_vault_configs.update,
                          self.name, self.group, {"properties": properties}, x_ms_authorization_auxiliary=self.auxiliary_header)

    def write_vault(self, current, desired, operations):
        properties = {}
        if desired["immutability"] != current["immutability"]:
            properties["securitySettings"] = {"immutabilitySettings": {"state": desired["immutability"]}}
        if desired["cross_subscription_restore"] != current["cross_subscription_restore"]:
            properties["restoreSettings"] = {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": desired["cross_subscription_restore"]}}
        if not properties:
            return
        requests = self.guard_requests([operation for operation in operations if operation == REDUCE_IMMUTABILITY])
        if requests:
            properties["resourceGuardOperationRequests"] = requests
        poller = self.session.call(f"update security settings of vault {self.name}", self.session.client("recoveryservices").vaults.begin_update,
                                   self.group, self.name, {"properties": properties}, x_ms_authorization_auxiliary=self.auxiliary_header)
        finish(self.session, f"update security settings of vault {self.name}", poller, self.params)

    def _guard_headers(self):
        header = self.auxiliary_header
        return {"headers": {"x-ms-authorization-auxiliary": header}} if header else {}

    def remove_guard(self):
        """Azure removes a guard association in two steps: an authorised unlockDelete, then the DELETE."""
        proxies = backup_client(self.session).resource_guard_proxy
        name = self.proxy["name"]
        body = {"resourceGuardOperationRequests": self.guard_requests([DELETE_GUARD_PROXY]), "resourceToBeDeleted": self.proxy["id"]}
        self.session.call(f"unlock deletion of resource guard proxy {name} of vault {self.name}", proxies.unlock_delete,
                          self.name, self.group, name, body, **self._guard_headers())
        self.session.call(f"remove resource guard proxy {name} of vault {self.name}", proxies.delete, self.name, self.group, name,
                          **self._guard_headers())

    def associate_guard(self, guard_id):
        name = self.params["resource_guard"]["proxy_name"]
        self.session.call(f"associate resource guard with vault {self.name}", backup_client(self.session).resource_guard_proxy.put,
                          self.name, self.group, name, {"properties": {"resourceGuardResourceId": guard_id}}, **self._guard_headers())

    def generate_security_pin(self):
        """POST backupSecurityPIN; the PIN never goes into logs or the diff."""
        body = {"resourceGuardOperationRequests": self.guard_requests([SECURITY_PIN])}
        answer = as_mapping(self.session.call(f"generate security PIN of vault {self.name}", backup_client(self.session).security_pins.get,
                                              self.name, self.group, body, x_ms_authorization_auxiliary=self.auxiliary_header))
        pin = answer.get("securityPIN") or answer.get("token")
        ticks = answer["expiryTimeInUtcTicks"]
        result = {"expires_at": ticks_to_iso(ticks), "expiry_time_in_utc_ticks": ticks}
        if self.params["security_pin_file"]:
            self.module.no_log_values.add(pin)  # masks the PIN should anything echo it
            write_file_atomically(self.params["security_pin_file"], (json.dumps(dict(result, pin=pin)) + "\n").encode("utf-8"))
            return dict(result, file=self.params["security_pin_file"])
        return dict(result, pin=pin)


def check_options(module):
    """Refuse bad input before any call."""
    params = module.params
    check_vault_name(params["name"], "name")
    check_resource_group(params["resource_group"])
    check_wait_timeout(params)
    days = params["soft_delete_retention_days"]
    if days is not None and not 14 <= days <= 180:
        raise Refusal(f"soft_delete_retention_days must be between 14 and 180 (Azure's limits), got {days}")
    guard = params["resource_guard"]
    if guard and guard["state"] == "present":
        if not guard.get("id"):
            raise Refusal("resource_guard.id is required when resource_guard.state is present")
        check_resource_id(guard["id"], "resource_guard.id", GUARD_TYPE)
    if params["generate_security_pin"] and not params["security_pin_file"] and not module.no_log:
        raise Refusal("generate_security_pin returns a secret: run the task with no_log: true, or set security_pin_file")
    if params["generate_security_pin"]:
        check_output_file(params["security_pin_file"], "security_pin_file")


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            name=dict(type="str", required=True, aliases=["vault_name"]),
            resource_group=dict(type="str", required=True),
            soft_delete=dict(type="str", choices=["Enabled", "Disabled", "AlwaysON"]),
            soft_delete_retention_days=dict(type="int"),
            enhanced_security=dict(type="str", choices=["Enabled", "Disabled", "AlwaysON"]),
            immutability=dict(type="str", choices=["Disabled", "Unlocked", "Locked"]),
            cross_subscription_restore=dict(type="str", choices=["Enabled", "Disabled", "PermanentlyDisabled"]),
            resource_guard=dict(type="dict", options=dict(
                id=dict(type="str"),
                state=dict(type="str", default="present", choices=["present", "absent"]),
                proxy_name=dict(type="str", default="VaultProxy"),
            )),
            resource_guard_authorization=dict(type="bool", default=False),
            resource_guard_token=dict(type="str", no_log=True),
            allow_security_downgrade=dict(type="bool", default=False),
            confirm_irreversible=dict(type="bool", default=False),
            generate_security_pin=dict(type="bool", default=False),
            security_pin_file=dict(type="path"),
        ),
        clients=("recoveryservices", "backup"),
        wait_options=True,
        supports_check_mode=True,
    )

    def run():
        check_options(module)
        security = VaultSecurity(module)
        result = reconcile(module, security, "present")
        if module.params["generate_security_pin"]:
            result["changed"] = True
            if not module.check_mode:
                result["security_pin"] = security.generate_security_pin()
        after = result["diff"]["after"]
        if result["action"] != "none" and not module.check_mode:
            after = security.read()
        result["security"] = dict(after, multi_user_authorization="Enabled" if after["resource_guard_id"] else "Disabled")
        return result

    module.run(run)


if __name__ == "__main__":
    main()
