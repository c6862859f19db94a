#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is mars_agent_registration.ps1 (runs on Windows); this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: mars_agent_registration
short_description: Register a Windows server's MARS agent with a Recovery Services vault
version_added: 1.0.0
description:
  - Registers the server with the vault named in O(vault_credentials) (C(Start-OBRegistration)) and sets the
    encryption passphrase (C(Set-OBMachineSetting -EncryptionPassPhrase)), only when the server is not registered yet.
  - A server registered with the same vault is left alone (the passphrase is not changed, and cannot be read back).
    A server registered with another vault makes the task fail; moving a server between vaults is not done here.
  - The vault credentials come as a string, not a file, so no file-copy module (and no C(ansible.windows)) is needed.
    The module writes them to a temporary file for C(Start-OBRegistration) and deletes it afterwards.
  - Registration state is read from C(HKLM:\\SOFTWARE\\Microsoft\\Windows Azure Backup\\Config)
    (C(ServiceResourceName), C(ResourceId), C(MachineId)).
options:
  vault_credentials:
    description:
      - Content of a C(.VaultCredentials) file, for example from M(azure_backup.recovery_services.mars_vault_credentials)
        read with C(lookup('ansible.builtin.file', path)).
      - Credentials are short-lived; make them just before registering.
    type: str
    required: true
  passphrase:
    description:
      - The encryption passphrase backups are encrypted with, at least 16 characters; shorter ones are refused
        before anything is done.
      - Azure cannot recover it. Keep it in a vault (Ansible Vault, a secret store), because restoring needs it.
    type: str
    required: true
attributes:
  check_mode:
    description: Reports whether the server would be registered; registers nothing.
    support: full
  diff_mode:
    description: Returns the vault the server is registered with before and after.
    support: full
  platform:
    description: Windows servers with the MARS agent installed.
    support: full
    platforms: windows
seealso:
  - module: azure_backup.recovery_services.mars_vault_credentials
  - module: azure_backup.recovery_services.mars_agent_install
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Register with the vault
  azure_backup.recovery_services.mars_agent_registration:
    vault_credentials: "{{ lookup('ansible.builtin.file', vault_credentials.path) }}"
    passphrase: "{{ vault_mars_passphrase }}"
  no_log: true
"""

RETURN = r"""
vault:
  description: The vault named in the credentials.
  returned: always
  type: str
  sample: rsv-prod-weu
machine_id:
  description: The agent's machine id once registered.
  returned: when the server is registered
  type: str
"""
