# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What one task may reuse from the last: a custom cloud's metadata document, and (opt-in) tokens.

Every task is a fresh Python process, so without a cache each one re-reads ``/metadata/endpoints``
and signs in again.

* The metadata document is public (endpoints and audiences, no secret): it is kept as a file in the
  user's cache directory, keyed by its URL, for ``METADATA_CACHE_SECONDS``.
* Tokens are secrets: they are cached only when the user asks (``token_cache``), through
  azure-identity's own persistent cache, encrypted by the operating system's keyring, or in a
  plain file readable only by the user when they say ``unencrypted``.
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import quote

METADATA_CACHE_SECONDS = 3600
CACHE_DIR_VARIABLE = "AZURE_BACKUP_CACHE_DIR"
TOKEN_CACHE_CHOICES = ("none", "encrypted", "unencrypted")
TOKEN_CACHE_NAME = "azure_backup.recovery_services"


def cache_directory(environ=None):
    """``$AZURE_BACKUP_CACHE_DIR``, else ``$XDG_CACHE_HOME/azure_backup.recovery_services``, else ``~/.cache/...``."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_VARIABLE):
        return env[CACHE_DIR_VARIABLE]
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "azure_backup.recovery_services")


def metadata_cache_path(url, environ=None):
    """One file per URL, its name the URL itself, quoted (no hashing: every task pays for what it imports)."""
    return os.path.join(cache_directory(environ), "cloud-metadata-" + quote(url, safe="")[:200] + ".json")


def read_cached_metadata(url, environ=None, now=None):
    """The document cached for ``url`` if it is younger than METADATA_CACHE_SECONDS, else None."""
    path = metadata_cache_path(url, environ)
    try:
        if (now or time.time()) - os.stat(path).st_mtime > METADATA_CACHE_SECONDS:
            return None
        with open(path, encoding="utf-8") as handle:
            cached = json.load(handle)
    except (OSError, ValueError):
        return None
    return cached.get("document") if isinstance(cached, dict) and cached.get("url") == url else None


def write_cached_metadata(url, document, environ=None):
    """Keep ``document`` for the next task; a cache that cannot be written is simply not used."""
    from ansible_collections.azure_backup.recovery_services.plugins.module_utils._files import (  # pylint: disable=import-outside-toplevel
        write_file_atomically,
    )

    path = metadata_cache_path(url, environ)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        write_file_atomically(path, json.dumps({"url": url, "document": document}).encode("utf-8"), mode=0o600)
    except OSError:
        pass


def token_cache_options(choice):
    """Keyword arguments for an azure-identity credential that caches tokens as ``choice`` says ({} for none)."""
    if choice in (None, "none"):
        return {}
    from azure.identity import TokenCachePersistenceOptions  # pylint: disable=import-outside-toplevel

    return {"cache_persistence_options": TokenCachePersistenceOptions(name=TOKEN_CACHE_NAME, allow_unencrypted_storage=choice == "unencrypted")}
