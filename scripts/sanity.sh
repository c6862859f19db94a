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
# validate-modules reads a PowerShell module's argument spec by running pwsh, which this
# machine cannot have: without pwsh, leave the .ps1 files out (their .py documentation is
# still validated; tests/unit/powershell parses every .ps1/.psm1).
exclude=()
if ! command -v pwsh >/dev/null 2>&1; then
  for module in plugins/modules/*.ps1; do
    [ -e "$module" ] && exclude+=(--exclude "$module")
  done
  [ ${#exclude[@]} -eq 0 ] || echo "sanity.sh: pwsh not found, PowerShell modules left out of ansible-test sanity" >&2
fi
"$ROOT/.venv/bin/ansible-test" sanity --venv --python 3.11 "${exclude[@]}" "$@"
