#!powershell

# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.MarsAgent

$spec = @{
    options = @{
        installer_url = @{ type = 'str'; default = 'https://aka.ms/azurebackup_agent' }
        installer_path = @{ type = 'path' }
        checksum = @{ type = 'str' }
        minimum_version = @{ type = 'str' }
        timeout = @{ type = 'int'; default = 1800 }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

$installerUrl = $module.Params.installer_url
$installerPath = $module.Params.installer_path
$checksum = $module.Params.checksum
$timeout = $module.Params.timeout

# Bad input fails before anything is downloaded or run.
$minimumVersion = $null
if ($module.Params.minimum_version) {
    try {
        $minimumVersion = [Version]$module.Params.minimum_version
    }
    catch {
        $module.FailJson("minimum_version '$($module.Params.minimum_version)' is not a version such as 2.0.9262.0")
    }
}
if ($checksum -and $checksum -notmatch '^[0-9a-fA-F]{64}$') {
    $module.FailJson('checksum must be the SHA-256 of the installer: 64 hexadecimal characters')
}
if ($timeout -lt 60) {
    $module.FailJson("timeout must be 60 seconds or more, not $timeout")
}

Function Test-InstallNeeded {
    param($InstalledVersion)
    if ($null -eq $InstalledVersion) {
        return $true
    }
    return ($null -ne $minimumVersion -and $InstalledVersion -lt $minimumVersion)
}

Function Get-Installer {
    <# The installer on the host: the given path, or a download of installer_url to a temporary file. #>
    if ($installerPath) {
        if (-not (Test-Path -LiteralPath $installerPath -PathType Leaf)) {
            $module.FailJson("installer_path '$installerPath' does not exist on the host")
        }
        return @{ path = $installerPath; temporary = $false }
    }
    $target = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath ("MARSAgentInstaller-{0}.exe" -f [Guid]::NewGuid())
    try {
        [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
        $client = New-Object -TypeName Net.WebClient
        $client.DownloadFile($installerUrl, $target)
    }
    catch {
        $module.FailJson("Cannot download the MARS agent installer from $($installerUrl): $($_.Exception.Message)", $_)
    }
    return @{ path = $target; temporary = $true }
}

Function Assert-Checksum {
    param([string]$Path)
    if (-not $checksum) {
        return
    }
    $actual = (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
    if ($actual -ne $checksum.ToUpperInvariant()) {
        $module.FailJson("The installer's SHA-256 is $actual, not the expected checksum $checksum")
    }
}

Function Invoke-Installer {
    <# Run the installer silently (/q) without the Microsoft Update prompt (/nu); return its exit code. #>
    param([string]$Path)
    $process = Start-Process -FilePath $Path -ArgumentList '/q', '/nu' -PassThru -WindowStyle Hidden
    if (-not $process.WaitForExit($timeout * 1000)) {
        $module.FailJson("The MARS agent installer did not finish within $timeout seconds")
    }
    return $process.ExitCode
}

$installedVersion = Get-MarsAgentVersion
$module.Result.previous_version = if ($installedVersion) { $installedVersion.ToString() } else { $null }
$module.Result.version = $module.Result.previous_version
$module.Result.reboot_required = $false
$module.Diff.before = @{ version = $module.Result.previous_version }
$module.Diff.after = @{ version = $module.Result.previous_version }

if (-not (Test-InstallNeeded -InstalledVersion $installedVersion)) {
    $module.ExitJson()
}

$module.Result.changed = $true
$module.Diff.after = @{ version = if ($minimumVersion) { ">= $minimumVersion" } else { 'latest' } }
if ($module.CheckMode) {
    $module.ExitJson()
}

$installer = Get-Installer
try {
    Assert-Checksum -Path $installer.path
    $exitCode = Invoke-Installer -Path $installer.path
}
finally {
    if ($installer.temporary) {
        Remove-Item -LiteralPath $installer.path -Force -ErrorAction SilentlyContinue
    }
}

# 3010: installed, a reboot completes it.
if ($exitCode -ne 0 -and $exitCode -ne 3010) {
    $module.FailJson("The MARS agent installer failed with exit code $exitCode; see C:\Windows\Temp\MARSAgentInstaller*.log on the host")
}
$module.Result.reboot_required = ($exitCode -eq 3010)
$newVersion = Get-MarsAgentVersion
if ($null -eq $newVersion) {
    $module.FailJson('The MARS agent installer finished but the agent is not registered as installed')
}
if ($null -ne $minimumVersion -and $newVersion -lt $minimumVersion) {
    $module.FailJson("The installer put version $newVersion in place, older than minimum_version $minimumVersion: point installer_url or installer_path at a newer installer")
}
$module.Result.version = $newVersion.ToString()
$module.Diff.after = @{ version = $module.Result.version }
$module.ExitJson()
