# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# What the MARS agent modules share: where the Microsoft Azure Recovery Services agent is
# installed, which version it is, which vault it is registered with, and loading its
# PowerShell module (MSOnlineBackup, the OB* cmdlets).

$script:MarsSetupKey = 'HKLM:\SOFTWARE\Microsoft\Windows Azure Backup\Setup'
$script:MarsConfigKey = 'HKLM:\SOFTWARE\Microsoft\Windows Azure Backup\Config'
$script:CredentialsNamespace = 'http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common'

Function Get-MarsInstallPath {
    <#
    .SYNOPSIS
    The agent's install directory from its Setup registry key, or $null when it is not installed.
    #>
    [CmdletBinding()]
    param()

    $setup = Get-ItemProperty -LiteralPath $script:MarsSetupKey -ErrorAction SilentlyContinue
    if ($null -eq $setup -or [string]::IsNullOrEmpty($setup.InstallPath)) {
        return $null
    }
    return $setup.InstallPath
}

Function Get-MarsAgentVersion {
    <#
    .SYNOPSIS
    The installed agent's version (the file version of bin\cbengine.exe, the backup engine), or $null.
    #>
    [CmdletBinding()]
    param()

    $installPath = Get-MarsInstallPath
    if ($null -eq $installPath) {
        return $null
    }
    $engine = Join-Path -Path $installPath -ChildPath 'bin\cbengine.exe'
    if (-not (Test-Path -LiteralPath $engine)) {
        return $null
    }
    # FileVersion may carry a suffix such as "(built by ...)": keep the dotted number only.
    $fileVersion = ((Get-Item -LiteralPath $engine).VersionInfo.FileVersion -split ' ')[0]
    return [Version]$fileVersion
}

Function Get-MarsRegistration {
    <#
    .SYNOPSIS
    The vault this server is registered with (Config registry key), or $null when it is not registered.
    #>
    [CmdletBinding()]
    param()

    $config = Get-ItemProperty -LiteralPath $script:MarsConfigKey -ErrorAction SilentlyContinue
    if ($null -eq $config -or [string]::IsNullOrEmpty([string]$config.ResourceId)) {
        return $null
    }
    return @{
        vault = [string]$config.ServiceResourceName
        resource_id = [string]$config.ResourceId
        machine_id = [string]$config.MachineId
    }
}

Function Import-MarsModule {
    <#
    .SYNOPSIS
    Load MSOnlineBackup from the agent's install directory; fail the task when the agent is missing.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [Object]$Module
    )

    $installPath = Get-MarsInstallPath
    if ($null -eq $installPath) {
        $Module.FailJson('The Microsoft Azure Recovery Services agent is not installed: run azure_backup.recovery_services.mars_agent_install first')
    }
    $manifest = Join-Path -Path $installPath -ChildPath 'bin\Modules\MSOnlineBackup\MSOnlineBackup.psd1'
    try {
        Import-Module -Name $manifest -ErrorAction Stop
    }
    catch {
        $Module.FailJson("Cannot load the MARS agent's PowerShell module from $($manifest): $($_.Exception.Message)", $_)
    }
}

Function Read-VaultCredential {
    <#
    .SYNOPSIS
    The vault name and resource id a vault credentials document names (never its certificate); fails the task for anything else.
    The same document registers a MARS agent, MABS and DPM.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [Object]$Module,
        [Parameter(Mandatory = $true)]
        [String]$Content
    )

    try {
        $document = [xml]$Content
    }
    catch {
        $Module.FailJson('vault_credentials is not XML: pass the content of a .VaultCredentials file')
    }
    $root = $document.DocumentElement
    if ($root.LocalName -ne 'RSBackupVaultAADCreds' -or $root.NamespaceURI -ne $script:CredentialsNamespace) {
        $Module.FailJson('vault_credentials is not a vault credentials document (RSBackupVaultAADCreds)')
    }
    return @{ vault = $root.ResourceName; resource_id = $root.ResourceId }
}

Function New-VaultCredentialFile {
    <#
    .SYNOPSIS
    Write vault credentials to a new temporary file only the current user can open, and return its path.
    The registration cmdlets need a file; the caller deletes it in a finally block.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [String]$Content
    )

    $path = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath ("{0}.VaultCredentials" -f [Guid]::NewGuid())
    $stream = [IO.File]::Open($path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None)
    try {
        $bytes = (New-Object -TypeName Text.UTF8Encoding -ArgumentList $false).GetBytes($Content)
        $stream.Write($bytes, 0, $bytes.Length)
    }
    finally {
        $stream.Dispose()
    }
    return $path
}

Export-ModuleMember -Function 'Get-MarsInstallPath', 'Get-MarsAgentVersion', 'Get-MarsRegistration', 'Import-MarsModule', 'Read-VaultCredential',
    'New-VaultCredentialFile'
