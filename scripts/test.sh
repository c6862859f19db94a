#!/usr/bin/env bash
# The whole test suite: unit, emulator, conformance (Microsoft's az CLI, pinned, against the
# emulator), integration (real ansible-playbook against the emulator), ansible-test sanity and
# ansible-lint. Sets itself up first (scripts/bootstrap.sh).
# Run one stage with: scripts/test.sh unit|emulator|conformance|integration|sanity|lint
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
stages=("${@:-unit docs emulator conformance integration sanity lint}")
# shellcheck disable=SC2206
stages=(${stages[*]})

run_stage() {
  local started=$SECONDS
  echo "=== $1"
  case "$1" in
    unit) pytest -q -p no:cacheprovider tests/unit ;;
    docs) python scripts/docs.py --check ;;
    emulator) PYTHONPATH="$ROOT/tests/emulator" pytest -q -p no:cacheprovider tests/emulator/tests ;;
    conformance) "$ROOT/tests/conformance/install_az.sh" >/dev/null && pytest -q -p no:cacheprovider tests/conformance ;;
    integration) pytest -q -p no:cacheprovider tests/integration ;;
    sanity) "$ROOT/scripts/sanity.sh" ;;
    lint) ansible-lint --offline --profile production roles playbooks ;;
    *) echo "unknown stage $1" >&2; return 2 ;;
  esac
  echo "=== $1 passed in $((SECONDS - started)) s"
}

for stage in "${stages[@]}"; do
  run_stage "$stage"
done
echo "=== all stages passed: ${stages[*]}"
