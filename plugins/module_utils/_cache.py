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
* ``CachedTokenCredential`` serves a service principal's token from that plain file without importing
  azure-identity (~0.4 s a task: its package imports every credential class, MSAL and
  ``cryptography.x509``); on a miss, or when ARM rejects the token, it hands over to the azure-identity
  credential, which signs in and writes the cache as before.  It only reads: one cache, one writer.
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
# azure-identity keeps tokens requested without Continuous Access Evaluation (as ARM clients request them)
# in <name>.nocae under ~/.IdentityService on Linux (its _persistent_cache module).
IDENTITY_CACHE_FILE = os.path.join("~", ".IdentityService", TOKEN_CACHE_NAME + ".nocae")
# A cached token is served only while it has this long to live: azure-core's authentication policy
# renews a token 300 s before it expires, so a shorter-lived one would be replaced at once.
TOKEN_MARGIN_SECONDS = 300


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


def identity_cache_path():
    """Where azure-identity keeps the ``unencrypted`` token cache (``~`` is ``$HOME``)."""
    return os.path.expanduser(IDENTITY_CACHE_FILE)


def _private_json(path):
    """The JSON in ``path`` if it is a regular file owned by this user that nobody else can read or write, else None.

    A file others could write might hold a token of another principal; a partly written file (msal-extensions
    rewrites it in place) or the empty signal file libsecret leaves (tokens in the keyring) is simply a miss.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            status = os.fstat(handle.fileno())
            if not os.path.isfile(path) or status.st_uid != os.getuid() or status.st_mode & 0o077:
                return None
            return json.load(handle)
    except (OSError, ValueError):
        return None


def read_cached_app_token(authority, tenant, client_id, scope, path=None, now=None):
    """A service principal's access token from azure-identity's plain-file cache: ``(token, expires_on, refresh_on)`` or None.

    Matches what MSAL itself would serve the same ``ClientSecretCredential``: an application token
    (no user account) of ``client_id`` in ``tenant`` issued by ``authority``'s host for ``scope``, as a
    plain bearer token, with more than TOKEN_MARGIN_SECONDS to live and not yet due for MSAL's
    proactive refresh (``refresh_on``).  The latest-expiring match wins.
    """
    from urllib.parse import urlparse  # pylint: disable=import-outside-toplevel

    document = _private_json(path or identity_cache_path())
    if not isinstance(document, dict) or not isinstance(document.get("AccessToken"), dict):
        return None
    now = time.time() if now is None else now
    environment = (urlparse(authority).hostname or "").lower()
    best = None
    for entry in document["AccessToken"].values():
        if not isinstance(entry, dict) or entry.get("home_account_id") or entry.get("key_id"):
            continue
        if (entry.get("credential_type") != "AccessToken" or (entry.get("token_type") or "Bearer").lower() != "bearer"
                or str(entry.get("environment", "")).lower() != environment or str(entry.get("client_id", "")).lower() != client_id.lower()
                or str(entry.get("realm", "")).lower() != tenant.lower() or scope not in str(entry.get("target", "")).split()):
            continue
        try:
            expires_on = int(entry["expires_on"])
            refresh_on = int(entry["refresh_on"]) if entry.get("refresh_on") else None
        except (KeyError, TypeError, ValueError):
            continue
        if expires_on - now <= TOKEN_MARGIN_SECONDS or (refresh_on is not None and refresh_on <= now) or not entry.get("secret"):
            continue
        if best is None or expires_on > best[1]:
            best = (entry["secret"], expires_on, refresh_on)
    return best


class CachedTokenCredential:
    """An azure-core token credential: a cached token when ``lookup`` finds one, else the credential ``build`` returns.

    ``lookup(scope)`` returns ``(token, expires_on, refresh_on)`` or None; ``build()`` makes the
    azure-identity credential (importing azure-identity) the first time a token is not in the cache,
    or when a request carries claims: ARM rejected the cached token (``_retry.TokenRefreshPolicy``),
    so azure-identity must get a new one past every cache.
    """

    def __init__(self, lookup, build):
        self._lookup = lookup
        self._build = build
        self._credential = None

    def _fallback(self):
        if self._credential is None:
            self._credential = self._build()
        return self._credential

    def get_token_info(self, *scopes, options=None):
        from azure.core.credentials import AccessTokenInfo  # pylint: disable=import-outside-toplevel

        options = options or {}
        if len(scopes) == 1 and not any(options.get(key) for key in ("claims", "tenant_id", "enable_cae", "pop")):
            cached = self._lookup(scopes[0])
            if cached is not None:
                token, expires_on, refresh_on = cached
                return AccessTokenInfo(token, expires_on, refresh_on=refresh_on)
        return self._fallback().get_token_info(*scopes, options=options)

    def get_token(self, *scopes, claims=None, tenant_id=None, enable_cae=False, **kwargs):  # pylint: disable=unused-argument
        """The older protocol azure-core falls back to; the same answer as ``get_token_info``."""
        from azure.core.credentials import AccessToken  # pylint: disable=import-outside-toplevel

        options = {key: value for key, value in (("claims", claims), ("tenant_id", tenant_id), ("enable_cae", enable_cae)) if value}
        info = self.get_token_info(*scopes, options=options)
        return AccessToken(info.token, info.expires_on)

    def close(self):
        if self._credential is not None and hasattr(self._credential, "close"):
            self._credential.close()
