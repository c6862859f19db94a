#!powershell

# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.MarsAgent
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.BackupServer

$spec = @{
    options = @{
        vault_credentials = @{ type = 'str'; required = $true; no_log = $true }
        passphrase = @{ type = 'str'; required = $true; no_log = $true }
        staging_area_path = @{ type = 'path'; required = $true }
        proxy_server = @{ type = 'str' }
        proxy_port = @{ type = 'int' }
        allow_vault_change = @{ type = 'bool'; default = $false }
    }
    required_together = @(, @('proxy_server', 'proxy_port'))
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# Azure Backup refuses encryption passphrases shorter than 16 characters; refuse them before touching anything.
$MinimumPassphraseLength = 16
if ($module.Params.passphrase.Length -lt $MinimumPassphraseLength) {
    $module.FailJson("passphrase must be at least $MinimumPassphraseLength characters; Azure Backup refuses shorter ones")
}
if ($null -ne $module.Params.proxy_port -and ($module.Params.proxy_port -lt 1 -or $module.Params.proxy_port -gt 65535)) {
    $module.FailJson("proxy_port must be between 1 and 65535, not $($module.Params.proxy_port)")
}

$serverName = $env:COMPUTERNAME
$wanted = Read-VaultCredential -Module $module -Content $module.Params.vault_credentials
$install = Get-BackupServerInstall
if ($null -eq $install) {
    $module.FailJson('Neither Microsoft Azure Backup Server nor System Center DPM is installed on this server ' +
        '(no InstallPath under HKLM:\SOFTWARE\Microsoft\Microsoft Data Protection Manager\Setup)')
}
$module.Result.product = $install.product
$module.Result.vault = $wanted.vault

$current = Get-MarsRegistration
$otherVault = $null -ne $current -and $current.resource_id -ne $wanted.resource_id
if ($otherVault -and -not $module.Params.allow_vault_change) {
    $module.FailJson("This $($install.product) server is registered with vault $($current.vault) (resource id $($current.resource_id)), " +
        "not $($wanted.vault): set allow_vault_change to register it with $($wanted.vault); its backups stay in $($current.vault)")
}
# Set-DPMCloudSubscriptionSetting -Commit fails on a staging folder that does not exist: check it first.
if (-not (Test-Path -LiteralPath $module.Params.staging_area_path -PathType Container)) {
    $module.FailJson("staging_area_path $($module.Params.staging_area_path) is not an existing folder on $serverName; create it first")
}

Function Set-SubscriptionSetting {
    <# Apply one change to the server's cloud subscription settings object (not committed yet). #>
    param([Object]$Setting, [hashtable]$Change)
    $null = Set-DPMCloudSubscriptionSetting -DPMServerName $serverName -SubscriptionSetting $Setting @Change -ErrorAction Stop
}

Function Register-BackupServer {
    <# Start-DPMCloudRegistration, then passphrase, staging area and proxy, committed once; the credentials file is deleted whatever happens. #>
    $credentialsFile = $null
    try {
        $credentialsFile = New-VaultCredentialFile -Content $module.Params.vault_credentials
        $null = Start-DPMCloudRegistration -DPMServerName $serverName -VaultCredentialsFilePath $credentialsFile -ErrorAction Stop
        $setting = Get-DPMCloudSubscriptionSetting -DPMServerName $serverName -ErrorAction Stop
        $securePassphrase = ConvertTo-SecureString -String $module.Params.passphrase -AsPlainText -Force
        Set-SubscriptionSetting -Setting $setting -Change @{ EncryptionPassphrase = $securePassphrase }
        Set-SubscriptionSetting -Setting $setting -Change @{ StagingAreaPath = $module.Params.staging_area_path }
        if ($module.Params.proxy_server) {
            Set-SubscriptionSetting -Setting $setting -Change @{ ProxyServer = $module.Params.proxy_server; ProxyPort = $module.Params.proxy_port }
        }
        else {
            Set-SubscriptionSetting -Setting $setting -Change @{ NoProxy = $true }
        }
        Set-SubscriptionSetting -Setting $setting -Change @{ Commit = $true }
    }
    catch {
        $module.FailJson("Registering $serverName with vault $($wanted.vault) failed: $($_.Exception.Message)", $_)
    }
    finally {
        if ($null -ne $credentialsFile) {
            Remove-Item -LiteralPath $credentialsFile -Force -ErrorAction SilentlyContinue
        }
    }
}

Import-DpmModule -Module $module
$currentStaging = $null
if ($null -ne $current) {
    $currentStaging = [string](Get-DPMCloudSubscriptionSetting -DPMServerName $serverName -ErrorAction Stop).StagingAreaPath
}
$module.Diff.before = if ($current) { @{ vault = $current.vault; resource_id = $current.resource_id; staging_area_path = $currentStaging } } else { @{} }
$module.Diff.after = @{ vault = $wanted.vault; resource_id = $wanted.resource_id; staging_area_path = $module.Params.staging_area_path }

if ($null -eq $current -or $otherVault) {
    $module.Result.changed = $true
    if (-not $module.CheckMode) {
        Register-BackupServer
    }
}
elseif ($currentStaging.TrimEnd('\') -ne $module.Params.staging_area_path.TrimEnd('\')) {
    # Registered with this vault: the passphrase is left alone (it cannot be read back); only the staging area follows the task.
    $module.Result.changed = $true
    if (-not $module.CheckMode) {
        try {
            $setting = Get-DPMCloudSubscriptionSetting -DPMServerName $serverName -ErrorAction Stop
            Set-SubscriptionSetting -Setting $setting -Change @{ StagingAreaPath = $module.Params.staging_area_path }
            Set-SubscriptionSetting -Setting $setting -Change @{ Commit = $true }
        }
        catch {
            $module.FailJson("Setting the staging area of $serverName failed: $($_.Exception.Message)", $_)
        }
    }
}

if (-not $module.CheckMode) {
    $registration = Get-MarsRegistration
    if ($null -eq $registration -or $registration.resource_id -ne $wanted.resource_id) {
        $module.FailJson("Start-DPMCloudRegistration finished but $serverName does not show a registration with vault $($wanted.vault)")
    }
    $module.Result.machine_id = $registration.machine_id
}
$module.ExitJson()
