#!/usr/bin/env bash
# Set up everything the demo and the tests need, on a machine with only Python 3.11:
#   - .venv with the exact tested versions (requirements-test.txt), rebuilt when that file changes;
#   - .cache/collections/ansible_collections/azure_backup/recovery_services -> this checkout;
#   - the offline get-pip stand-in ansible-test needs (see tests/utils/get_pip_offline.py).
# Safe to run again; it only does what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
cd "$ROOT"

stamp=".venv/.requirements-test.sha256"
wanted="$(sha256sum requirements-test.txt | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "bootstrap: creating .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
  echo "$wanted" > "$stamp"
fi

collections="$ROOT/.cache/collections/ansible_collections/azure_backup"
mkdir -p "$collections"
ln -sfn "$ROOT" "$collections/recovery_services"

get_pip_cache="$HOME/.ansible/test/cache"
mkdir -p "$get_pip_cache"
cp tests/utils/get_pip_offline.py "$get_pip_cache/get_pip_24_2.py"
