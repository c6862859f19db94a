#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is mars_agent_install.ps1 (runs on Windows); this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: mars_agent_install
short_description: Install the Microsoft Azure Recovery Services (MARS) agent on a Windows server
version_added: 1.0.0
description:
  - Installs the MARS agent, which backs up files, folders and system state of an on-premises Windows
    server to a Recovery Services vault.
  - Does nothing when the agent is installed and at least O(minimum_version).
  - Downloads the installer from O(installer_url), or uses O(installer_path) already on the host, and runs
    it silently (C(MARSAgentInstaller.exe /q /nu)); a downloaded installer is deleted afterwards.
  - Reads the installed version from the agent's backup engine (C(bin\\cbengine.exe)) under the
    C(InstallPath) of C(HKLM:\\SOFTWARE\\Microsoft\\Windows Azure Backup\\Setup).
  - Needs no collection other than this one (no C(ansible.windows)).
options:
  installer_url:
    description:
      - Where to download the installer from when O(installer_path) is not set.
      - Microsoft's link to the current installer is the default.
    type: str
    default: https://aka.ms/azurebackup_agent
  installer_path:
    description: Path of C(MARSAgentInstaller.exe) on the host. Takes precedence over O(installer_url).
    type: path
  checksum:
    description: SHA-256 of the installer (64 hexadecimal characters); the install stops when it differs.
    type: str
  minimum_version:
    description:
      - Upgrade an installed agent older than this version, for example C(2.0.9262.0).
      - Unset, any installed version is accepted.
    type: str
  timeout:
    description: Seconds to wait for the installer (60 or more).
    type: int
    default: 1800
attributes:
  check_mode:
    description: Reports whether the agent would be installed or upgraded; downloads and runs nothing.
    support: full
  diff_mode:
    description: Returns the installed version before and after.
    support: full
  platform:
    description: Windows servers reached with WinRM or SSH and PowerShell.
    support: full
    platforms: windows
notes:
  - The installer may ask for a reboot (exit code 3010); the module reports it in RV(reboot_required) and does not reboot.
seealso:
  - module: azure_backup.recovery_services.mars_agent_registration
  - module: azure_backup.recovery_services.mars_backup_policy
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Install the current MARS agent
  azure_backup.recovery_services.mars_agent_install:

- name: Install from a file share copy, checked, at least a given version
  azure_backup.recovery_services.mars_agent_install:
    installer_path: C:\Installers\MARSAgentInstaller.exe
    checksum: 6c3a3f1f0b0e4f1c9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928
    minimum_version: 2.0.9262.0
"""

RETURN = r"""
version:
  description: The installed agent's version after the task (in check mode, the version found).
  returned: always
  type: str
  sample: 2.0.9262.0
previous_version:
  description: The version found before the task; null when the agent was not installed.
  returned: always
  type: str
  sample: 2.0.9250.0
reboot_required:
  description: Whether the installer asked for a reboot to finish.
  returned: always
  type: bool
"""
