#!powershell

# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.MarsAgent

$spec = @{
    options = @{
        vault_credentials = @{ type = 'str'; required = $true; no_log = $true }
        passphrase = @{ type = 'str'; required = $true; no_log = $true }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# The agent refuses passphrases shorter than 16 characters; refuse them before touching anything.
$MinimumPassphraseLength = 16

if ($module.Params.passphrase.Length -lt $MinimumPassphraseLength) {
    $module.FailJson("passphrase must be at least $MinimumPassphraseLength characters; the MARS agent refuses shorter ones")
}

Function Register-Server {
    <# Start-OBRegistration needs a file: write one only the current user can read, delete it whatever happens. #>
    $credentialsFile = $null
    try {
        $credentialsFile = New-VaultCredentialFile -Content $module.Params.vault_credentials
        $null = Start-OBRegistration -VaultCredentials $credentialsFile -Confirm:$false -ErrorAction Stop
        $securePassphrase = ConvertTo-SecureString -String $module.Params.passphrase -AsPlainText -Force
        $null = Set-OBMachineSetting -EncryptionPassPhrase $securePassphrase -ErrorAction Stop
    }
    catch {
        $module.FailJson("Registering this server with vault $($wanted.vault) failed: $($_.Exception.Message)", $_)
    }
    finally {
        if ($null -ne $credentialsFile) {
            Remove-Item -LiteralPath $credentialsFile -Force -ErrorAction SilentlyContinue
        }
    }
}

$wanted = Read-VaultCredential -Module $module -Content $module.Params.vault_credentials
$current = Get-MarsRegistration
$module.Diff.before = if ($current) { @{ vault = $current.vault; resource_id = $current.resource_id } } else { @{} }
$module.Diff.after = @{ vault = $wanted.vault; resource_id = $wanted.resource_id }
$module.Result.vault = $wanted.vault

if ($null -ne $current) {
    if ($current.resource_id -ne $wanted.resource_id) {
        $module.FailJson("This server is registered with vault $($current.vault) (resource id $($current.resource_id)), not $($wanted.vault): " +
            'unregister it from that vault first; this module never moves a server between vaults')
    }
    $module.Result.machine_id = $current.machine_id
    $module.ExitJson()
}

if ($null -eq (Get-MarsInstallPath)) {
    $module.FailJson('The Microsoft Azure Recovery Services agent is not installed: run azure_backup.recovery_services.mars_agent_install first')
}
$module.Result.changed = $true
if ($module.CheckMode) {
    $module.ExitJson()
}

Import-MarsModule -Module $module
Register-Server
$registration = Get-MarsRegistration
if ($null -eq $registration) {
    $module.FailJson("Start-OBRegistration finished but the server does not show a registration with vault $($wanted.vault)")
}
$module.Result.machine_id = $registration.machine_id
$module.ExitJson()
