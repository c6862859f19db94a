#!/usr/bin/env bash
# Estate-scale benchmark: playbooks/site.yml on 1,000 and 5,000 VMs in 4 vaults, under the emulator's fast
# and azure profiles, first rollout and no-change run, then two subscriptions side by side. Wall time, load,
# ARM requests by method, writes, 429s, throttle floor, peak memory. Options: tests/benchmarks/vm_rollout.py
# (e.g. --vms 1000 --profiles fast --subscriptions 0 for the quick one). Figures: docs/benchmarks.md.
#
#   scripts/bench.sh task   one unchanged rsv_vault task against ansible.builtin.ping, 21 alternating pairs,
#                           without and with the task worker (tests/benchmarks/task_time.py; JSON, a few minutes)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
if [ "${1:-}" = task ]; then
  shift
  .venv/bin/python tests/benchmarks/task_time.py --runs 21 --token-cache unencrypted "$@"
  exec .venv/bin/python tests/benchmarks/task_time.py --runs 21 --token-cache unencrypted --task-worker "$@"
fi
exec .venv/bin/python tests/benchmarks/vm_rollout.py "$@"
