# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters behind the vm_agent and vm_backup roles: inventory hosts -> one batch per vault, and results -> tables.

The roles call each module ONCE PER VAULT for all of that vault's VMs, so the grouping lives here
rather than in long Jinja. Each filter is documented in a sidecar file (plugins/filter/<name>.yml).
"""

from __future__ import annotations

import json
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.json import AnsibleJSONEncoder

VM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\.Compute/virtualMachines/([^/]+)$", re.IGNORECASE)
# Error: the VM could not be checked (an Azure error). It is never skipped: vm_protection checks it again.
ERROR = "Error"
STATUS_ORDER = (ERROR, "Critical", "Warning", "Passed")


# --- inventory -> batches ---------------------------------------------------------------------

# The host variables the VM and SQL roles read (vm_identity, host_assignments, sql_backup's server entries).
HOST_KEYS = ("azure_vm_id", "azure_vm_name", "azure_vm_resource_group", "resource_group", "id",
             "azure_backup_vault", "azure_backup_vault_resource_group", "azure_backup_policy", "azure_backup_sql")


def host_variables(hostvars, hosts):
    """JSON of ``{host: {variable: value}}`` with only the variables the VM and SQL roles read (HOST_KEYS), for each of ``hosts``.

    Reading one host from ``hostvars`` costs Ansible a full variable merge (milliseconds a host); the batch
    filters take this answer in place of ``hostvars``, so a play that groups the same hosts several times (site.yml:
    pre-checks, protection, SQL Server) reads ``hostvars`` once through this filter and hands the answer on.
    JSON text rather than a mapping: Ansible passes a string on as one value, where it would template each of a
    mapping's thousands of values every time a task reads it (ansible-core 2.19's lazy templating).
    """
    found = {}
    for host in hosts:
        variables = hostvars[host]
        found[host] = {key: variables[key] for key in HOST_KEYS if key in variables}
    return json.dumps(found, cls=AnsibleJSONEncoder)


def host_mapping(hostvars):
    """``hostvars`` as the batch filters read it: itself, or the mapping in host_variables' JSON text."""
    return json.loads(hostvars) if isinstance(hostvars, str) else hostvars


def vm_identity(variables):
    """The VM a host stands for, as a vm_protection ``vms`` entry without policy, or None for a non-VM host.

    Our own variables first (azure_vm_id, or azure_vm_name + azure_vm_resource_group), then
    azure.azcollection's azure_rm inventory variables (id, or name + resource_group).
    """
    if variables.get("azure_vm_id"):
        return {"id": variables["azure_vm_id"]}
    if variables.get("azure_vm_name"):
        return {"name": variables["azure_vm_name"],
                "resource_group": variables.get("azure_vm_resource_group") or variables.get("resource_group")}
    if VM_ID.match(str(variables.get("id") or "")):
        return {"id": variables["id"]}
    return None


def vm_key(vm):
    """``resource_group/name`` in lower case: what a VM is matched on, whether given by id or by name."""
    match = VM_ID.match(vm.get("id") or "")
    group, name = match.groups() if match else (vm.get("resource_group") or "", vm.get("name") or "")
    return f"{group}/{name}".lower()


def vm_label(vm):
    match = VM_ID.match(vm.get("id") or "")
    return match.group(2) if match else vm.get("name")


def vault_resource_group(vault, variables, defaults):
    """The vault's resource group: the host's variable, else the vault list's entry, else the default."""
    if variables.get("azure_backup_vault_resource_group"):
        return variables["azure_backup_vault_resource_group"]
    for entry in defaults.get("vaults") or []:
        if entry.get("name", "").lower() == vault.lower():
            return entry.get("resource_group")
    return defaults.get("vault_resource_group")


def host_assignments(hostvars, hosts, defaults):
    """(host, vm, vault, vault resource group, policy) for each host that stands for an Azure VM, then each extra VM."""
    hostvars = host_mapping(hostvars)
    entries = [(host, hostvars[host]) for host in hosts]
    entries += [(entry.get("host") or vm_label(entry) or "?", dict(
        azure_vm_id=entry.get("id"), azure_vm_name=entry.get("name"), azure_vm_resource_group=entry.get("resource_group"),
        azure_backup_vault=entry.get("vault"), azure_backup_vault_resource_group=entry.get("vault_resource_group"),
        azure_backup_policy=entry.get("policy"))) for entry in defaults.get("vms") or []]
    for host, variables in entries:
        vm = vm_identity(variables)
        if vm is None:
            continue
        vault = variables.get("azure_backup_vault") or defaults.get("vault")
        if not vault:
            raise AnsibleFilterError(f"host {host}: no vault; set azure_backup_vault for it (or azure_backup_default_vault)")
        group = vault_resource_group(vault, variables, defaults)
        if not group:
            raise AnsibleFilterError(f"host {host}: no resource group for vault {vault}; set azure_backup_vault_resource_group "
                                     "(or list the vault in azure_backup_vaults)")
        yield host, vm, vault, group, variables.get("azure_backup_policy") or defaults.get("policy")


def skip_index(skipped):
    return {vm_key(entry): entry for entry in skipped or []}


def vm_backup_batches(hostvars, hosts, defaults=None, skipped=None):
    """One batch per vault: the VMs to hand to vm_backup_precheck (``targets``) and vm_protection (``vms``).

    VMs in ``skipped`` (precheck_skips' answer) are left out; a vault left with no VM has no batch.
    """
    defaults = defaults or {}
    skips = skip_index(skipped)
    batches, owner = {}, {}
    for host, vm, vault, group, policy in host_assignments(hostvars, hosts, defaults):
        key = vm_key(vm)
        vault_key = f"{vault}@{group}".lower()
        if key in owner:
            if owner[key][1] != vault_key:
                raise AnsibleFilterError(f"VM {key} is assigned to two vaults: {owner[key][1]} (host {owner[key][0]}) and {vault_key} (host {host})")
            continue
        owner[key] = (host, vault_key)
        if key in skips:
            continue
        batch = batches.setdefault(vault_key, {"vault_name": vault, "resource_group": group, "hosts": [], "targets": [], "vms": []})
        batch["hosts"].append(host)
        batch["targets"].append(vm)
        batch["vms"].append(dict(vm, policy=policy) if policy else dict(vm))
    return [dict(batches[key], label=f"{batches[key]['vault_name']} ({len(batches[key]['vms'])} VMs)") for key in sorted(batches)]


# --- pre-check results -> skips and table -----------------------------------------------------

def loop_results(registered):
    """(batch, result) for each loop result of a registered task (a non-loop result counts as one).

    The roles run one module run per vault through ``vault_runs``: each result's ``item`` is the batch. A loop of
    ``async_status`` over started ``async`` jobs works too: such a result's ``item`` is the started job, whose own
    ``item`` is the batch.
    """
    results = registered.get("results") if isinstance(registered, dict) and "results" in registered else [registered]
    pairs = []
    for result in results:
        if not isinstance(result, dict):
            continue
        batch = result.get("item") or {}
        if isinstance(batch, dict) and "ansible_job_id" in batch:
            batch = batch.get("item") or {}
        pairs.append((batch, result))
    return pairs


def content_words(text):
    return {word for word in re.findall(r"[a-z0-9-]+", text.lower()) if len(word) > 3}


def merge_reasons(texts):
    """The reasons joined with "; ", each cause said once.

    Reasons with the same subject (the text before ": ", e.g. "VM is deallocated") become one "subject: detail; detail",
    and a detail three quarters of whose words another detail of that subject already says is left out.
    """
    details_by_subject = {}
    for text in texts:
        subject, separator, detail = text.partition(": ")
        details = details_by_subject.setdefault(subject if separator else text, [])
        words = content_words(detail)
        if separator and not any(len(words & content_words(said)) * 4 >= len(words) * 3 for said in details):
            details.append(detail)
    return "; ".join(f"{subject}: {'; '.join(details)}" if details else subject for subject, details in details_by_subject.items())


def reasons(vm, status):
    return merge_reasons([entry["reason"] for entry in vm.get("findings") or [] if entry.get("status") == status])


def precheck_rows(registered):
    """One row per VM checked: vault, VM, status and the reasons behind its status."""
    rows = []
    for batch, result in loop_results(registered):
        vault, group = batch.get("vault_name", ""), batch.get("resource_group", "")
        if "vms" not in result:
            rows += [{"vault": vault, "vault_resource_group": group, "id": vm.get("id"), "name": vm_label(vm), "resource_group": vm.get("resource_group") or "",
                      "status": ERROR, "reason": f"pre-check failed: {result.get('msg', 'no result')}"} for vm in batch.get("targets") or []]
            continue
        for vm in result["vms"]:
            status = vm.get("status", ERROR)
            reason = vm.get("error") if status == ERROR else reasons(vm, status) if status != "Passed" else "all checks passed"
            rows.append({"vault": vault, "vault_resource_group": group, "id": vm.get("id"), "name": vm.get("name"), "resource_group": vm.get("resource_group"),
                         "status": status, "reason": reason or "no result"})
    return rows


def precheck_skips(registered):
    """The Critical VMs of the pre-check results, with why: what vm_backup leaves out under the ``skip`` gate.

    Only Critical, a reason Azure gave: a VM that could not be checked (Error) is not skipped.
    """
    return [{key: row[key] for key in ("id", "name", "resource_group", "vault", "vault_resource_group", "reason")}
            for row in precheck_rows(registered) if row["status"] == "Critical"]


def precheck_failures(registered):
    """The VMs that could not be checked (status Error), with the error: never skipped, reported failed, never protected unchecked."""
    return [{key: row[key] for key in ("id", "name", "resource_group", "vault", "vault_resource_group", "reason")}
            for row in precheck_rows(registered) if row["status"] == ERROR]


def aligned(header, rows):
    """Text table lines: each column padded to its widest cell; the last column is left ragged."""
    widths = [max(len(str(row[index])) for row in [header] + rows) for index in range(len(header) - 1)]
    return ["  ".join([str(cell).ljust(width) for cell, width in zip(row, widths)] + [str(row[-1])]).rstrip() for row in [header] + rows]


def precheck_table(registered):
    """Lines of a Passed / Warning / Critical table, one per VM, worst first."""
    def worst_first(row):
        return (STATUS_ORDER.index(row["status"]) if row["status"] in STATUS_ORDER else 0, row["vault"], row["name"] or "")

    rows = sorted(precheck_rows(registered), key=worst_first)
    return aligned(("STATUS", "VM", "RESOURCE GROUP", "VAULT", "REASON"),
                   [(row["status"], row["name"], row["resource_group"], row["vault"], row["reason"]) for row in rows])


# --- protection results -> coverage ---------------------------------------------------------

def coverage_entry(vault, group):
    return {"vault": vault, "resource_group": group, "protected": [], "unprotected": [], "skipped": [], "failed": [], "changed": 0}


def add_vm(entry, vm, planned, warnings, skip_ineligible=False):
    """Sort one vm_protection result into protected / unprotected (planned runs) / skipped / failed."""
    name = vm.get("name") or vm_label(vm)
    if vm.get("error") and vm.get("ineligible") and skip_ineligible:
        entry["skipped"].append({"name": name, "reason": vm["error"]})
        return
    if vm.get("error"):
        entry["failed"].append({"name": name, "error": vm["error"]})
        return
    if vm.get("changed"):
        entry["changed"] += 1
    if planned and vm.get("action") not in (None, "none"):
        entry["unprotected"].append({"name": name, "reason": vm.get("reason"), "action": vm.get("action")})
        return
    protected = {"name": name, "policy": vm.get("policy"), "protection_state": vm.get("protection_state"), "action": vm.get("action")}
    if vm_key(vm) in warnings:
        protected["warning"] = warnings[vm_key(vm)]
    entry["protected"].append(protected)


def backup_coverage(protection_results, precheck_results=None, skipped=None, planned=False, skip_ineligible=False):
    """Per vault: VMs protected, left unprotected (``planned``: check-mode results), skipped with reason, failed.

    VMs the pre-check could not check (status Error in ``precheck_results``) are failed: the roles leave them
    out of protection rather than protect them unchecked.

    ``skip_ineligible``: a VM vm_protection's own pre-check found unfit (``ineligible``, a reason Azure gave) is
    skipped rather than failed, as the vm_agent role's ``skip`` gate does. Any other error is a failure.
    """
    warnings = {vm_key(row): row["reason"] for row in precheck_rows(precheck_results or {"results": []}) if row["status"] == "Warning"}
    coverage = {}

    def vault_entry(vault, group):
        return coverage.setdefault(f"{vault}@{group}".lower(), coverage_entry(vault, group))

    for skip in skipped or []:
        vault_entry(skip.get("vault"), skip.get("vault_resource_group"))["skipped"].append({"name": skip.get("name"), "reason": skip.get("reason")})
    for unchecked in precheck_failures(precheck_results or {"results": []}):
        vault_entry(unchecked["vault"], unchecked["vault_resource_group"])["failed"].append({"name": unchecked["name"], "error": unchecked["reason"]})
    for batch, result in loop_results(protection_results):
        entry = vault_entry(batch.get("vault_name"), batch.get("resource_group"))
        if "vms" not in result:
            entry["failed"] += [{"name": vm_label(vm), "error": result.get("msg", "no result")} for vm in batch.get("vms") or []]
            continue
        for vm in result["vms"]:
            add_vm(entry, vm, planned, warnings, skip_ineligible)
    return [dict(entry, totals={status: len(entry[status]) for status in ("protected", "unprotected", "skipped", "failed")})
            for entry in (coverage[key] for key in sorted(coverage))]


def coverage_table(coverage):
    """Lines of the end-of-run summary: one count line per vault, then one line per VM not protected."""
    rows = [(entry["vault"], entry["totals"]["protected"], entry["totals"]["unprotected"], entry["totals"]["skipped"],
             entry["totals"]["failed"], entry["changed"]) for entry in coverage]
    totals = [sum(row[index] for row in rows) for index in range(1, 6)]
    lines = aligned(("VAULT", "PROTECTED", "UNPROTECTED", "SKIPPED", "FAILED", "CHANGED"), rows + [("TOTAL", *totals)])
    for entry in coverage:
        lines += [f"skipped  {entry['vault']}/{item['name']}: {item['reason']}" for item in entry["skipped"]]
        lines += [f"failed   {entry['vault']}/{item['name']}: {item['error']}" for item in entry["failed"]]
        lines += [f"to do    {entry['vault']}/{item['name']}: {item['reason']}" for item in entry["unprotected"]]
    return lines


class FilterModule:
    """azure_backup.recovery_services filters for VM backup rollouts."""

    def filters(self):
        return {
            "vm_backup_batches": vm_backup_batches,
            "host_variables": host_variables,
            "precheck_rows": precheck_rows,
            "precheck_skips": precheck_skips,
            "precheck_failures": precheck_failures,
            "precheck_table": precheck_table,
            "backup_coverage": backup_coverage,
            "coverage_table": coverage_table,
        }
