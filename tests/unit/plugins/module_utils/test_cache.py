"""The cloud-metadata cache and the token-cache choice."""

import os

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
