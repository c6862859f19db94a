#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_diagnostics
short_description: Send a vault's Backup reports data to Log Analytics, a storage account or an event hub
version_added: 1.0.0
description:
  - Manages one named diagnostic setting (Azure Monitor) of a Recovery Services vault, the data source of Backup reports.
    A vault may have up to five settings; run the module once per setting.
  - By default the setting sends the six Backup report categories to a Log Analytics workspace in resource-specific
    tables (V(Dedicated)), the shape Azure Policy's built-in "Deploy Diagnostic Settings for Recovery Services Vault to
    Log Analytics workspace for resource specific categories" checks for (see RV(policy_compliant)).
  - Categories are checked against the ones the vault offers, and the Log Analytics workspace, the archive storage
    account and the event hub namespace against the vault's region, before anything is written.
  - Azure refuses to send the same category to the same destination from two settings of one vault; the module reports
    which setting already does, before any write.
options:
  name:
    description: Name of the diagnostic setting.
    type: str
    required: true
  state:
    description: Whether the setting should exist.
    type: str
    default: present
    choices: [present, absent]
  preset:
    description:
      - Categories by purpose. V(backup_reports) are the six resource-specific Backup tables (C(CoreAzureBackup),
        C(AddonAzureBackupJobs), C(AddonAzureBackupAlerts), C(AddonAzureBackupPolicy), C(AddonAzureBackupStorage),
        C(AddonAzureBackupProtectedInstance)); V(backup_reports_legacy) is C(AzureBackupReport) (the AzureDiagnostics table);
        V(site_recovery) are the Azure Site Recovery categories.
      - Combined with O(categories). When neither is set, a new setting uses V(backup_reports) and an existing one keeps its categories.
    type: list
    elements: str
    choices: [backup_reports, backup_reports_legacy, site_recovery]
  categories:
    description: Log categories by name, checked against the categories the vault offers.
    type: list
    elements: str
  workspace_id:
    description: Resource id of the Log Analytics workspace. It must be in the vault's region for Backup reports.
    type: str
  log_analytics_destination_type:
    description:
      - V(Dedicated) writes resource-specific tables (recommended, needed by Backup reports' newer views and by Azure Policy);
        V(AzureDiagnostics) writes the legacy AzureDiagnostics table.
      - Used only with O(workspace_id). Defaults to V(Dedicated) when a workspace is set.
    type: str
    choices: [Dedicated, AzureDiagnostics]
  storage_account_id:
    description: Resource id of a storage account to archive to, in the vault's region.
    type: str
  event_hub_authorization_rule_id:
    description: Resource id of an event hub namespace authorization rule, the namespace in the vault's region.
    type: str
  event_hub_name:
    description: Event hub to send to (the namespace's default when unset). Needs O(event_hub_authorization_rule_id).
    type: str
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Backup reports to Log Analytics, compliant with Azure Policy
  azure_backup.recovery_services.backup_diagnostics:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    name: backup-reports
    workspace_id: /subscriptions/0000/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-weu

- name: Archive the legacy report event and Site Recovery logs to a storage account
  azure_backup.recovery_services.backup_diagnostics:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    name: archive
    preset: [backup_reports_legacy, site_recovery]
    storage_account_id: /subscriptions/0000/resourceGroups/rg-monitor/providers/Microsoft.Storage/storageAccounts/stbackupweu

- name: Remove a setting
  azure_backup.recovery_services.backup_diagnostics:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    name: archive
    state: absent
"""

RETURN = r"""
setting:
  description: The managed fields of the setting after the task (in check mode, the planned ones).
  returned: state=present
  type: dict
  sample:
    workspace_id: /subscriptions/0000/resourceGroups/rg-monitor/providers/Microsoft.OperationalInsights/workspaces/law-weu
    log_analytics_destination_type: Dedicated
    storage_account_id: null
    event_hub_authorization_rule_id: null
    event_hub_name: null
    categories: [AddonAzureBackupAlerts, AddonAzureBackupJobs, AddonAzureBackupPolicy, AddonAzureBackupProtectedInstance,
                 AddonAzureBackupStorage, CoreAzureBackup]
policy_compliant:
  description: Whether the setting meets Azure Policy's "resource specific categories" definition for vaults.
  returned: state=present
  type: bool
changes:
  description: The fields that differ (or would differ in check mode).
  returned: always
  type: list
  elements: str
action:
  description: What the task did, or would do in check mode (V(create), V(update), V(delete), V(none)).
  returned: always
  type: str
"""

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import normalise_location
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._diagnostics import (
    DESTINATION_FIELDS, PRESETS, list_settings, log_categories, monitor, policy_compliant, setting_view)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal, Resource, reconcile
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_name, check_resource_id
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options, read_vault

MAX_SETTINGS = 5
# Where a destination's region is read, and with which api-version.
REGION_LOOKUPS = {
    "workspace_id": ("Log Analytics workspace", "2023-09-01"),
    "storage_account_id": ("storage account", "2023-05-01"),
    "event_hub_authorization_rule_id": ("event hub namespace", "2024-01-01"),
}
SINK_FIELDS = ("workspace_id", "storage_account_id", "event_hub_authorization_rule_id")
SINK_TYPES = {"workspace_id": "Microsoft.OperationalInsights/workspaces", "storage_account_id": "Microsoft.Storage/storageAccounts",
              "event_hub_authorization_rule_id": "Microsoft.EventHub/namespaces"}


def region_resource_id(option, resource_id):
    """The resource whose location matters: an event hub rule's namespace, otherwise the resource itself."""
    if option == "event_hub_authorization_rule_id":
        return resource_id.split("/authorizationRules/")[0].split("/authorizationrules/")[0]
    return resource_id


class DiagnosticSetting(Resource):
    """One named diagnostic setting of a vault."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.session = module.session
        self.vault = read_vault(module.session, module.params["resource_group"], module.params["vault_name"])
        self.others = []

    @property
    def label(self):
        return f"diagnostic setting {self.params['name']} of vault {self.vault['name']}"

    def read(self):
        settings = list_settings(self.session, self.vault["id"], self.vault["name"])
        mine = [setting for setting in settings if setting["name"].lower() == self.params["name"].lower()]
        self.others = [setting for setting in settings if setting["name"].lower() != self.params["name"].lower()]
        return setting_view(mine[0]) if mine else None

    def wanted_categories(self, current):
        params = self.params
        if params["preset"] is None and params["categories"] is None:
            return current["categories"] if current else sorted(PRESETS["backup_reports"])
        chosen = set(params["categories"] or [])
        for preset in params["preset"] or []:
            chosen.update(PRESETS[preset])
        return sorted(chosen)

    def desired(self, current):
        params = self.params
        wanted = {key: params[key] for key in ("workspace_id", "storage_account_id", "event_hub_authorization_rule_id", "event_hub_name")}
        base = dict(current) if current else {key: None for key in wanted}
        desired = dict(base, **{key: value for key, value in wanted.items() if value is not None})
        desired["categories"] = self.wanted_categories(current)
        desired["log_analytics_destination_type"] = (params["log_analytics_destination_type"] or base.get("log_analytics_destination_type")
                                                     or "Dedicated") if desired["workspace_id"] else None
        self.keep_azure_spelling(current, desired)
        self.check_desired(current, desired)
        return desired

    @staticmethod
    def keep_azure_spelling(current, desired):
        """Azure may echo ids in another case; an id that only differs in case is not a change."""
        for key in SINK_FIELDS:
            if current and desired[key] and (current[key] or "").lower() == desired[key].lower():
                desired[key] = current[key]

    def check_desired(self, current, desired):
        """Everything Azure would refuse (and the reports' region rule), before any write."""
        if not any(desired[key] for key in SINK_FIELDS):
            raise Refusal("a diagnostic setting needs a destination: set workspace_id, storage_account_id "
                          "or event_hub_authorization_rule_id")
        if desired["event_hub_name"] and not desired["event_hub_authorization_rule_id"]:
            raise Refusal("event_hub_name needs event_hub_authorization_rule_id")
        if current is None and len(self.others) >= MAX_SETTINGS:
            raise Refusal(f"vault {self.vault['name']} already has {len(self.others)} diagnostic settings "
                          f"({', '.join(sorted(other['name'] for other in self.others))}); Azure allows at most {MAX_SETTINGS}")
        self.check_categories(desired["categories"])
        self.check_regions(desired)
        self.check_sink_reuse(desired)

    def check_categories(self, categories):
        offered = log_categories(self.session, self.vault["id"], self.vault["name"])
        unknown = [name for name in categories if name.lower() not in {item.lower() for item in offered}]
        if unknown:
            raise Refusal(f"categories {', '.join(unknown)} are not offered by vault {self.vault['name']}; "
                          f"it offers: {', '.join(sorted(offered))}")
        if not categories:
            raise Refusal("a diagnostic setting needs at least one category: set preset or categories")

    def check_regions(self, desired):
        for option, (what, api_version) in REGION_LOOKUPS.items():
            if not desired[option]:
                continue
            resource_id = region_resource_id(option, desired[option])
            try:
                found = self.session.send(f"read {what} {resource_id}", "GET", resource_id, api_version=api_version).json()
            except AzureOperationError as error:
                if error.status == 404:
                    raise Refusal(f"{option}: the {what} {resource_id} does not exist")
                raise
            location = normalise_location(found.get("location"))
            if location != self.vault["location"]:
                raise Refusal(f"{option}: the {what} {resource_id.rsplit('/', 1)[-1]} is in "
                              f"{location} but vault {self.vault['name']} is in {self.vault['location']}; Backup reports need "
                              f"the {what} in the vault's region")

    def check_sink_reuse(self, desired):
        """Azure answers 409 when another setting sends a same category to a same destination."""
        for other in self.others:
            theirs = setting_view(other)
            shared = sorted(set(desired["categories"]) & set(theirs["categories"]))
            for key in SINK_FIELDS:
                if shared and desired[key] and desired[key].lower() == (theirs[key] or "").lower():
                    raise Refusal(f"diagnostic setting {other['name']} of vault {self.vault['name']} already sends "
                                  f"{', '.join(shared)} to {desired[key]}; Azure allows one setting per destination and category")

    def body(self, desired):
        properties = {field: desired[key] for key, field in DESTINATION_FIELDS.items() if desired[key]}
        if desired["workspace_id"]:
            properties["logAnalyticsDestinationType"] = desired["log_analytics_destination_type"]
        properties["logs"] = [{"category": name, "enabled": True} for name in desired["categories"]]
        return {"properties": properties}

    def create(self, desired):
        self.update(None, desired)

    def update(self, current, desired):
        self.session.call(f"write {self.label}", monitor(self.session).diagnostic_settings.create_or_update,
                          self.vault["id"], self.params["name"], self.body(desired))

    def delete(self, current):
        self.session.call(f"delete {self.label}", monitor(self.session).diagnostic_settings.delete, self.vault["id"], self.params["name"])


def check_options(params):
    """Names and destination ids, before the vault is read."""
    check_vault_options(params)
    check_name(params["name"], "name", "diagnostic setting")
    for option, resource_type in SINK_TYPES.items():
        if params[option] is not None:
            check_resource_id(params[option], option, resource_type)


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            preset=dict(type="list", elements="str", choices=sorted(PRESETS)),
            categories=dict(type="list", elements="str"),
            workspace_id=dict(type="str"),
            log_analytics_destination_type=dict(type="str", choices=["Dedicated", "AzureDiagnostics"]),
            storage_account_id=dict(type="str"),
            event_hub_authorization_rule_id=dict(type="str"),
            event_hub_name=dict(type="str"),
        ),
        clients=("recoveryservices", "monitor"),
        supports_check_mode=True,
    )

    def run():
        check_options(module.params)
        setting = DiagnosticSetting(module)
        result = reconcile(module, setting, module.params["state"])
        if module.params["state"] == "present":
            result["setting"] = result["diff"]["after"]
            result["policy_compliant"] = policy_compliant(result["setting"])
        return result

    module.run(run)


if __name__ == "__main__":
    main()
