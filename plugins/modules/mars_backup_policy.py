#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The module is mars_backup_policy.ps1 (runs on Windows); this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: mars_backup_policy
short_description: Set the MARS agent's file and folder backup policy on a Windows server
version_added: 1.0.0
description:
  - Sets which files and folders the MARS agent backs up, on which days and at which times, and how many days
    backups are kept (C(New-OBPolicy), C(New-OBFileSpec), C(New-OBSchedule), C(New-OBRetentionPolicy), C(Set-OBPolicy)).
  - Compares with the agent's current policy (C(Get-OBPolicy)) first and changes nothing when they match.
    Paths compare case-insensitively and without a trailing backslash.
  - O(state=absent) stops scheduled backups (C(Remove-OBPolicy)); backups already in the vault are kept.
  - The server must be registered (M(azure_backup.recovery_services.mars_agent_registration)).
options:
  state:
    description: Whether the server has a file and folder backup policy.
    type: str
    default: present
    choices: [present, absent]
  include:
    description: Files and folders to back up, for example C(D:\\Data). Required with O(state=present).
    type: list
    elements: str
  exclude:
    description: Files, folders or wildcards (C(*.tmp)) to leave out.
    type: list
    elements: str
    default: []
  recursive:
    description: Back up the folders in O(include) with their subfolders.
    type: bool
    default: true
  days:
    description: Days of the week the backup runs. Required with O(state=present).
    type: list
    elements: str
    choices: [Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
  times:
    description: Times of day (C(HH:mm), server time) the backup runs, at most three. Required with O(state=present).
    type: list
    elements: str
  retention_days:
    description: Days each backup is kept, 7 to 9999. Required with O(state=present).
    type: int
attributes:
  check_mode:
    description: Reports whether the policy would change; sets nothing.
    support: full
  diff_mode:
    description: Returns the policy before and after.
    support: full
  platform:
    description: Windows servers with the MARS agent installed and registered.
    support: full
    platforms: windows
seealso:
  - module: azure_backup.recovery_services.mars_agent_registration
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Nightly backup of the data folders, kept 30 days
  azure_backup.recovery_services.mars_backup_policy:
    include: ['D:\Data', 'E:\Shares']
    exclude: ['*.tmp', 'D:\Data\Scratch']
    days: [Monday, Tuesday, Wednesday, Thursday, Friday]
    times: ['21:30']
    retention_days: 30

- name: Stop scheduled backups, keep what is in the vault
  azure_backup.recovery_services.mars_backup_policy:
    state: absent
"""

RETURN = r"""
policy:
  description: The wanted policy (paths lower-cased, sorted); empty with O(state=absent).
  returned: always
  type: dict
  sample:
    include: ['d:\data']
    exclude: ['*.tmp']
    recursive: true
    days: [Monday, Friday]
    times: ['21:30']
    retention_days: 30
"""
