#!/usr/bin/env bash
# Estate-scale benchmark (1,000 VMs, 4 vaults): wall time, ARM requests by method and peak
# memory for the first rollout and the idempotent re-run. Figures: docs/benchmarks.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
exec .venv/bin/python tests/benchmarks/vm_rollout.py "$@"
