# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AzureBackupModule: AnsibleModule plus the shared Azure options and error handling."""

from __future__ import annotations

import importlib.util

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import (
    AUTH_ARGUMENT_SPEC,
    SDK_CLIENTS,
    AzureConfigurationError,
    AzureOperationError,
    AzureSession,
    resolve_settings,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal

WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
)

# Distribution names for missing_required_lib(), by client name.
SDK_DISTRIBUTIONS = {
    "recoveryservices": "azure-mgmt-recoveryservices",
    "backup": "azure-mgmt-recoveryservicesbackup",
    "compute": "azure-mgmt-compute",
    "monitor": "azure-mgmt-monitor",
}


def _installed(import_path):
    try:
        return importlib.util.find_spec(import_path) is not None
    except (ImportError, ValueError):
        return False


class AzureBackupModule(AnsibleModule):
    """An AnsibleModule that knows the Azure auth options and how to report Azure errors.

    ``clients`` names the SDK clients the module uses; their presence is checked without
    importing them, so a missing SDK gives Ansible's usual "missing required library" error.
    """

    def __init__(self, argument_spec, clients=(), wait_options=False, **kwargs):
        spec = dict(AUTH_ARGUMENT_SPEC)
        if wait_options:
            spec.update(WAIT_ARGUMENT_SPEC)
        spec.update(argument_spec)
        super().__init__(argument_spec=spec, **kwargs)
        for library, import_path in (("azure-identity", "azure.identity"),) + tuple(
                (SDK_DISTRIBUTIONS[name], SDK_CLIENTS[name][0]) for name in clients):
            if not _installed(import_path):
                self.fail_json(msg=missing_required_lib(library))
        self.session = AzureSession(resolve_settings(self.params))

    def fail_azure(self, error, **result):
        """Fail the task with an Azure error's operation, status and ARM code."""
        if isinstance(error, AzureOperationError):
            self.fail_json(msg=str(error), operation=error.operation, http_status=error.status, azure_error_code=error.code, **result)
        self.fail_json(msg=str(error), **result)

    def run(self, main):
        """Call ``main()`` and exit with its result; Azure errors become a clear fail_json."""
        try:
            result = main()
        except (AzureOperationError, AzureConfigurationError) as error:
            self.fail_azure(error)
        except Refusal as refusal:  # bad input or a write Azure would refuse, found before any write
            self.fail_json(msg=refusal.message, **refusal.details)
        self.exit_json(**result)
