#!/usr/bin/env bash
# The demo: start the local Azure emulator with the demo estate and run playbooks/site.yml
# against it, signed in the way AWX does it (AZURE_* environment variables).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
state="$ROOT/.cache/demo"
rm -rf "$state" && mkdir -p "$state"

PYTHONPATH="$ROOT/tests/emulator" .venv/bin/python -m armemu --estate tests/emulator/estates/demo.yml \
  --port 0 --state-dir "$state" --ready-file "$state/ready.json" >"$state/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$state/ready.json" ] && break; sleep 0.1; done
[ -s "$state/ready.json" ] || { cat "$state/emulator.log"; exit 1; }

eval "$(.venv/bin/python scripts/emulator_env.py "$state/ready.json" tests/emulator/estates/demo.yml)"
echo "demo: emulator at $AZURE_CLOUD_ENVIRONMENT (CA $REQUESTS_CA_BUNDLE)"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
.venv/bin/ansible-playbook -i playbooks/inventories/emulator/hosts.yml playbooks/site.yml "$@"
