#!/usr/bin/env bash
# The whole test suite: unit, emulator, conformance (Microsoft's az CLI, pinned, against the
# emulator), integration (real ansible-playbook against the emulator), ansible-test sanity and
# ansible-lint, on the main leg (Python 3.11, ansible-core 2.19: requirements-test.txt); then the
# other legs of the support matrix (README "Support matrix"), each in its own venv.
# Sets itself up first (scripts/bootstrap.sh).
# Run one stage with: scripts/test.sh unit|docs|emulator|conformance|integration|sanity|lint|leg-2.20|leg-2.18
# A leg's own stages: TEST_LEG=2.20 scripts/test.sh unit|sanity|targets|targets:rsv_vault,backup_policy
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The other legs, in the order they run, and what each runs (leg-X runs TEST_LEG=X scripts/test.sh <these>).
LEGS=(2.20 2.18)
declare -A LEG_STAGES=(
  [2.20]="unit targets sanity"
  [2.18]="unit targets:rsv_vault,backup_policy,vm_protection,sql_backup_role"
)
leg="${TEST_LEG:-}"
if [ -n "$leg" ]; then
  default_stages="${LEG_STAGES[$leg]:?unknown leg $leg (known: ${LEGS[*]})}"
  venv="$ROOT/.cache/venv-$leg"
else
  default_stages="unit docs emulator conformance integration sanity lint ${LEGS[*]/#/leg-}"
  venv="$ROOT/.venv"
fi
"$ROOT/scripts/bootstrap.sh" ${leg:+"$leg"}
cd "$ROOT"
export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections"
# Integration tests wait on ansible-playbook processes and the emulator: two pytest-xdist workers, each
# with its own emulator; a module's tests that share a module-scoped fixture stay on one worker
# (tests/integration/conftest.py). TEST_WORKERS=0 runs them in one process.
xdist=(-n "${TEST_WORKERS:-2}" --dist loadgroup)
stages=("${@:-$default_stages}")
# shellcheck disable=SC2206
stages=(${stages[*]})

# The legs' venvs build (pip, mostly downloads) in the background while the main leg's stages run;
# a leg's stage waits for its build. On exit, wait for them rather than leave pip running.
declare -A leg_builds=()
trap wait EXIT
for stage in "${stages[@]}"; do
  if [ -z "$leg" ] && [[ "$stage" == leg-* ]]; then
    "$ROOT/scripts/bootstrap.sh" "${stage#leg-}" > "$ROOT/.cache/bootstrap-${stage#leg-}.log" 2>&1 &
    leg_builds[${stage#leg-}]=$!
  fi
done

run_stage() {
  local started=$SECONDS
  echo "=== ${leg:+leg $leg: }$1"
  case "$1" in
    unit) pytest -q -p no:cacheprovider tests/unit ;;
    docs) python scripts/docs.py --check ;;
    emulator) PYTHONPATH="$ROOT/tests/emulator" pytest -q -p no:cacheprovider tests/emulator/tests ;;
    conformance) "$ROOT/tests/conformance/install_az.sh" >/dev/null && pytest -q -p no:cacheprovider tests/conformance ;;
    integration) pytest -q -p no:cacheprovider "${xdist[@]}" tests/integration ;;
    targets) pytest -q -p no:cacheprovider "${xdist[@]}" tests/integration/test_targets.py ;;
    targets:*) IFS=, read -r -a names <<< "${1#targets:}"
               names=("${names[@]/#/tests/integration/test_targets.py::test_target[}")
               pytest -q -p no:cacheprovider "${xdist[@]}" "${names[@]/%/]}" ;;
    sanity) TEST_LEG="$leg" "$ROOT/scripts/sanity.sh" ;;
    lint) ansible-lint --offline --profile production roles playbooks ;;
    leg-*) if [ -n "${leg_builds[${1#leg-}]:-}" ] && ! wait "${leg_builds[${1#leg-}]}"; then
             cat "$ROOT/.cache/bootstrap-${1#leg-}.log" >&2
             return 1
           fi
           TEST_LEG="${1#leg-}" "$ROOT/scripts/test.sh" ;;
    *) echo "unknown stage $1" >&2; return 2 ;;
  esac
  echo "=== ${leg:+leg $leg: }$1 passed in $((SECONDS - started)) s"
}

for stage in "${stages[@]}"; do
  run_stage "$stage"
done
echo "=== all stages passed${leg:+ on leg $leg}: ${stages[*]}"
