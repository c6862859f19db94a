"""The cloud-metadata cache and the token-cache choice."""

import os

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _cache as cache

URL = "https://arm.local:8443/metadata/endpoints?api-version=2022-09-01"
DOCUMENT = [{"name": "Stack", "resourceManager": "https://arm.local:8443/", "authentication": {"loginEndpoint": "https://login/"}}]


def test_cache_directory_follows_the_variables(tmp_path):
    assert cache.cache_directory({"AZURE_BACKUP_CACHE_DIR": str(tmp_path)}) == str(tmp_path)
    assert cache.cache_directory({"XDG_CACHE_HOME": "/x"}) == "/x/azure_backup.recovery_services"


def test_a_written_document_is_read_back_until_it_expires(tmp_path):
    env = {"AZURE_BACKUP_CACHE_DIR": str(tmp_path / "cache")}
    assert cache.read_cached_metadata(URL, env) is None
    cache.write_cached_metadata(URL, DOCUMENT, env)
    assert cache.read_cached_metadata(URL, env) == DOCUMENT
    path = cache.metadata_cache_path(URL, env)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700
    later = os.stat(path).st_mtime + cache.METADATA_CACHE_SECONDS + 1
    assert cache.read_cached_metadata(URL, env, now=later) is None


def test_each_url_has_its_own_entry(tmp_path):
    env = {"AZURE_BACKUP_CACHE_DIR": str(tmp_path)}
    cache.write_cached_metadata(URL, DOCUMENT, env)
    assert cache.read_cached_metadata(URL.replace("8443", "9443"), env) is None


def test_a_damaged_or_unwritable_cache_is_ignored(tmp_path):
    env = {"AZURE_BACKUP_CACHE_DIR": str(tmp_path)}
    with open(cache.metadata_cache_path(URL, env), "w", encoding="utf-8") as handle:
        handle.write("{not json")
    assert cache.read_cached_metadata(URL, env) is None
    blocked = tmp_path / "file"
    blocked.write_text("")
    cache.write_cached_metadata(URL, DOCUMENT, {"AZURE_BACKUP_CACHE_DIR": str(blocked / "sub")})


def test_token_cache_choices():
    assert cache.token_cache_options("none") == {}
    assert cache.token_cache_options(None) == {}
    unencrypted = cache.token_cache_options("unencrypted")["cache_persistence_options"]
    assert unencrypted.allow_unencrypted_storage is True
    assert unencrypted.name == cache.TOKEN_CACHE_NAME
    assert cache.token_cache_options("encrypted")["cache_persistence_options"].allow_unencrypted_storage is False


NOW = 1_800_000_000
AUTHORITY = "https://login.local:8443"
SCOPE = "https://management.core.windows.net/.default"


def msal_entry(**changes):
    """An application token as MSAL writes it into azure-identity's persistent cache."""
    entry = {"credential_type": "AccessToken", "secret": "cached-token", "home_account_id": None, "environment": "login.local",
             "client_id": "app", "target": SCOPE, "realm": "tenant-1", "token_type": "Bearer",
             "cached_at": str(NOW - 60), "expires_on": str(NOW + 3000), "extended_expires_on": str(NOW + 3000)}
    entry.update(changes)
    return entry


def write_token_cache(tmp_path, *entries, mode=0o600):
    import json  # pylint: disable=import-outside-toplevel

    path = tmp_path / "cache.nocae"
    path.write_text(json.dumps({"AccessToken": {f"key-{number}": entry for number, entry in enumerate(entries)}, "AppMetadata": {}}))
    path.chmod(mode)
    return str(path)


def lookup(path, tenant="tenant-1", client_id="app", authority=AUTHORITY, scope=SCOPE):
    return cache.read_cached_app_token(authority, tenant, client_id, scope, path=path, now=NOW)


def test_a_cached_application_token_is_found_for_the_same_principal_authority_and_scope(tmp_path):
    path = write_token_cache(tmp_path, msal_entry())
    assert lookup(path) == ("cached-token", NOW + 3000, None)
    assert lookup(path, tenant="TENANT-1", client_id="APP") is not None
    for other in ({"tenant": "tenant-2"}, {"client_id": "other-app"}, {"authority": "https://login.other"}, {"scope": "https://vault.azure.net/.default"}):
        assert lookup(path, **other) is None, other


@pytest.mark.parametrize("changes", [
    {"home_account_id": "user.tenant"},  # a user's token
    {"key_id": "k1", "token_type": "pop"},  # a proof-of-possession token
    {"expires_on": str(NOW + cache.TOKEN_MARGIN_SECONDS)},  # too close to its expiry
    {"refresh_on": str(NOW - 1)},  # MSAL would refresh it now
    {"expires_on": "soon"},
    {"secret": ""},
])
def test_tokens_msal_would_not_serve_are_not_served(tmp_path, changes):
    assert lookup(write_token_cache(tmp_path, msal_entry(**changes))) is None


def test_the_latest_expiring_match_wins(tmp_path):
    path = write_token_cache(tmp_path, msal_entry(secret="old", expires_on=str(NOW + 1000)), msal_entry(secret="new", refresh_on=str(NOW + 10)))
    assert lookup(path) == ("new", NOW + 3000, NOW + 10)


def test_a_file_others_may_read_or_a_damaged_file_is_a_miss(tmp_path):
    assert lookup(write_token_cache(tmp_path, msal_entry(), mode=0o644)) is None
    damaged = tmp_path / "damaged"
    damaged.write_text('{"AccessToken": {"key": ')
    damaged.chmod(0o600)
    assert lookup(str(damaged)) is None
    assert lookup(str(tmp_path / "missing")) is None


class RecordingCredential:
    """Stands in for the azure-identity credential the fallback builds."""

    def __init__(self):
        self.calls = []

    def get_token_info(self, *scopes, options=None):
        from azure.core.credentials import AccessTokenInfo  # pylint: disable=import-outside-toplevel

        self.calls.append((scopes, options))
        return AccessTokenInfo("fresh-token", NOW + 3600)


def test_cached_token_credential_serves_the_cache_and_falls_back_once_built():
    answers = {SCOPE: ("cached-token", NOW + 3000, None)}
    built = []

    def build():
        built.append(RecordingCredential())
        return built[-1]

    credential = cache.CachedTokenCredential(answers.get, build)
    assert credential.get_token_info(SCOPE).token == "cached-token"
    assert credential.get_token(SCOPE).token == "cached-token"
    assert not built
    assert credential.get_token_info(SCOPE, options={"claims": '{"access_token": {}}'}).token == "fresh-token"
    assert credential.get_token_info("https://vault.azure.net/.default").token == "fresh-token"
    assert len(built) == 1 and built[0].calls[0][1] == {"claims": '{"access_token": {}}'}
