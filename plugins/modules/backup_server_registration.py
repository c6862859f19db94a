#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is backup_server_registration.ps1 (runs on Windows); this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_server_registration
short_description: Register a Microsoft Azure Backup Server (MABS) or System Center DPM server with a Recovery Services vault
version_added: 1.0.0
description:
  - Registers the server with the vault named in O(vault_credentials) (C(Start-DPMCloudRegistration -DPMServerName
    -VaultCredentialsFilePath)), then sets its online protection settings on the object C(Get-DPMCloudSubscriptionSetting)
    returns and commits them once (C(Set-DPMCloudSubscriptionSetting -EncryptionPassphrase), C(-StagingAreaPath),
    C(-NoProxy) or C(-ProxyServer)/C(-ProxyPort), then C(-Commit)).
  - A server registered with the same vault is not registered again and its passphrase is left alone (it cannot be read
    back); only the staging area follows O(staging_area_path).
  - A server registered with another vault makes the task fail, unless O(allow_vault_change=true).
  - Works for both products; MABS and DPM carry the same DPM cmdlets and register through the MARS agent they install,
    whose registration is read from C(HKLM:\\SOFTWARE\\Microsoft\\Windows Azure Backup\\Config).
  - The vault credentials come as a string (the same file as for a MARS agent, from
    M(azure_backup.recovery_services.mars_vault_credentials)); the module writes them to a temporary file only the
    connecting user can open and deletes it whatever happens.
options:
  vault_credentials:
    description:
      - Content of a C(.VaultCredentials) file, for example read with C(lookup('ansible.builtin.file', path)).
      - Credentials are short-lived; make them just before registering.
    type: str
    required: true
  passphrase:
    description:
      - The encryption passphrase the server's online backups are encrypted with, at least 16 characters; shorter ones
        are refused before anything is done.
      - Set when the server registers. Azure cannot recover it, and restoring needs it; keep it in a vault.
    type: str
    required: true
  staging_area_path:
    description:
      - Folder on the server for data recovered from Azure before it is restored (the staging area). It must exist.
    type: path
    required: true
  proxy_server:
    description: Proxy the server reaches Azure through, set at registration; unset, the server connects directly (C(-NoProxy)).
    type: str
  proxy_port:
    description: Port of O(proxy_server) (1 to 65535).
    type: int
  allow_vault_change:
    description:
      - Register a server that is registered with another vault with the vault in O(vault_credentials).
      - Its backups stay in the previous vault; remove them there when no longer needed.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports whether the server would be registered or its staging area changed; changes nothing.
    support: full
  diff_mode:
    description: Returns the vault and staging area before and after.
    support: full
  platform:
    description: Windows servers with MABS or DPM installed.
    support: full
    platforms: windows
notes:
  - Nothing of this module has been run against a real MABS or DPM server; see the role README
    (roles/backup_server/README.md) for what was and was not tested.
seealso:
  - module: azure_backup.recovery_services.mars_vault_credentials
  - module: azure_backup.recovery_services.backup_server_info
  - module: azure_backup.recovery_services.backup_engine_info
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Register the backup server with the vault
  azure_backup.recovery_services.backup_server_registration:
    vault_credentials: "{{ lookup('ansible.builtin.file', vault_credentials.path) }}"
    passphrase: "{{ vault_backup_passphrase }}"
    staging_area_path: D:\AzureBackupStaging
  no_log: true
"""

RETURN = r"""
product:
  description: C(MABS) or C(DPM).
  returned: always
  type: str
vault:
  description: The vault named in the credentials.
  returned: always
  type: str
  sample: rsv-prod-weu
machine_id:
  description: The agent's machine id once registered.
  returned: when the server is registered (not in check mode)
  type: str
"""
