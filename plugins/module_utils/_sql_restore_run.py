# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One sql_restore task: the options checked, then ``SqlRestore``, which finds the database and the point, checks the target,
reuses an earlier identical restore or triggers one, and awaits its job (the pure logic it uses is in ``_sql_restore``).

Private to the collection. The module file holds the documentation and the option table; this file holds what the task does.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import finish_write, get_job, InitialResponseOnly, wait_for_job
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import filter_date, list_all, odata_filter, parse_time
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._restore import FINISHED_OK, RUNNING, job_status, job_summary
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_protection import (
    AZURE_WORKLOAD, DEFAULT_INSTANCE, container_name, database_key, index_protectable, index_protected, is_registered, list_sql,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_restore import (
    ALTERNATE, FILES, LOG_POINT, ORIGINAL, choose_full_point, covered, job_matches, log_ranges, point_time, restore_properties,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_vm_ref, check_wait_timeout
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import check_vault_options

EARLIER_JOBS_READ = 10  # candidate restore jobs of the database read (GET) when looking for an earlier identical restore


class SqlRestore:
    """One restore: find the database and the point, check the target, find an earlier identical restore, trigger, await."""

    def __init__(self, module, source, target):
        self.module, self.params, self.session = module, module.params, module.session
        self.vault, self.resource_group = self.params["vault_name"], self.params["resource_group"]
        self.source, self.target = source, target
        self.parent = self.params["availability_group"] or self.params["instance"] or DEFAULT_INSTANCE
        self.container = container_name(source["resource_group"], source["name"])
        self.label = f"{source['label']}/{self.parent}/{self.params['database']}"

    def read_item(self):
        item = index_protected(list_sql(self.session, self.vault, self.resource_group, "protected")).get(
            database_key(self.container, self.parent, self.params["database"]))
        if item is None:
            raise Refusal(f"database {self.label} is not protected by vault {self.vault}: only a protected database can be restored")
        return item

    def choose_point(self, item):
        """(point name, moment, point in time or None), or a refusal naming what there is."""
        points = list_all(self.session, f"list recovery points of database {self.label}", self.session.client("backup").recovery_points.list,
                          self.vault, self.resource_group, FABRIC, self.container, item["name"])
        if self.params["point_in_time"]:
            moment = parse_time(self.params["point_in_time"])
            ranges = log_ranges(points)
            if not covered(moment, ranges):
                spans = ", ".join(f"{start:%Y-%m-%dT%H:%M:%SZ} to {end:%Y-%m-%dT%H:%M:%SZ}" for start, end in ranges) or "none (no log backup yet)"
                raise Refusal(f"point_in_time {moment:%Y-%m-%dT%H:%M:%SZ} is not covered by the log backups of {self.label}; they cover {spans}",
                              log_ranges=[[f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}"] for start, end in ranges])
            return LOG_POINT, moment, moment
        point = choose_full_point(points, self.params["recovery_point"])
        if point is None:
            raise Refusal(f"recovery_point {self.params['recovery_point'] or 'latest'}: database {self.label} has no such full or differential "
                          "point" + (f"; it has {', '.join(entry['name'] for entry in points if entry['name'] != LOG_POINT)}" if points else ""))
        return point["name"], point_time(point), None

    def target_details(self):
        """The target's container id, server and database name; refusals from the containers and protectable listings."""
        if self.params["target"] == ORIGINAL:
            return {}
        name = container_name(self.target["resource_group"], self.target["name"])
        container = {entry["name"].lower(): entry for entry in list_sql(self.session, self.vault, self.resource_group, "containers")}.get(name.lower())
        if not is_registered(container):
            raise Refusal(f"target_server {self.target['label']} is not registered to vault {self.vault} for SQL workloads; register it first "
                          "(sql_protection with the server and no databases)")
        details = {"container_id": container["id"], "server": self.target["name"], "directory": self.params["target_directory"]}
        if self.params["target"] == ALTERNATE:
            instance = self.params["target_instance"] or DEFAULT_INSTANCE
            databases, parents = index_protectable(list_sql(self.session, self.vault, self.resource_group, "protectable"))
            if f"{name};SQLInstance;{instance}".lower() not in parents:
                found = sorted(key.split(";")[-1] for key in parents if key.startswith(name.lower() + ";sqlinstance;"))
                raise Refusal(f"target_instance {instance} was not discovered on {self.target['label']}; its instances: {', '.join(found) or 'none'}")
            details.update(database_name=f"{instance}/{self.params['target_database']}", overwrite=self.params["overwrite"],
                           exists=database_key(name, instance, self.params["target_database"]) in databases)
        return details

    def earlier_restore(self, moment, details):
        """The newest restore job of this database to this point and target, or None (one jobs listing, a few job GETs)."""
        since = min(moment, datetime.now(timezone.utc)) - timedelta(minutes=2)
        window = odata_filter({"backupManagementType": AZURE_WORKLOAD, "operation": "Restore", "startTime": filter_date(since),
                               "endTime": filter_date(datetime.now(timezone.utc) + timedelta(days=1))})
        jobs = list_all(self.session, f"list restore jobs of vault {self.vault}", self.session.client("backup").backup_jobs.list,
                        self.vault, self.resource_group, filter=window)
        candidates = [job for job in jobs if str((job.get("properties") or {}).get("entityFriendlyName", "")).lower() == self.params["database"].lower()
                      and str((job.get("properties") or {}).get("containerName", "")).lower() == self.container.lower()]
        for job in candidates[:EARLIER_JOBS_READ]:
            full = get_job(self.session, self.vault, self.resource_group, job["name"])
            if job_matches(full, self.params["target"], moment, details.get("server", ""), details.get("database_name", ""),
                           details.get("directory") or "") and job_status(full) in FINISHED_OK + RUNNING:
                return full
        return None

    def run(self):
        deadline = time.monotonic() + self.params["wait_timeout"]
        item = self.read_item()
        point_name, moment, point_in_time = self.choose_point(item)
        details = self.target_details()
        properties = restore_properties(self.params["target"], (item.get("properties") or {}).get("sourceResourceId") or self.source["id"],
                                        point_in_time, details)
        result = {"request": properties, "reused": False, "recovery_point": {"name": point_name, "time": f"{moment:%Y-%m-%dT%H:%M:%SZ}"}}
        earlier = self.earlier_restore(moment, details)
        if earlier is not None:
            return self.finish(dict(result, reused=True), earlier, deadline, changed=False)
        if details.get("exists") and not details["overwrite"]:
            raise Refusal(f"target_database {self.params['target_database']} already exists on {self.target['label']}/"
                          f"{self.params['target_instance'] or DEFAULT_INSTANCE}; choose another name or set overwrite: true")
        if self.module.check_mode:
            return dict(result, changed=True)
        operation = f"restore database {self.label}"
        response = self.session.call(operation, self.session.client("backup").restores.begin_trigger, self.vault, self.resource_group, FABRIC,
                                     self.container, item["name"], point_name, {"properties": properties}, polling=InitialResponseOnly()).result()
        job_id = finish_write(self.session, operation, response, self.params["wait_timeout"])
        return self.finish(result, get_job(self.session, self.vault, self.resource_group, job_id), deadline, changed=True)

    def finish(self, result, job, deadline, changed):
        if self.params["wait"] and job_status(job) in RUNNING and not self.module.check_mode:
            job = wait_for_job(self.session, self.vault, self.resource_group, job["name"], max(0.0, deadline - time.monotonic()))
        result.update(changed=changed, job=job_summary(job))
        if job_status(job) not in FINISHED_OK + RUNNING:
            raise Refusal(f"restore job {job['name']} of database {self.label} ended {result['job']['status']}: "
                          f"{result['job'].get('error_code')}: {result['job'].get('error_message')}", **result)
        return result


REQUIRED = {ORIGINAL: ("confirm_overwrite",), ALTERNATE: ("target_server", "target_database"), FILES: ("target_server", "target_directory")}
ONLY_FOR = {"target_server": (ALTERNATE, FILES), "target_instance": (ALTERNATE,), "target_database": (ALTERNATE,), "overwrite": (ALTERNATE,),
            "target_directory": (FILES,)}


def check_sql_restore_options(params, subscription_id):
    """Refuse bad input before any request; return the (source, target) VM references."""
    check_vault_options(params)
    check_wait_timeout(params)
    target = params["target"]
    if target == ORIGINAL and not params["confirm_overwrite"]:
        raise Refusal(f"target=original overwrites database {params['database']} with the restored one: set confirm_overwrite: true to do it, "
                      "or restore it as another database (target=alternate) or as files")
    missing = [option for option in REQUIRED[target] if option != "confirm_overwrite" and not params[option]]
    if missing:
        raise Refusal(f"target={target} needs {' and '.join(missing)}")
    misplaced = [option for option, targets in ONLY_FOR.items() if params[option] and target not in targets]
    if misplaced:
        raise Refusal(f"{', '.join(misplaced)} do not apply to target={target}")
    if params["point_in_time"]:
        try:
            parse_time(params["point_in_time"])
        except ValueError as error:
            raise Refusal(f"point_in_time: {error}") from error
    source = check_vm_ref(params["server"], subscription_id, "server")
    destination = check_vm_ref(params["target_server"], subscription_id, "target_server") if params["target_server"] else None
    return source, destination
