# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restore drills: which VMs to drill, what the drill names and tags, and how a drilled VM is judged.

A drill restores the newest point of a sample of a vault's protected VMs as new VMs in an isolated resource group
and virtual network made for the drill (no peering, no public IP), verifies them, measures RPO (the point's age at
drill time) and RTO (restore request -> verified VM), and removes everything it made. What it makes lives in one
resource group per vault, tagged with the drill and the vault, so a drill killed midway is found and removed by
the next drill of that vault (or by ``state: absent``). Pure logic only; ``_drill_run`` does the calls.
"""

from __future__ import annotations

import hashlib
import random
import re

DRILL_TAG = "azure-backup-drill"             # the drill's id
DRILL_VAULT_TAG = "azure-backup-drill-vault"  # the vault's id (lower case)
DRILL_STAGING_TAG = "azure-backup-drill-staging"  # the staging storage account the drill made
MAX_VM_NAME = 64


def drill_group_name(prefix, vault_name):
    """The drill's resource group for a vault (at most 90 characters, as Azure allows)."""
    return f"{prefix}-{vault_name}"[:90].rstrip(".")


def staging_account_name(vault_id, drill_id):
    """A storage account name for the drill's staging (3-24 lower-case letters and digits, unique per vault and drill)."""
    return "stdrill" + hashlib.sha256(f"{vault_id.lower()}|{drill_id}".encode("utf-8")).hexdigest()[:17]


def restored_vm_name(source_name, suffix="drill"):
    """The drilled copy's VM name: the source's plus a suffix, within Azure's 64 characters."""
    tail = f"-{suffix}"
    return source_name[:MAX_VM_NAME - len(tail)] + tail


def drill_tags(drill_id, vault_id, staging_account):
    return {DRILL_TAG: drill_id, DRILL_VAULT_TAG: vault_id.lower(), DRILL_STAGING_TAG: staging_account}


def is_drill_group_of(group, vault_id):
    """True for a resource group a drill of this vault made (its tags say so)."""
    tags = group.get("tags") or {}
    return DRILL_TAG in tags and str(tags.get(DRILL_VAULT_TAG, "")).lower() == vault_id.lower()


def tags_match(vm_tags, wanted):
    """Every wanted tag is on the VM with the wanted value (names compared case-insensitively, as Azure does)."""
    have = {str(name).lower(): str(value) for name, value in (vm_tags or {}).items()}
    return all(have.get(str(name).lower()) == str(value) for name, value in wanted.items())


def sample(candidates, count=None, share=None, seed=None):
    """Choose the VMs to drill among ``candidates`` (sorted by key first, so a seed gives the same choice every time).

    ``count`` caps the number, ``share`` (0-1] takes that fraction (at least one); neither: all of them.
    """
    ordered = sorted(candidates, key=lambda vm: vm["key"])
    size = len(ordered)
    if share is not None:
        size = min(size, max(1, round(len(ordered) * share)))
    if count is not None:
        size = min(size, count)
    return sorted(random.Random(seed).sample(ordered, size), key=lambda vm: vm["key"]) if size < len(ordered) else ordered


def judge(outcome, rpo_hours=None, rto_minutes=None):
    """(passed, reasons) for one drilled VM: the job, the VM, its agent, the command, then the RPO and RTO targets."""
    reasons = []
    if outcome.get("error"):
        reasons.append(outcome["error"])
    checks = outcome.get("checks") or {}
    for check, failure in (("job_succeeded", "restore job did not succeed"), ("vm_running", "restored VM is not running"),
                           ("agent_ready", "VM agent is not Ready"), ("command_ok", "verification command failed")):
        if checks.get(check) is False:
            reasons.append(failure + (f" ({checks[check + '_detail']})" if checks.get(check + "_detail") else ""))
    if rpo_hours is not None and outcome.get("rpo_hours") is not None and outcome["rpo_hours"] > rpo_hours:
        reasons.append(f"RPO {outcome['rpo_hours']:.1f} h exceeds the target of {rpo_hours} h")
    if rto_minutes is not None and outcome.get("rto_minutes") is not None and outcome["rto_minutes"] > rto_minutes:
        reasons.append(f"RTO {outcome['rto_minutes']:.1f} min exceeds the target of {rto_minutes} min")
    return not reasons, reasons


def totals(results):
    """Counts over the drilled VMs, and the worst RPO and RTO seen."""
    rpos = [result["rpo_hours"] for result in results if result.get("rpo_hours") is not None]
    rtos = [result["rto_minutes"] for result in results if result.get("rto_minutes") is not None]
    return {"vms": len(results), "passed": sum(1 for result in results if result["passed"]),
            "failed": sum(1 for result in results if not result["passed"]),
            "max_rpo_hours": max(rpos) if rpos else None, "max_rto_minutes": max(rtos) if rtos else None}


def command_output(run_result):
    """(stdout, stderr) from a Run Command result (mapping): Linux puts both in one message, Windows in two statuses."""
    statuses = (run_result or {}).get("value") or []
    if len(statuses) == 1:
        message = statuses[0].get("message") or ""
        found = re.search(r"\[stdout\]\n(.*?)\n?\[stderr\]\n?(.*)$", message, re.DOTALL)
        return (found.group(1), found.group(2)) if found else (message, "")
    by_code = {str(status.get("code", "")).split("/")[1].lower() if "/" in str(status.get("code", "")) else "": status.get("message") or ""
               for status in statuses}
    return by_code.get("stdout", ""), by_code.get("stderr", "")
