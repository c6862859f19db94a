# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AzureBackupModule: AnsibleModule plus the shared Azure options and error handling."""

from __future__ import annotations

import importlib.util
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import (
    AUTH_ARGUMENT_SPEC,
    SDK_CLIENTS,
    AzureConfigurationError,
    AzureOperationError,
    AzureSession,
    resolve_settings,
    translate_error,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._python import require_python
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import TaskFailure

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
        require_python(self)
        for library, import_path in (("azure-identity", "azure.identity"),) + tuple(
                (SDK_DISTRIBUTIONS[name], SDK_CLIENTS[name][0]) for name in clients):
            if not _installed(import_path):
                self.fail_json(msg=missing_required_lib(library))
        try:
            self.session = AzureSession(resolve_settings(self.params))
        except AzureConfigurationError as error:
            self.fail_json(msg=str(error))
        if self.params.get("api_profile") not in (None, "latest"):
            self.warn(f"api_profile={self.params['api_profile']} is ignored: this collection calls each Azure API at the version it was tested with")
        if not self.session.verify_certificates:
            self.warn("cert_validation_mode=ignore: the TLS certificates of Azure AD and Resource Manager are not checked; prefer ca_bundle")

    def fail_azure(self, error, **result):
        """Fail the task with an Azure error's operation, status and ARM code (and the traceback, for -vvv)."""
        traceback_text = _current_traceback(error)
        if traceback_text:
            result.setdefault("exception", traceback_text)
        if isinstance(error, AzureOperationError):
            self.fail_json(msg=str(error), operation=error.operation, http_status=error.status, azure_error_code=error.code, **result)
        self.fail_json(msg=str(error), **result)

    def run(self, main):
        """Call ``main()`` and exit with its result.

        Azure's failures become a clear failed task (operation, HTTP status, ARM code); so does an
        Azure SDK exception a module let through without ``session.call``.  Anything else is a bug
        in the collection: the task fails saying so, with the traceback in ``exception``.
        """
        try:
            result = main()
        except (AzureOperationError, AzureConfigurationError) as error:
            self.fail_azure(error)
        except TaskFailure as failure:  # a Refusal (bad input, found before any write) or an outcome the module reports as failed
            self.fail_json(msg=failure.message, **failure.details)
        except Exception as error:  # pylint: disable=broad-exception-caught  # reported as a bug, with its traceback
            if _is_azure_error(error):
                self.fail_azure(translate_error("Azure request", error, self.session.ca_bundle, self.session.retry_timeout))
            self.fail_json(msg=f"unexpected {type(error).__name__} in azure_backup.recovery_services (a bug; please report it with its "
                               f"traceback, shown with ANSIBLE_DISPLAY_TRACEBACK=error or -vvv): {error}", exception=traceback.format_exc())
        self.exit_json(**result)


def _is_azure_error(error):
    """True for azure-core's and azure-identity's exceptions (imported only when a task fails)."""
    from azure.core.exceptions import AzureError  # pylint: disable=import-outside-toplevel

    return isinstance(error, AzureError)


def _current_traceback(error):
    """The formatted traceback of ``error`` if it was raised (None for one built but never raised)."""
    if error.__traceback__ is None:
        return None
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))
