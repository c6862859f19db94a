#!/usr/bin/env bash
# Set up everything the demo and the tests need, on a machine with only Python 3.11:
#   - .venv with the exact tested versions (requirements-test.txt), rebuilt when that file changes;
#   - .cache/collections/ansible_collections/azure_backup/recovery_services -> this checkout;
#   - the offline get-pip stand-in ansible-test needs (see tests/utils/get_pip_offline.py).
# `scripts/bootstrap.sh LEG` (2.20, 2.18: README "Support matrix") sets up one more leg of the
# matrix instead of .venv: .cache/venv-LEG from requirements-test-LEG.txt, with the Python that
# file's "# python: X.Y" line names (found on PATH or under pyenv). scripts/test.sh calls it only
# when that leg runs.
# Safe to run again; it only does what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
leg="${1:-}"

# The interpreter for Python X.Y: pythonX.Y if it runs (pyenv's shims only run the global
# version), else the newest pyenv install of X.Y.
find_python() {
  local candidate
  for candidate in "python$1" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$1".*/bin/"python$1" 2>/dev/null | sort -rV); do
    if "$candidate" -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" != sys.argv[1])' "$1" >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  echo "bootstrap: Python $1 is needed (python$1 on PATH, or under pyenv) and was not found" >&2
  return 1
}

if [ -z "$leg" ]; then
  venv=.venv
  lock=requirements-test.txt
  PYTHON="${PYTHON:-python3.11}"
  command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
else
  venv=".cache/venv-$leg"
  lock="requirements-test-$leg.txt"
  [ -f "$lock" ] || { echo "bootstrap: no $lock for leg $leg" >&2; exit 2; }
  PYTHON="$(find_python "$(sed -n 's/^# python: *//p' "$lock")")"
fi

stamp="$venv/.requirements-test.sha256"
wanted="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "bootstrap: creating $venv with $("$PYTHON" --version) from $lock" >&2
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock"
  echo "$wanted" > "$stamp"
fi

collections="$ROOT/.cache/collections/ansible_collections/azure_backup"
mkdir -p "$collections"
ln -sfn "$ROOT" "$collections/recovery_services"

# ansible-test looks for get-pip.py of the pip version it pins, in its cache, before downloading it.
get_pip_cache="$HOME/.ansible/test/cache"
mkdir -p "$get_pip_cache"
for requirements in "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py; do
  pip_version="$(sed -n "s/^ *pip='\([0-9.]*\)',$/\1/p" "$requirements" | head -n 1)"
  cp tests/utils/get_pip_offline.py "$get_pip_cache/get_pip_${pip_version//./_}.py"
done
