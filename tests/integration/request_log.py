"""Request-log arithmetic for the whole-playbook tests: ARM requests per vault, and which are about one VM."""

import re
from collections import Counter

# Requests about one VM or one protected item: what a no-change run must not send.
PER_VM = (re.compile(r"/backupStatus$"), re.compile(r"/backupPreValidateProtection$"),
          re.compile(r"/virtualMachines/[^/]+(/instanceView)?$", re.IGNORECASE), re.compile(r"/protectedItems/", re.IGNORECASE),
          re.compile(r"/backupJobs/[^/]+$"))
VAULT_IN_PATH = re.compile(r"/vaults/([^/]+)", re.IGNORECASE)


def classify(log):
    """Counter of ARM requests by (vault or 'subscription', 'per-vm' or 'list/other', method)."""
    counts = Counter()
    for entry in log["requests"]:
        if entry.get("kind", "arm") != "arm":
            continue
        vault = VAULT_IN_PATH.search(entry["path"])
        scope = vault.group(1).lower() if vault else "subscription"
        kind = "per-vm" if any(pattern.search(entry["path"]) for pattern in PER_VM) else "list/other"
        counts[(scope, kind, entry["method"])] += 1
    return counts


def per_vault(counts, kind=None):
    """{scope: requests} (of one kind when given)."""
    totals = Counter()
    for (scope, entry_kind, _method), count in counts.items():
        if kind is None or entry_kind == kind:
            totals[scope] += count
    return dict(totals)
