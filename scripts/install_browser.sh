#!/usr/bin/env bash
# Install the headless browser the audit report's test opens the HTML with: Debian's chromium.
# Idempotent: returns at once when chromium is already on PATH. Needs root (or sudo) the first time.
# Prints the path of the chromium executable.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package, once)" >&2
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show chromium >/dev/null 2>&1; then
    "${as_root[@]}" apt-get update -qq >&2
  fi
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2 || {
    "${as_root[@]}" apt-get update -qq >&2
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
  }
fi
command -v chromium
