#!/usr/bin/env bash
# The release tools' venv, .cache/tools, from scripts/tools/requirements.txt (exact pins), rebuilt when
# that file changes; kept apart from .venv so changing a tool never rebuilds the test suite's venv.
# Prints the venv's bin directory:
#   "$(scripts/tool_venv.sh)/antsibull-changelog" lint
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
venv="$ROOT/.cache/tools"
requirements="$ROOT/scripts/tools/requirements.txt"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "tool_venv: creating $venv" >&2
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$wanted" > "$stamp"
fi
echo "$venv/bin"
