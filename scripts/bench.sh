#!/usr/bin/env bash
# Estate-scale benchmark: playbooks/site.yml on 1,000 and 5,000 VMs in 4 vaults, under the emulator's fast
# and azure profiles, first rollout and no-change run, then two subscriptions side by side. Wall time, load,
# ARM requests by method, writes, 429s, throttle floor, peak memory. Options: tests/benchmarks/vm_rollout.py
# (e.g. --vms 1000 --profiles fast --subscriptions 0 for the quick one). Figures: docs/benchmarks.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
exec .venv/bin/python tests/benchmarks/vm_rollout.py "$@"
