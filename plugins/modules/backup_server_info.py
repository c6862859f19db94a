#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is backup_server_info.ps1 (runs on Windows); this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_server_info
short_description: Report the Microsoft Azure Backup Server (MABS) or System Center DPM installed on a Windows server
version_added: 1.0.0
description:
  - Reports whether MABS or DPM is installed, which (MABS installs under a C(Microsoft Azure Backup Server) folder),
    its version, the version of the MARS agent it carries, and the vault the server is registered with.
  - Reads the registry and file versions only (C(InstallPath) under C(HKLM:\\SOFTWARE\\Microsoft\\Microsoft Data Protection
    Manager\\Setup), the file version of C(bin\\msdpm.exe), the MARS agent's C(Setup) and C(Config) keys); runs no DPM
    cmdlet, so it also answers while the DPM service is stopped.
options: {}
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Read-only; returns no diff.
    support: N/A
  platform:
    description: Windows servers.
    support: full
    platforms: windows
seealso:
  - module: azure_backup.recovery_services.backup_server_registration
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Which backup server, which version
  azure_backup.recovery_services.backup_server_info:
  register: backup_server

- name: MABS v4 or later
  ansible.builtin.assert:
    that: backup_server.installed and backup_server.version is version('14.0', '>=')
"""

RETURN = r"""
installed:
  description: Whether MABS or DPM is installed.
  returned: always
  type: bool
product:
  description: C(MABS) or C(DPM).
  returned: when installed
  type: str
version:
  description: The product's version (file version of C(bin\\msdpm.exe)); null when the file is missing.
  returned: when installed
  type: str
  sample: 14.0.30.0
install_path:
  description: Where the product is installed.
  returned: when installed
  type: str
agent_version:
  description: The MARS agent's version, or null.
  returned: always
  type: str
registered:
  description: Whether the server is registered with a vault.
  returned: always
  type: bool
vault:
  description: The vault the server is registered with.
  returned: when registered
  type: str
resource_id:
  description: That vault's resource id.
  returned: when registered
  type: str
machine_id:
  description: The agent's machine id.
  returned: when registered
  type: str
"""
