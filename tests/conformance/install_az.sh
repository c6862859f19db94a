#!/usr/bin/env bash
# Install the pinned az CLI (requirements-az.txt) into its own venv, .cache/az-cli, once.
# The venv is kept between runs and rebuilt only when the pin file changes (its hash is stamped
# in the venv). Prints the path of the az executable.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PINS="$ROOT/tests/conformance/requirements-az.txt"
VENV="$ROOT/.cache/az-cli"
STAMP="$VENV/.pins-sha256"
wanted="$(sha256sum "$PINS" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/az" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]; then
  echo "installing the az CLI into $VENV (a few minutes, once)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$PINS" >&2
  echo "$wanted" > "$STAMP"
fi
echo "$VENV/bin/az"
