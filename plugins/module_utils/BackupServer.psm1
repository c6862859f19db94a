# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# What the backup server modules share: where Microsoft Azure Backup Server (MABS) or System Center
# Data Protection Manager (DPM) is installed, which product and version it is, and loading DPM's
# PowerShell module (DataProtectionManager, the DPM* cmdlets). Both products register with a vault
# through the MARS agent they carry, so the registration itself is read with MarsAgent.psm1.

$script:DpmSetupKey = 'HKLM:\SOFTWARE\Microsoft\Microsoft Data Protection Manager\Setup'
# MABS installs DPM under this folder; a DPM install path does not contain it.
$script:MabsFolderName = 'Microsoft Azure Backup Server'

Function Get-BackupServerInstall {
    <#
    .SYNOPSIS
    The installed backup server: product (MABS or DPM), version (file version of bin\msdpm.exe, the DPM service)
    and install path, or $null when neither is installed.
    #>
    [CmdletBinding()]
    param()

    $setup = Get-ItemProperty -LiteralPath $script:DpmSetupKey -ErrorAction SilentlyContinue
    if ($null -eq $setup -or [string]::IsNullOrEmpty($setup.InstallPath)) {
        return $null
    }
    $product = if ($setup.InstallPath -like "*$($script:MabsFolderName)*") { 'MABS' } else { 'DPM' }
    $version = $null
    $service = Join-Path -Path $setup.InstallPath -ChildPath 'bin\msdpm.exe'
    if (Test-Path -LiteralPath $service) {
        # FileVersion may carry a suffix such as "(built by ...)": keep the dotted number only.
        $version = [Version](((Get-Item -LiteralPath $service).VersionInfo.FileVersion -split ' ')[0])
    }
    return @{ product = $product; version = $version; install_path = [string]$setup.InstallPath }
}

Function Import-DpmModule {
    <#
    .SYNOPSIS
    Load DPM's PowerShell module (installed with MABS and DPM); fail the task when it is missing.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [Object]$Module
    )

    try {
        Import-Module -Name DataProtectionManager -ErrorAction Stop
    }
    catch {
        $Module.FailJson("Cannot load DPM's PowerShell module (DataProtectionManager): $($_.Exception.Message)", $_)
    }
}

Export-ModuleMember -Function 'Get-BackupServerInstall', 'Import-DpmModule'
