#!powershell

# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.MarsAgent
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.BackupServer

$spec = @{
    options = @{}
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# Read-only: registry and file versions, no DPM cmdlet (they need the DPM service running).
$install = Get-BackupServerInstall
$module.Result.installed = $null -ne $install
if ($null -ne $install) {
    $module.Result.product = $install.product
    $module.Result.version = if ($null -ne $install.version) { $install.version.ToString() } else { $null }
    $module.Result.install_path = $install.install_path
}
$agentVersion = Get-MarsAgentVersion
$module.Result.agent_version = if ($null -ne $agentVersion) { $agentVersion.ToString() } else { $null }
$registration = Get-MarsRegistration
$module.Result.registered = $null -ne $registration
if ($null -ne $registration) {
    $module.Result.vault = $registration.vault
    $module.Result.resource_id = $registration.resource_id
    $module.Result.machine_id = $registration.machine_id
}
$module.ExitJson()
