# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restoring a SQL Server database in an Azure VM: choosing the point, the request body, finding an earlier restore.

Private to the collection. Pure functions, unit tested without Azure.

A database is restored from a full or differential recovery point (``AzureWorkloadSQLRestoreRequest``) or to any
second its log backups cover (``AzureWorkloadSQLPointInTimeRestoreRequest`` on the point Azure names
``DefaultRangeRecoveryPoint``, whose ``timeRanges`` are the log chain), to the original database (Azure's
``OriginalLocation``: it overwrites it), as another database on an instance of a VM registered to the vault
(``AlternateLocation``), or as backup files in a folder of such a VM (``recoveryMode: FileRecovery``).
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import parse_time

LOG_POINT = "DefaultRangeRecoveryPoint"
ORIGINAL, ALTERNATE, FILES = "original", "alternate", "files"
JOB_TYPES = {ORIGINAL: "Restore to original location", ALTERNATE: "Restore to alternate location", FILES: "Restore as files"}


def point_time(point):
    text = (point.get("properties") or {}).get("recoveryPointTimeInUTC")
    return parse_time(text) if text else None


def full_points(points):
    """The full and differential points, newest first."""
    timed = [point for point in points if point.get("name") != LOG_POINT and point_time(point) is not None]
    return sorted(timed, key=point_time, reverse=True)


def log_ranges(points):
    """[(start, end)] of the log chain (empty when there are no log backups)."""
    log = next((point for point in points if point.get("name") == LOG_POINT), None)
    ranges = ((log or {}).get("properties") or {}).get("timeRanges") or []
    return [(parse_time(span["startTime"]), parse_time(span["endTime"])) for span in ranges if span.get("startTime") and span.get("endTime")]


def choose_full_point(points, wanted):
    """The point named ``wanted`` (or the newest for ``latest``); None when there is none."""
    fulls = full_points(points)
    if wanted in (None, "latest"):
        return fulls[0] if fulls else None
    return next((point for point in fulls if point.get("name") == str(wanted)), None)


def covered(moment, ranges):
    return any(start <= moment <= end for start, end in ranges)


def restore_properties(mode, source_vm_id, point_in_time=None, target=None):
    """The ``properties`` of the restore request; ``target``: ``{container_id, database_name, directory, overwrite}``."""
    target = target or {}
    properties = {"objectType": "AzureWorkloadSQLPointInTimeRestoreRequest" if point_in_time else "AzureWorkloadSQLRestoreRequest",
                  "recoveryType": "OriginalLocation" if mode == ORIGINAL else "AlternateLocation", "sourceResourceId": source_vm_id,
                  "shouldUseAlternateTargetLocation": mode != ORIGINAL, "isNonRecoverable": False}
    if point_in_time:
        properties["pointInTime"] = point_in_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    if mode == ORIGINAL:
        properties["targetInfo"] = {"overwriteOption": "Overwrite"}
    elif mode == FILES:
        properties.update(recoveryMode="FileRecovery", targetInfo={"overwriteOption": "Overwrite", "containerId": target["container_id"],
                                                                   "targetDirectoryForFileRestore": target["directory"]})
    else:
        properties["targetInfo"] = {"overwriteOption": "Overwrite" if target.get("overwrite") else "FailOnConflict",
                                    "containerId": target["container_id"], "databaseName": target["database_name"]}
    return properties


def job_matches(job, mode, moment, target_server, target_database, directory):
    """True when a restore job (GET, with its propertyBag) restored the same database the same way to the same point."""
    bag = ((job.get("properties") or {}).get("extendedInfo") or {}).get("propertyBag") or {}
    if bag.get("Job Type") != JOB_TYPES[mode]:
        return False
    try:
        when = parse_time(bag.get("Recovery point time") or bag.get("Recovery point time ") or "")
    except ValueError:
        return False
    if when.replace(microsecond=0) != moment.replace(microsecond=0):
        return False
    if mode == ALTERNATE:
        return str(bag.get("Target Database Name") or "").lower() == target_database.lower() and \
            str(bag.get("Target Server Name") or "").lower() == target_server.lower()
    if mode == FILES:
        return str(bag.get("Target Directory") or "").lower() == directory.lower() and \
            str(bag.get("Target Server Name") or "").lower() == target_server.lower()
    return True
