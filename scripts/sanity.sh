#!/usr/bin/env bash
# ansible-test sanity needs the collection under .../ansible_collections/<ns>/<name>/.
# Copy the files git knows (tracked and new, not ignored) into such a tree and run it there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Outside the checkout: inside it, ansible-test would ask git and skip ignored paths.
tree="${TMPDIR:-/tmp}/azure_backup_sanity_$(id -u)/ansible_collections/azure_backup/recovery_services"
rm -rf "$tree" && mkdir -p "$tree"
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [ -e "$file" ] && { mkdir -p "$tree/$(dirname "$file")"; cp -p "$file" "$tree/$file"; }
done
cd "$tree"
"$ROOT/.venv/bin/ansible-test" sanity --venv --python 3.11 "$@"
