#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: mars_vault_credentials
short_description: Make a vault credentials file for registering MARS agents, MABS and DPM servers with a vault
version_added: 1.0.0
description:
  - Produces the C(.VaultCredentials) file the Microsoft Azure Recovery Services (MARS) agent registers with,
    the same file the Azure portal's "Download vault credentials" and
    C(Get-AzRecoveryServicesVaultSettingsFile -Backup) give.
  - The same file registers a Microsoft Azure Backup Server (MABS) or System Center DPM server
    (C(Start-DPMCloudRegistration -VaultCredentialsFilePath)); Azure makes one kind of backup vault credentials
    for all three (C(Get-AzRecoveryServicesVaultSettingsFile -Backup) is Microsoft's documented way for
    "a Windows Server or DPM machine"; its source keeps the C(RSBackupVaultAADCreds) namespace the DPM console
    looks for), so the module has no option for the server kind.
    Hand it to M(azure_backup.recovery_services.backup_server_registration) for MABS and DPM.
  - Makes a fresh self-signed certificate (RSA 2048, C(CN=Windows Azure Tools), client-authentication EKU),
    uploads its public part to the vault, and writes the credentials document with the certificate's
    PFX (private key included) to O(dest), mode C(0600), atomically.
  - The file is a secret. Its content never appears in the task's output, diff or logs; keep O(dest) on
    the controller and hand the content to hosts with M(azure_backup.recovery_services.mars_agent_registration).
  - A credentials file is a fresh secret each time. With O(force=false) an existing file at O(dest) for
    the same vault that stays valid for more than O(min_remaining_hours) is reused and nothing is uploaded.
  - Runs on the controller (delegate it to C(localhost)); run it once per vault.
options:
  vault_name:
    description: Name of the Recovery Services vault.
    type: str
    required: true
    aliases: [vault, recovery_vault_name]
  resource_group:
    description: Resource group of the vault.
    type: str
    required: true
  dest:
    description:
      - Where to write the file. An existing directory (or a path ending in C(/)) receives the portal's file
        name C({vault}_{ddd MMM dd yyyy}.VaultCredentials); any other path is the file itself.
      - The directory must exist.
    type: path
    required: true
  validity_hours:
    description:
      - How long the certificate, and so the file, is valid. Azure's tools use 48 hours.
      - A file is needed only to register an agent; a short life limits the harm of a leaked file.
    type: int
    default: 48
  min_remaining_hours:
    description:
      - With O(force=false), an existing file is reused only while it stays valid for more than this many hours.
      - Must be less than O(validity_hours).
    type: int
    default: 12
  force:
    description: Always make and upload a new certificate and replace the file.
    type: bool
    default: false
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
attributes:
  check_mode:
    description: Reports whether a new file would be made; writes no file and uploads nothing.
    support: full
  diff_mode:
    description: Returns the file's path, thumbprint and expiry before and after (never its content).
    support: full
  idempotent:
    support: partial
    details: A still-valid file is reused without an upload; O(force=true) makes a new one on every run.
requirements:
  - azure-mgmt-recoveryservices >= 4.3.0
  - cryptography >= 41
notes:
  - The PFX inside the file has no password, like the portal's. Protect the file, and delete it once the
    agents are registered; a registered agent does not need it again.
seealso:
  - module: azure_backup.recovery_services.mars_agent_registration
  - module: azure_backup.recovery_services.backup_server_registration
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Vault credentials for the on-premises servers
  azure_backup.recovery_services.mars_vault_credentials:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    dest: /var/lib/ansible/mars/
  delegate_to: localhost
  run_once: true
  register: vault_credentials

- name: Always a new file, valid for 4 hours
  azure_backup.recovery_services.mars_vault_credentials:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    dest: /var/lib/ansible/mars/rsv-prod-weu.VaultCredentials
    validity_hours: 4
    min_remaining_hours: 1
    force: true
  delegate_to: localhost
"""

RETURN = r"""
path:
  description: The credentials file (in check mode, the file that would be written).
  returned: always
  type: str
  sample: /var/lib/ansible/mars/rsv-prod-weu_Tue Nov 24 2026.VaultCredentials
expires:
  description: When the certificate, and so the file, stops being valid (UTC, ISO 8601). Planned value in check mode.
  returned: always
  type: str
  sample: '2026-11-26T10:00:00+00:00'
thumbprint:
  description: SHA-1 thumbprint of the certificate in the file. Not known in check mode when a new file is planned.
  returned: when a file exists or was written
  type: str
  sample: 3F2A9C0B7E5D4C1A2B3C4D5E6F708192A3B4C5D6
reused:
  description: Whether an existing, still valid file was kept.
  returned: always
  type: bool
certificate_name:
  description: Name the certificate was uploaded to the vault under.
  returned: when a certificate was uploaded
  type: str
  sample: rsv-prod-weu00000000-0000-0000-0000-000000000001-11-24-2026-vaultcredentials
action:
  description: C(create) (no usable file, so a new one), C(update) (O(force) replaced a usable file) or C(none) (reused).
  returned: always
  type: str
"""

import base64
import datetime
import glob
import importlib.util
import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._files import write_file_atomically
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal, Resource, reconcile
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_output_directory, check_output_file
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options, find_vault
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _vault_credentials as creds

NEW_CERTIFICATE = "(new certificate)"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


class VaultCredentialsFile(Resource):
    """The credentials file at ``dest``: read = the usable existing file, if any; write = make a new one."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.session = module.session
        self.now = utc_now()
        self.written = {}

    @property
    def dest_is_directory(self):
        dest = self.params["dest"]
        return os.path.isdir(dest) or dest.endswith(os.sep)

    def target_path(self):
        if self.dest_is_directory:
            return os.path.join(self.params["dest"], creds.default_file_name(self.params["vault_name"], self.now))
        return self.params["dest"]

    def candidate_paths(self):
        if self.dest_is_directory:
            return sorted(glob.glob(os.path.join(glob.escape(self.params["dest"]), f"{glob.escape(self.params['vault_name'])}_*{creds.FILE_SUFFIX}")))
        return [self.params["dest"]] if os.path.isfile(self.params["dest"]) else []

    def usable(self, path):
        """The view of the file at ``path`` if it is for this vault and valid long enough, else None."""
        try:
            values, certificate = creds.read_credentials_file(path)
        except creds.CredentialsFileError:
            return None
        same_vault = (values.get("SubscriptionId", "").lower() == (self.session.subscription_id or "").lower()
                      and values.get("ResourceName", "").lower() == self.params["vault_name"].lower()
                      and (values.get("ResourceGroup") or "").lower() == self.params["resource_group"].lower())
        expires = certificate.not_valid_after_utc
        if not same_vault or expires - self.now <= datetime.timedelta(hours=self.params["min_remaining_hours"]):
            return None
        return {"path": path, "thumbprint": creds.thumbprint(certificate), "expires": expires.isoformat()}

    def read(self):
        views = [view for view in (self.usable(path) for path in self.candidate_paths()) if view]
        return max(views, key=lambda view: view["expires"]) if views else None

    def desired(self, current):
        if current and not self.params["force"]:
            return current
        self.require_vault()
        expires = (self.now + datetime.timedelta(hours=self.params["validity_hours"])).replace(microsecond=0)
        return {"path": self.target_path(), "thumbprint": NEW_CERTIFICATE, "expires": expires.isoformat()}

    def require_vault(self):
        vault = find_vault(self.session, self.params["resource_group"], self.params["vault_name"])
        if vault is None:
            raise Refusal(f"vault {self.params['vault_name']} does not exist in resource group {self.params['resource_group']}")
        return vault

    def create(self, desired):
        vault = self.require_vault()
        key, certificate = creds.new_certificate(self.params["validity_hours"], self.now)
        name = creds.certificate_name(self.params["vault_name"], self.session.subscription_id, datetime.date.today())
        details = self.upload(name, certificate)
        values = creds.credential_values(vault, self.session.subscription_id, self.params["resource_group"],
                                         creds.management_cert(key, certificate, name), details)
        write_file_atomically(desired["path"], creds.build_credentials_xml(values))
        self.written = {"path": desired["path"], "thumbprint": creds.thumbprint(certificate),
                        "expires": certificate.not_valid_after_utc.isoformat(), "certificate_name": name}

    def update(self, current, desired):
        self.create(desired)

    def upload(self, name, certificate):
        """Upload the certificate's public part; return the answer's AAD details (camelCase dict)."""
        der = creds.certificate_der(certificate)
        body = {"properties": {"authType": "AAD", "certificate": base64.b64encode(der).decode("ascii")}}
        answer = self.session.call(f"upload vault certificate {name}", self.session.client("recoveryservices").vault_certificates.create,
                                   self.params["resource_group"], self.params["vault_name"], name, body)
        details = (as_mapping(answer) or {}).get("properties") or {}
        if details.get("authType") != "AzureActiveDirectory" or details.get("resourceId") is None:
            raise Refusal(f"vault {self.params['vault_name']} answered the certificate upload without AAD details "
                          f"(authType {details.get('authType')!r}); cannot build AAD vault credentials")
        return details


def check_options(params):
    """Refuse bad input before any call: above all, a dest the file could not be written to (after the certificate upload)."""
    check_vault_options(params)
    if params["validity_hours"] < 1:
        raise Refusal(f"validity_hours must be 1 or more, not {params['validity_hours']}")
    if not 0 <= params["min_remaining_hours"] < params["validity_hours"]:
        raise Refusal(f"min_remaining_hours must be between 0 and validity_hours - 1 ({params['validity_hours'] - 1}), "
                      f"not {params['min_remaining_hours']}")
    if params["dest"].endswith(os.sep) or os.path.isdir(params["dest"]):
        check_output_directory(params["dest"], "dest", create=False)
    else:
        check_output_file(params["dest"], "dest")


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **dict(VAULT_ARGUMENT_SPEC, vault_name=dict(VAULT_ARGUMENT_SPEC["vault_name"], aliases=["vault", *VAULT_ARGUMENT_SPEC["vault_name"]["aliases"]])),
            dest=dict(type="path", required=True),
            validity_hours=dict(type="int", default=48),
            min_remaining_hours=dict(type="int", default=12),
            force=dict(type="bool", default=False),
        ),
        clients=("recoveryservices",),
        supports_check_mode=True,
    )
    if importlib.util.find_spec("cryptography") is None:
        module.fail_json(msg=missing_required_lib("cryptography"))

    def run():
        check_options(module.params)
        credentials_file = VaultCredentialsFile(module)
        result = reconcile(module, credentials_file, "present")
        shown = credentials_file.written or result["diff"]["after"]
        result.update(path=shown["path"], expires=shown["expires"], reused=result["action"] == "none")
        if shown["thumbprint"] != NEW_CERTIFICATE:
            result["thumbprint"] = shown["thumbprint"]
        if credentials_file.written:
            result["certificate_name"] = credentials_file.written["certificate_name"]
            result["diff"]["after"] = {key: credentials_file.written[key] for key in ("path", "thumbprint", "expires")}
        return result

    module.run(run)


if __name__ == "__main__":
    main()
