#!/usr/bin/env bash
# ansible-test sanity needs the collection under .../ansible_collections/<ns>/<name>/.
# Copy the files git knows (tracked and new, not ignored) into such a tree and run it there.
# The tree's tests/output (ansible-test's venvs) is kept between runs; runs are serialised.
# TEST_LEG=2.20 (a leg of README's "Support matrix") runs that leg's ansible-test on its Python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$ROOT/.venv"
[ -z "${TEST_LEG:-}" ] || venv="$ROOT/.cache/venv-$TEST_LEG"
python_version="$("$venv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
# Outside the checkout: inside it, ansible-test would ask git and skip ignored paths.
base="${TMPDIR:-/tmp}/azure_backup_sanity_$(id -u)"
tree="$base/ansible_collections/azure_backup/recovery_services"
mkdir -p "$tree/tests"
exec 9>"$base/lock"
flock 9
find "$tree" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
find "$tree/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [ -e "$file" ] && { mkdir -p "$tree/$(dirname "$file")"; cp -p "$file" "$tree/$file"; }
done
cd "$tree"
ansible_test=("$venv/bin/ansible-test" sanity --venv --python "$python_version")
if command -v pwsh >/dev/null 2>&1; then
  "${ansible_test[@]}" "$@"
else
  # validate-modules reads a PowerShell module's argument spec by running pwsh, which this
  # machine cannot install: validate the Python modules (and every .py doc stub of a .ps1
  # module) here; the .ps1 files get pslint and tests/unit/powershell/test_powershell_syntax.py.
  case " $* " in
    *" --test "*) ;;
    *) "${ansible_test[@]}" "$@" --skip-test validate-modules ;;
  esac
  if [ $# -eq 0 ] || [[ " $* " == *" validate-modules "* ]]; then
    "${ansible_test[@]}" --test validate-modules $(ls plugins/modules/*.py)
  fi
  others=()
  while [ $# -gt 0 ]; do
    if [ "$1" = "--test" ] && [ "${2:-}" = "validate-modules" ]; then shift 2; continue; fi
    others+=("$1"); shift
  done
  if [ ${#others[@]} -gt 0 ] && [[ " ${others[*]} " == *" --test "* ]]; then
    "${ansible_test[@]}" "${others[@]}"
  fi
fi
