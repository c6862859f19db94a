#!powershell

# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.azure_backup.recovery_services.plugins.module_utils.MarsAgent

$WeekDays = @('Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday')
$spec = @{
    options = @{
        state = @{ type = 'str'; default = 'present'; choices = @('present', 'absent') }
        include = @{ type = 'list'; elements = 'str' }
        exclude = @{ type = 'list'; elements = 'str'; default = @() }
        recursive = @{ type = 'bool'; default = $true }
        days = @{ type = 'list'; elements = 'str'; choices = $WeekDays }
        times = @{ type = 'list'; elements = 'str' }
        retention_days = @{ type = 'int' }
    }
    required_if = @(, @('state', 'present', @('include', 'days', 'times', 'retention_days')))
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# Limits of the agent's simple schedule and retention (New-OBSchedule, New-OBRetentionPolicy).
$MaximumTimesPerDay = 3
$RetentionRange = @(7, 9999)

Function ConvertTo-PathKey {
    <# Windows paths compare case-insensitively and without a trailing backslash. #>
    param([string]$Path)
    return $Path.TrimEnd('\').ToLowerInvariant()
}

Function Get-WantedPolicy {
    <# The policy the options describe, validated, in the same shape as Get-CurrentPolicy. #>
    $params = $module.Params
    if ($params.times.Count -gt $MaximumTimesPerDay) {
        $module.FailJson("times: the agent runs at most $MaximumTimesPerDay backups a day, not $($params.times.Count)")
    }
    $times = foreach ($time in $params.times) {
        if ($time -notmatch '^([01]?\d|2[0-3]):[0-5]\d$') {
            $module.FailJson("times: '$time' is not a time of day such as 21:30")
        }
        ([TimeSpan]::Parse($time)).ToString('hh\:mm')
    }
    if ($params.retention_days -lt $RetentionRange[0] -or $params.retention_days -gt $RetentionRange[1]) {
        $module.FailJson("retention_days must be between $($RetentionRange[0]) and $($RetentionRange[1]), not $($params.retention_days)")
    }
    return @{
        include = @($params.include | ForEach-Object { ConvertTo-PathKey -Path $_ } | Sort-Object -Unique)
        exclude = @($params.exclude | ForEach-Object { ConvertTo-PathKey -Path $_ } | Sort-Object -Unique)
        recursive = $params.recursive
        days = @($WeekDays | Where-Object { $params.days -contains $_ })
        times = @($times | Sort-Object -Unique)
        retention_days = $params.retention_days
    }
}

Function Get-CurrentPolicy {
    <# The agent's file/folder policy as a plain hashtable, or $null when there is none. #>
    $policy = Get-OBPolicy -ErrorAction SilentlyContinue
    if ($null -eq $policy) {
        return $null
    }
    $fileSpecs = @(Get-OBFileSpec -Policy $policy)
    $schedule = Get-OBSchedule -Policy $policy
    $retention = Get-OBRetentionPolicy -Policy $policy
    return @{
        include = @($fileSpecs | Where-Object { -not $_.IsExclude } | ForEach-Object { ConvertTo-PathKey -Path $_.FileSpec } | Sort-Object -Unique)
        exclude = @($fileSpecs | Where-Object { $_.IsExclude } | ForEach-Object { ConvertTo-PathKey -Path $_.FileSpec } | Sort-Object -Unique)
        recursive = -not ($fileSpecs | Where-Object { -not $_.IsExclude -and -not $_.IsRecursive })
        days = @($WeekDays | Where-Object { ($schedule.ScheduleRunDays | ForEach-Object { $_.ToString() }) -contains $_ })
        times = @($schedule.ScheduleRunTimes | ForEach-Object { $_.ToString('HH:mm') } | Sort-Object -Unique)
        retention_days = [int]$retention.RetentionDays
    }
}

Function Test-SamePolicy {
    param($Current, $Wanted)
    if ($null -eq $Current) {
        return $false
    }
    foreach ($key in $Wanted.Keys) {
        if ((ConvertTo-Json -InputObject $Current[$key] -Compress) -ne (ConvertTo-Json -InputObject $Wanted[$key] -Compress)) {
            return $false
        }
    }
    return $true
}

Function Set-Policy {
    <# Build the wanted policy (the existing one edited, or a new one) and make it the agent's policy. #>
    $policy = Get-OBPolicy -ErrorAction SilentlyContinue
    if ($null -eq $policy) {
        $policy = New-OBPolicy
    }
    else {
        $existingSpecs = @(Get-OBFileSpec -Policy $policy)
        if ($existingSpecs.Count -gt 0) {
            $null = Remove-OBFileSpec -Policy $policy -FileSpec $existingSpecs -Confirm:$false
        }
    }
    $recursion = @{ NonRecursive = -not $module.Params.recursive }
    $null = Add-OBFileSpec -Policy $policy -FileSpec (New-OBFileSpec -FileSpec $module.Params.include @recursion)
    if ($module.Params.exclude.Count -gt 0) {
        $null = Add-OBFileSpec -Policy $policy -FileSpec (New-OBFileSpec -FileSpec $module.Params.exclude -Exclude)
    }
    $times = @($module.Params.times | ForEach-Object { [TimeSpan]::Parse($_) })
    $null = Set-OBSchedule -Policy $policy -Schedule (New-OBSchedule -DaysOfWeek $module.Params.days -TimesOfDay $times)
    $null = Set-OBRetentionPolicy -Policy $policy -RetentionPolicy (New-OBRetentionPolicy -RetentionDays $module.Params.retention_days)
    $null = Set-OBPolicy -Policy $policy -Confirm:$false
}

Function Remove-Policy {
    <# Stop scheduled backups; the backups already in the vault are kept (no -DeleteBackup). #>
    $policy = Get-OBPolicy -ErrorAction SilentlyContinue
    $null = Remove-OBPolicy -Policy $policy -Confirm:$false
}

$wanted = if ($module.Params.state -eq 'present') { Get-WantedPolicy } else { $null }
Import-MarsModule -Module $module
if ($null -eq (Get-MarsRegistration)) {
    $module.FailJson('This server is not registered with a vault: run azure_backup.recovery_services.mars_agent_registration first')
}

$current = Get-CurrentPolicy
$module.Diff.before = if ($current) { $current } else { @{} }
$module.Diff.after = if ($wanted) { $wanted } else { @{} }
$module.Result.policy = $module.Diff.after

if ($module.Params.state -eq 'absent') {
    $module.Result.changed = ($null -ne $current)
}
else {
    $module.Result.changed = -not (Test-SamePolicy -Current $current -Wanted $wanted)
}

if ($module.Result.changed -and -not $module.CheckMode) {
    try {
        if ($module.Params.state -eq 'absent') {
            Remove-Policy
        }
        else {
            Set-Policy
        }
    }
    catch {
        $module.FailJson("Setting the MARS backup policy failed: $($_.Exception.Message)", $_)
    }
}
$module.ExitJson()
