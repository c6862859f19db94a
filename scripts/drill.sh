#!/usr/bin/env bash
# The restore drill against the local Azure emulator: an estate of protected VMs in 4 vaults (8 VMs by default,
# DRILL_VMS=N for more), then playbooks/restore_drill.yml over every VM - restore as isolated new VMs, verify
# (job, running, agent Ready, a Run Command check), RPO/RTO against the targets, clean up. The reports land in
# .cache/drill/reports/restore-drill-<id>.json and .html. Extra arguments go to ansible-playbook.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
state="$ROOT/.cache/drill"
rm -rf "$state" && mkdir -p "$state"
.venv/bin/python tests/benchmarks/restore_drill.py --write "$state" --vms "${DRILL_VMS:-8}" --max-parallel 4

PYTHONPATH="$ROOT/tests/emulator" .venv/bin/python -m armemu --estate "$state/estate.yml" \
  --port 0 --state-dir "$state" --ready-file "$state/ready.json" >"$state/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$state/ready.json" ] && break; sleep 0.1; done
[ -s "$state/ready.json" ] || { cat "$state/emulator.log"; exit 1; }

eval "$(.venv/bin/python scripts/emulator_env.py "$state/ready.json" "$state/estate.yml")"
echo "drill: emulator at $AZURE_CLOUD_ENVIRONMENT (CA $REQUESTS_CA_BUNDLE)"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
.venv/bin/ansible-playbook playbooks/restore_drill.yml -e @"$state/drill.yml" "$@"
ls -1 "$state/reports"
