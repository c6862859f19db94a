#!/usr/bin/python
# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_recovery_script
short_description: Get the file recovery script of an Azure VM recovery point, or close its session
version_added: 1.0.0
description:
  - Opens Azure Backup file recovery (Instant Item Recovery, ILR) for one recovery point of a protected Azure VM and
    writes what the portal's B(File Recovery) blade gives you into O(dest) - for a Linux VM the Python mount script,
    for a Windows VM the executable - with the file name Azure chooses, mode O(mode), written atomically.
  - Returns the password the script asks for, when the session expires, and short mount and unmount instructions.
  - The recovery point is an id, the newest point (V(latest)), or the newest point taken at or before O(before).
    A point kept only in the archive tier cannot be mounted and is refused, as are unknown VMs, VMs the vault does
    not protect and times with no point.
  - Idempotent. While the point's session is active (Azure's C(isInstantIlrSessionActive)) and O(dest) holds the
    file this module wrote for it, nothing is provisioned again; the password is read back from the session
    (C(listInstantItemRecoveryOperationResult), a read). O(renew=true) provisions again and extends the session.
  - O(state=absent) revokes the session(s) and removes the file(s) this module wrote.
  - The module remembers which session a file belongs to in a small hidden file next to it
    (C(.<vm>.<point>.file_recovery.json), mode 0600, no secret in it).
  - Linux scripts are written as Azure's own clients (C(az backup restore files mount-rp), PowerShell) write them -
    the password Azure embeds is replaced by the prompt marker C(UserInput012345), so the script asks for the
    password and the file on disk holds no secret. O(embed_password=true) writes the script exactly as Azure serves it.
  - For a Windows VM Azure links to an executable; the module downloads it when the URL is reachable and otherwise
    returns RV(download_url) with a warning.
options:
  recovery_point:
    description:
      - The recovery point, by its id (the decimal name Azure gives it, for example V(38823086363464)) or V(latest)
        for the newest point.
      - Defaults to V(latest) unless O(before) is set.
      - With O(state=absent), leaving both this and O(before) unset closes every active session of the VM.
    type: str
  before:
    description:
      - Use the newest recovery point taken at or before this time, ISO 8601 (for example V(2026-11-20T08:00:00Z));
        a time without a zone is UTC.
    type: str
  dest:
    description:
      - Directory the script or executable is written to, on the host the task runs on. Created (mode 0700) when missing.
      - "Run the task on the controller (C(delegate_to: localhost)) and copy the file with M(ansible.builtin.copy)
        to the machine that should mount the point."
    type: path
    required: true
  mode:
    description: Permissions of the written file, octal.
    type: raw
    default: '0700'
  initiator_name:
    description:
      - iSCSI initiator name of the machine that will run the script (Azure's C(initiatorName)), for example
        V(iqn.1991-05.com.microsoft:recovery-host). Optional; Azure accepts any initiator when unset.
    type: str
  renew:
    description:
      - Provision again even when an active session and its file exist. Azure renews the existing registration, which
        extends the session.
    type: bool
    default: false
  embed_password:
    description:
      - Write the Linux script byte for byte as Azure serves it, with the session password inside it, so it mounts
        without asking. The file is then a secret for the session's lifetime (mode O(mode), 0700 by default).
      - By default the embedded password is replaced by the prompt marker, as azure-cli and Az PowerShell do.
      - No effect on Windows VMs (the executable is always written as downloaded).
    type: bool
    default: false
  password_file:
    description:
      - Write the session password to this file (mode 0600) instead of returning it in RV(password).
      - With O(state=absent) the file is removed.
      - "Without it the task must run with C(no_log: true), so the password never reaches the output; otherwise the task
        fails before anything is provisioned."
    type: path
  state:
    description: V(present) gets the script; V(absent) revokes the session and removes the files.
    type: str
    default: present
    choices: [present, absent]
  wait_timeout:
    description: Seconds to wait for Azure to provision or revoke the session. Polls follow Azure's C(Retry-After).
    type: int
    default: 900
attributes:
  idempotent:
    support: partial
    details: An active session is reused; O(renew=true) provisions it again on every run.
extends_documentation_fragment:
  - azure_backup.recovery_services.azure
  - azure_backup.recovery_services.vm
  - azure_backup.recovery_services.azure.VAULT
  - azure_backup.recovery_services.attributes
  - azure_backup.recovery_services.attributes.action_group
  - azure_backup.recovery_services.attributes.state
notes:
  - Azure closes a file recovery session 12 hours after it was provisioned or renewed; RV(expires_at) is that time.
  - Check mode reads the vault, the protected item and its recovery points, and neither provisions nor writes a file.
author:
  - Azure Backup collection maintainers (@azure-backup)
"""

EXAMPLES = r"""
- name: Linux VM, newest point, password kept in the registered result only
  azure_backup.recovery_services.file_recovery_script:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-01, resource_group: rg-app}
    dest: /srv/recovery
  no_log: true
  register: recovery

- name: Show how to mount it (no secret in this output)
  ansible.builtin.debug:
    msg: "{{ recovery.instructions }}"

- name: Windows VM, the point before Monday's incident, password in a private file
  azure_backup.recovery_services.file_recovery_script:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm:
      id: /subscriptions/0000/resourceGroups/rg-erp/providers/Microsoft.Compute/virtualMachines/erp-01
    before: "2026-11-23T06:00:00Z"
    dest: /srv/recovery
    password_file: /srv/recovery/erp-01.password

- name: Close every file recovery session of the VM and remove the scripts
  azure_backup.recovery_services.file_recovery_script:
    vault_name: rsv-prod-weu
    resource_group: rg-backup
    vm: {name: web-01, resource_group: rg-app}
    dest: /srv/recovery
    state: absent
"""

RETURN = r"""
path:
  description: Full path of the written script or executable. Null when a Windows executable could not be downloaded.
  returned: state=present and not check mode
  type: str
  sample: /srv/recovery/web-01_westeurope_38823086363464_4f1c2a3b4d5e4f608a7b9c0d1e2f3a4b76a4dced41ff78.py
file_name:
  description: The file name Azure chooses (its C(scriptNameSuffix) without the password, plus C(scriptExtension)).
  returned: state=present and not check mode
  type: str
os_type:
  description: V(Linux) or V(Windows), the kind of artefact Azure gave.
  returned: state=present
  type: str
password:
  description:
    - The 15-character password the script asks for. A secret - returned only when the task runs with C(no_log)
      and O(password_file) is not set.
  returned: state=present, not check mode, task run with no_log
  type: str
password_file:
  description: Where the password was written, when O(password_file) is set.
  returned: state=present, not check mode, password_file set
  type: str
expires_at:
  description: When Azure closes the session (12 hours after it was provisioned or renewed), ISO 8601 UTC.
  returned: state=present and not check mode
  type: str
  sample: "2026-11-25T00:15:02Z"
download_url:
  description: For a Windows VM, the URL Azure links the executable to.
  returned: state=present, Windows VM, not check mode
  type: str
downloaded:
  description: For a Windows VM, whether the executable was downloaded to RV(path).
  returned: state=present, Windows VM, not check mode
  type: bool
session_reused:
  description: True when an active session was reused instead of provisioning one.
  returned: state=present
  type: bool
recovery_point:
  description:
    - The recovery point used (state=present), with C(id), C(time), C(type), C(tiers) (Azure's tier names) and
      C(usable_tier) (V(snapshot) or V(vault), the copy that is mounted).
  returned: state=present
  type: dict
  sample: {id: "38823086363464", time: "2026-11-20T00:00:00.0000000Z", type: CrashConsistent, tiers: [InstantRP, HardenedRP],
           usable_tier: snapshot}
revoked:
  description: The ids of the recovery points whose sessions were revoked (state=absent).
  returned: state=absent
  type: list
  elements: str
removed:
  description: The files removed from O(dest) (state=absent).
  returned: state=absent
  type: list
  elements: str
instructions:
  description: Short steps to mount the recovery point with the file and to unmount it afterwards. No secret in them.
  returned: state=present
  type: list
  elements: str
"""

import json
import os
from datetime import datetime, timedelta, timezone

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import hand_over

hand_over(__name__)  # with AZURE_BACKUP_TASK_WORKER on, the task runs in the resident worker and this process ends here

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import backup_client, list_all, parse_time
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC, VM_ARGUMENT_SPEC, container_name, item_name
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError, as_mapping
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._file_recovery import (
    SESSION_HOURS, download, instructions, iso_utc, marker_name, markers_of_vm, operation_id, parse_mode, read_bytes, read_marker,
    script_artefact, sha256,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._files import write_file_atomically
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._module import AzureBackupModule
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import DELETE, NONE, UPDATE, Refusal, plan
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._recovery_points import (
    check_point_options, choose_point, point_summary, require_usable,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import (
    check_output_directory, check_output_file, check_vm_ref, check_wait_timeout,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC, check_vault_options, read_vault


class FileRecovery:
    """One VM's file recovery: pick the point, reuse or provision its session, write the file, or revoke."""

    def __init__(self, module, vm_ref):
        self.module = module
        self.params = module.params
        self.session = module.session
        self.vm = vm_ref
        self.vault = self.params["vault_name"]
        self.group = self.params["resource_group"]
        self.names = (container_name(vm_ref["resource_group"], vm_ref["name"]), item_name(vm_ref["resource_group"], vm_ref["name"]))
        self.dest = self.params["dest"]

    @property
    def ilr(self):
        return backup_client(self.session).item_level_recovery_connections

    # reads

    def require_item(self):
        """The vault and the VM's protected item must exist; clear errors otherwise."""
        read_vault(self.session, self.group, self.vault)
        container, item = self.names
        found = self.session.get_or_none(f"read protected item of VM {self.vm['label']}", backup_client(self.session).protected_items.get,
                                         self.vault, self.group, FABRIC, container, item)
        if found is None:
            raise LookupError(f"VM {self.vm['label']} is not protected by vault {self.vault} (no protected item {item}); "
                              "check the VM name and resource group, or protect it first")

    def list_points(self):
        return list_all(self.session, f"list recovery points of VM {self.vm['label']}", backup_client(self.session).recovery_points.list,
                        self.vault, self.group, FABRIC, *self.names)

    def get_point(self, point_id):
        container, item = self.names
        found = self.session.get_or_none(f"read recovery point {point_id} of VM {self.vm['label']}",
                                         backup_client(self.session).recovery_points.get, self.vault, self.group, FABRIC, container, item, point_id)
        return as_mapping(found)

    def chosen_point(self):
        """The point the options name (the collection's one selection rule); refuses one that exists only in the archive tier."""
        point = choose_point(self.params["recovery_point"], self.params["before"], self.list_points, self.get_point, self.vm["label"],
                             f"vault {self.vault}")
        require_usable(point, self.vm["label"], "file recovery", "rehydrate it or choose another point")
        return point

    # writes to Azure

    def provision(self, point, renew_existing):
        """POST provisionInstantItemRecovery (202 only), wait, and return (operation id, client scripts, finished time)."""
        container, item = self.names
        properties = {"objectType": "IaasVMILRRegistrationRequest", "recoveryPointId": point["name"], "virtualMachineId": self.vm["id"],
                      "renewExistingRegistration": renew_existing}
        if self.params["initiator_name"]:
            properties["initiatorName"] = self.params["initiator_name"]
        operation = f"provision file recovery for point {point['name']} of VM {self.vm['label']}"
        response = self.session.call_with_headers(operation, self.ilr.provision, self.vault, self.group, FABRIC, container, item,
                                                  point["name"], {"properties": properties})
        status = self.session.wait_for_operation(operation, response, self.params["wait_timeout"]) or {}
        op_id = operation_id(response)
        scripts = ((status.get("properties") or {}).get("recoveryTarget") or {}).get("clientScripts")
        if not scripts:
            scripts = self.scripts_of(point["name"], op_id)
        finished = parse_time(status["endTime"]) if status.get("endTime") else datetime.now(timezone.utc)
        return op_id, scripts, finished

    def scripts_of(self, point_id, op_id):
        """The session's client scripts (POST listInstantItemRecoveryOperationResult: a read; resource group first)."""
        container, item = self.names
        target = self.session.call(f"read file recovery scripts of point {point_id} of VM {self.vm['label']}",
                                   self.ilr.list_instant_item_recovery_operation_result, self.group, self.vault, FABRIC, container, item,
                                   point_id, {"provisionInstantItemRecoveryOperationId": op_id})
        return (as_mapping(target) or {}).get("clientScripts") or []

    def revoke(self, point_id):
        container, item = self.names
        operation = f"revoke file recovery for point {point_id} of VM {self.vm['label']}"
        response = self.session.call_with_headers(operation, self.ilr.revoke, self.vault, self.group, FABRIC, container, item, point_id)
        self.session.wait_for_operation(operation, response, self.params["wait_timeout"])

    # files

    def artefact_bytes(self, artefact):
        if artefact["content"] is not None:
            return artefact["content"]
        data = download(artefact["url"], self.session.ca_bundle)
        if data is None:
            self.module.warn(f"could not download the Windows executable {artefact['file_name']}; fetch it from download_url")
        return data

    def current_file(self, marker):
        """The path of the file a marker names when it is still there unchanged, else None."""
        if not marker or not marker.get("file_name"):
            return None
        path = os.path.join(self.dest, marker["file_name"])
        data = read_bytes(path)
        return path if data is not None and sha256(data) == marker.get("sha256") else None

    def write_files(self, point, artefact, data, session):
        """Write the artefact (if any bytes) and its marker; True when anything on disk changed."""
        os.makedirs(self.dest, mode=0o700, exist_ok=True)
        changed = False
        path = os.path.join(self.dest, artefact["file_name"])
        if data is not None and read_bytes(path) != data:
            write_file_atomically(os.path.join(self.dest, artefact["file_name"]), data, parse_mode(self.params["mode"]))
            changed = True
        marker = {"vm_id": self.vm["id"], "recovery_point_id": point["name"], "operation_id": session["operation_id"],
                  "file_name": artefact["file_name"], "os_type": artefact["os_type"], "expires_at": session["expires_at"],
                  "download_url": artefact["url"], "sha256": sha256(data) if data is not None else None}
        marker_bytes = (json.dumps(marker, indent=2, sort_keys=True) + "\n").encode("utf-8")
        name = marker_name(self.vm["name"], point["name"])
        if read_bytes(os.path.join(self.dest, name)) != marker_bytes:
            write_file_atomically(os.path.join(self.dest, name), marker_bytes)
        return changed

    def deliver_password(self, password):
        """Return the password (task runs with no_log) or write it to password_file; never both."""
        if not self.params["password_file"]:
            return {"password": password}
        self.module.no_log_values.add(password)
        path = self.params["password_file"]
        directory, name = os.path.split(os.path.abspath(path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if read_bytes(path) != (password + "\n").encode("utf-8"):
            write_file_atomically(os.path.join(directory, name), (password + "\n").encode("utf-8"))
        return {"password_file": path}

    # state=present

    def present(self):
        point = self.chosen_point()
        active = bool(point["properties"].get("isInstantIlrSessionActive"))
        marker = read_marker(self.dest, self.vm["name"], point["name"])
        reusable = active and bool(marker and marker.get("operation_id")) and not self.params["renew"]
        existing = self.current_file(marker) if reusable else None
        before = {"session_active": active, "path": existing}
        after = {"session_active": True, "path": existing or os.path.join(self.dest, "<file name Azure gives>")}
        action, diff = plan(before if (active or existing) else None, after, "present")
        if self.params["renew"] and active:
            action = UPDATE
        result = {"recovery_point": point_summary(point), "session_reused": reusable, "diff": diff}
        if self.module.check_mode:
            return dict(result, changed=action != NONE, os_type=point["properties"].get("osType"))
        return dict(result, **self.open_session(point, active, marker if reusable else None))

    def open_session(self, point, active, reusable_marker):
        """Reuse the session a marker names (a read), or provision; then write the files and report."""
        session = None
        if reusable_marker:
            try:
                scripts = self.scripts_of(point["name"], reusable_marker["operation_id"])
                session = {"operation_id": reusable_marker["operation_id"], "expires_at": reusable_marker.get("expires_at"), "reused": True}
            except AzureOperationError as error:
                if not error.status or error.status >= 500:
                    raise
                self.module.warn(f"the recorded session could not be read ({error.azure_message}); provisioning again")
        if session is None:
            op_id, scripts, finished = self.provision(point, renew_existing=active)
            session = {"operation_id": op_id, "expires_at": iso_utc(finished + timedelta(hours=SESSION_HOURS)), "reused": False}
        artefact = script_artefact(scripts, self.params["embed_password"])
        data = self.artefact_bytes(artefact)
        files_changed = self.write_files(point, artefact, data, session)
        path = os.path.join(self.dest, artefact["file_name"]) if data is not None else None
        result = {"changed": files_changed or not session["reused"], "session_reused": session["reused"], "os_type": artefact["os_type"],
                  "path": path, "file_name": artefact["file_name"], "expires_at": session["expires_at"],
                  "instructions": instructions(artefact, session["expires_at"])}
        if artefact["os_type"] == "Windows":
            result.update(download_url=artefact["url"], downloaded=data is not None)
        result.update(self.deliver_password(artefact["password"]))
        return result

    # state=absent

    def absent(self):
        """Revoke the named point's session, or every active session of the VM; remove the files written for them."""
        markers = markers_of_vm(self.dest, self.vm["name"])
        if self.params["recovery_point"] is None and self.params["before"] is None:
            points = [point for point in self.list_points() if point["properties"].get("isInstantIlrSessionActive")]
        else:
            points = [self.chosen_point()]
            markers = {point_id: marker for point_id, marker in markers.items() if point_id == points[0]["name"]}
            points = [point for point in points if point["properties"].get("isInstantIlrSessionActive")]
        to_revoke = [point["name"] for point in points]
        to_remove = self.files_to_remove(markers)
        action, diff = plan({"active_sessions": to_revoke, "files": to_remove} if (to_revoke or to_remove) else None, None, "absent")
        if action == DELETE and not self.module.check_mode:
            for point_id in to_revoke:
                self.revoke(point_id)
            for path in to_remove:
                os.unlink(path)
        return {"changed": action != NONE, "revoked": to_revoke, "removed": to_remove, "diff": diff}

    def files_to_remove(self, markers):
        """The files written for these sessions, and O(password_file) when given."""
        paths = []
        for point_id, marker in markers.items():
            for name in (marker.get("file_name"), marker_name(self.vm["name"], point_id)):
                if name and os.path.exists(os.path.join(self.dest, name)):
                    paths.append(os.path.join(self.dest, name))
        if self.params["password_file"] and os.path.exists(self.params["password_file"]):
            paths.append(self.params["password_file"])
        return paths


def check_options(module):
    """Refuse bad input before any call to Azure."""
    params = module.params
    check_vault_options(params)
    point_problem = check_point_options(params["recovery_point"], params["before"])
    if point_problem:
        raise Refusal(point_problem)
    try:
        parse_mode(params["mode"])
    except ValueError as error:
        raise Refusal(f"mode: {error}") from error
    check_wait_timeout(params)
    if params["state"] == "present" and not params["password_file"] and not module.no_log:
        raise Refusal("file_recovery_script returns the session password, a secret: run the task with no_log: true, "
                      "or set password_file to have it written to a private file")
    if params["state"] == "present":
        check_output_directory(params["dest"], "dest")
        check_output_file(params["password_file"], "password_file", create_parents=True)
    return check_vm_ref(params["vm"], module.session.subscription_id, "vm")


def main():
    module = AzureBackupModule(
        argument_spec=dict(
            **VAULT_ARGUMENT_SPEC,
            **VM_ARGUMENT_SPEC,
            recovery_point=dict(type="str"),
            before=dict(type="str"),
            dest=dict(type="path", required=True),
            mode=dict(type="raw", default="0700"),
            initiator_name=dict(type="str"),
            renew=dict(type="bool", default=False),
            embed_password=dict(type="bool", default=False),
            password_file=dict(type="path", no_log=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            wait_timeout=dict(type="int", default=900),
        ),
        clients=("recoveryservices", "backup"),
        supports_check_mode=True,
    )

    def run():
        recovery = FileRecovery(module, check_options(module))
        try:
            recovery.require_item()
            result = recovery.present() if module.params["state"] == "present" else recovery.absent()
        except (LookupError, ValueError) as error:  # what FileRecovery finds missing or refuses, in words
            raise Refusal(str(error)) from error
        return result

    module.run(run)


if __name__ == "__main__":
    main()
