#!/usr/bin/env bash
# The release's changelog (changelogs/changelog.yaml, CHANGELOG.md) with antsibull-changelog, from the
# release tools' venv. Run it again whenever fragments were added. See scripts/release_changelog.py.
#   scripts/release_changelog.sh [--check]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$("$ROOT/scripts/tool_venv.sh")"
exec "$tools/python" "$ROOT/scripts/release_changelog.py" "$@"
