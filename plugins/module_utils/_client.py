# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way this collection talks to Azure.

Private to the collection (underscore name): not an API for other collections.

* ``AzureSession`` resolves credentials and the cloud once per task and builds SDK
  clients on first use.  Nothing here imports an Azure SDK at import time: every
  task is a fresh Python process, so each module pays only for the SDKs it uses.
* Every client gets the collection's pipeline policies: patient retries within ``retry_timeout``
  (``_retry``), a new token when ARM says the token expired (``_retry``) and pacing by ARM's
  rate-limit headers (``_pacing``).  LROs without ``Retry-After`` poll adaptively (``_polling``).
* ``AzureSession.call`` runs one SDK call and turns every Azure failure (``azure.core.exceptions``)
  into ``AzureOperationError`` that names the operation, HTTP status, ARM code and message.
  Anything else is a bug and propagates as one.
* ``AzureSession.send`` sends one raw ARM request through a bare ARM pipeline with those same policies: a
  task that only reads (an unchanged vault, a status URL) imports azure-core but no azure-mgmt-* SDK,
  whose import and set-up cost about as much as the rest of the task.
* ``AzureSession.wait_for_operation`` awaits Azure's "202 + Azure-AsyncOperation /
  Location" pattern for the backup calls the SDK does not model as pollers; ``finish`` awaits an
  SDK poller within one deadline.
"""

from __future__ import annotations

import os
import re
import sys
import time
from urllib.parse import parse_qs, urlparse

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._cache import (
    TOKEN_CACHE_CHOICES,
    CachedTokenCredential,
    read_cached_app_token,
    read_cached_metadata,
    token_cache_options,
    write_cached_metadata,
)
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._polling import poll_delays, retry_after_seconds

# Clouds Azure publishes.  A custom cloud is given as its ARM endpoint URL and
# resolved from that endpoint's /metadata/endpoints document.
KNOWN_CLOUDS = {
    "AzureCloud": {
        "resource_manager": "https://management.azure.com",
        "authority": "https://login.microsoftonline.com",
        "audience": "https://management.azure.com",
    },
    "AzureUSGovernment": {
        "resource_manager": "https://management.usgovcloudapi.net",
        "authority": "https://login.microsoftonline.us",
        "audience": "https://management.usgovcloudapi.net",
    },
    "AzureChinaCloud": {
        "resource_manager": "https://management.chinacloudapi.cn",
        "authority": "https://login.chinacloudapi.cn",
        "audience": "https://management.chinacloudapi.cn",
    },
}
CLOUD_ALIASES = {"azurepubliccloud": "AzureCloud", "azureusgovernmentcloud": "AzureUSGovernment"}

AUTH_SOURCES = ["auto", "env", "cli", "msi", "workload_identity", "credential_file"]
AUTH_SOURCE_VARIABLE = "ANSIBLE_AZURE_AUTH_SOURCE"
CERT_VALIDATION_MODES = ("validate", "ignore")
# The Azure CLI's public client id: azure-identity and azure.azcollection sign users in with it when no client_id is given.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
# azure.azcollection's profiles file (INI: one section per profile, keys named as the options) and its variable.
CREDENTIALS_FILE = os.path.join("~", ".azure", "credentials")
PROFILE_VARIABLE = "AZURE_PROFILE"
# What a profile section may set, as azure.azcollection reads it.
PROFILE_KEYS = ("subscription_id", "client_id", "secret", "tenant", "ad_user", "password", "cloud_environment", "cert_validation_mode",
                "adfs_authority_url", "x509_certificate_path", "thumbprint", "disable_instance_discovery")
# One way to sign in comes whole from one place (options, else profile, else environment): a secret from the
# environment never pairs with a certificate given as an option.  Option name -> environment variables.
SIGN_IN_FIELDS = {
    "secret": ("AZURE_SECRET", "AZURE_CLIENT_SECRET"),
    "x509_certificate_path": ("AZURE_X509_CERTIFICATE_PATH",),
    "thumbprint": ("AZURE_THUMBPRINT",),
    "ad_user": ("AZURE_AD_USER",),
    "password": ("AZURE_PASSWORD",),
}

# Client name -> (import path, class name).  Imported lazily, on first use.
SDK_CLIENTS = {
    "recoveryservices": ("azure.mgmt.recoveryservices", "RecoveryServicesClient"),
    "backup": ("azure.mgmt.recoveryservicesbackup", "RecoveryServicesBackupClient"),
    "compute": ("azure.mgmt.compute", "ComputeManagementClient"),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient"),
}

# The user agent's product token on raw requests (``AzureSession.send``); SDK clients send their own.
USER_AGENT_MONIKER = "ansible-azure-backup-recovery-services"

# The SDK clients' polling_interval, for a poller built without our adaptive polling method
# (azure-core's own default is 30 s).  AzureSession.call gives begin_* calls adaptive polling.
DEFAULT_POLL_SECONDS = 5

# Seconds one request may spend retrying throttling, server errors and dropped connections.
DEFAULT_RETRY_TIMEOUT = 300
RETRY_TIMEOUT_VARIABLE = "AZURE_BACKUP_RETRY_TIMEOUT"
TOKEN_CACHE_VARIABLE = "AZURE_BACKUP_TOKEN_CACHE"
METADATA_API_VERSION = "2022-09-01"
# Statuses (and connection failures) PatientRetryPolicy retries: a failure with one of them has used the budget.
RETRIED_STATUSES = (408, 429, 500, 502, 503, 504)

TERMINAL_STATUSES = ("succeeded", "failed", "canceled", "cancelled")

AUTH_ARGUMENT_SPEC = dict(
    auth_source=dict(type="str", choices=AUTH_SOURCES),
    profile=dict(type="str"),
    subscription_id=dict(type="str"),
    client_id=dict(type="str"),
    secret=dict(type="str", no_log=True),
    tenant=dict(type="str"),
    x509_certificate_path=dict(type="path"),
    thumbprint=dict(type="str"),
    ad_user=dict(type="str"),
    password=dict(type="str", no_log=True),
    cloud_environment=dict(type="str"),
    authority=dict(type="str", aliases=["adfs_authority_url"]),
    disable_instance_discovery=dict(type="bool"),
    ca_bundle=dict(type="path"),
    cert_validation_mode=dict(type="str", choices=list(CERT_VALIDATION_MODES)),
    retry_timeout=dict(type="int"),
    token_cache=dict(type="str", choices=list(TOKEN_CACHE_CHOICES)),
    # azure.azcollection's options that do not apply here, accepted (and ignored) so its module_defaults work unchanged.
    api_profile=dict(type="str"),
    log_mode=dict(type="str"),
    log_path=dict(type="str"),
)


class AzureOperationError(Exception):
    """An Azure call failed; the text says which operation and why."""

    def __init__(self, operation, message, status=None, code=None):
        self.operation = operation
        self.status = status
        self.code = code
        self.azure_message = message
        where = " ".join(str(part) for part in (f"HTTP {status}" if status else None, code) if part)
        super().__init__(f"{operation} failed" + (f" ({where})" if where else "") + f": {message}")


class OperationOutcomeUnknown(AzureOperationError):
    """Polling an operation failed or timed out: Azure may still finish it (or have finished it).

    Raised by ``wait_for_operation`` after its ``confirm`` callable (if any) could not show the
    result either; callers that can re-read the resource should do so before reporting a failure.
    """


class AzureConfigurationError(Exception):
    """The task's authentication or cloud options cannot work."""


def _first_set(*values):
    for value in values:
        if value:
            return value
    return None


def resolve_settings(params, environ=None, credentials_file=None):
    """Merge module options, an azure.azcollection profile and the environment variables AWX and azure.azcollection use.

    Options win, then the profile (option ``profile``, ``AZURE_PROFILE``, or the ``default`` section when
    ``auth_source=credential_file`` or when ``auto`` finds no credential elsewhere), then the environment.
    AWX's Azure credential injects AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT (or
    AZURE_AD_USER / AZURE_PASSWORD) and AZURE_CLOUD_ENVIRONMENT; azure-identity itself reads AZURE_TENANT_ID /
    AZURE_CLIENT_SECRET, so both spellings are accepted.  Contradictory options are refused here, before any
    request.  Returns a plain dict so it can be unit tested.
    """
    env = os.environ if environ is None else environ
    source = _first_set(params.get("auth_source"), env.get(AUTH_SOURCE_VARIABLE), "auto")
    if source not in AUTH_SOURCES:
        raise AzureConfigurationError(f"{AUTH_SOURCE_VARIABLE} must be one of {', '.join(AUTH_SOURCES)}, not {source!r}")
    check_sign_in_options(params, source)
    env_fields = {name: _first_set(*(env.get(variable) for variable in variables)) for name, variables in SIGN_IN_FIELDS.items()}
    profile = _profile_for(params, env, source, env_fields, credentials_file)
    sign_in = next((fields for fields in ({name: params.get(name) for name in SIGN_IN_FIELDS}, profile, env_fields)
                    if any(fields.get(name) for name in SIGN_IN_FIELDS)), {})

    def pick(name, *variables):
        return _first_set(params.get(name), profile.get(name), *(env.get(variable) for variable in variables))

    return {
        "auth_source": source,
        "profile": profile.get("name"),
        "subscription_id": pick("subscription_id", "AZURE_SUBSCRIPTION_ID"),
        "client_id": pick("client_id", "AZURE_CLIENT_ID"),
        "secret": sign_in.get("secret"),
        "tenant": pick("tenant", "AZURE_TENANT", "AZURE_TENANT_ID"),
        "x509_certificate_path": sign_in.get("x509_certificate_path"),
        "thumbprint": sign_in.get("thumbprint"),
        "ad_user": sign_in.get("ad_user"),
        "ad_password": sign_in.get("password"),
        "cloud_environment": _first_set(pick("cloud_environment", "AZURE_CLOUD_ENVIRONMENT"), "AzureCloud"),
        "authority": _first_set(params.get("authority"), profile.get("adfs_authority_url"), env.get("AZURE_AUTHORITY_HOST"),
                                env.get("AZURE_ADFS_AUTHORITY_URL")),
        "disable_instance_discovery": _flag("disable_instance_discovery", params.get("disable_instance_discovery"),
                                            profile.get("disable_instance_discovery"), env.get("AZURE_DISABLE_INSTANCE_DISCOVERY")),
        "ca_bundle": params.get("ca_bundle"),
        "cert_validation_mode": _cert_validation_mode(pick("cert_validation_mode", "AZURE_CERT_VALIDATION_MODE")),
        "retry_timeout": _retry_timeout(params.get("retry_timeout"), env.get(RETRY_TIMEOUT_VARIABLE)),
        "token_cache": _first_set(params.get("token_cache"), env.get(TOKEN_CACHE_VARIABLE), "none"),
    }


def check_one_way_to_sign_in(values, where=""):
    """Refuse two ways to sign in at once, or half of one, among ``values`` (options, or a profile named by ``where``)."""
    given = [name for name in ("secret", "x509_certificate_path", "ad_user") if values.get(name)]
    if bool(values.get("ad_user")) != bool(values.get("password")):
        raise AzureConfigurationError(f"ad_user and password go together{where}: give both to sign in as a user, or neither")
    if values.get("thumbprint") and not values.get("x509_certificate_path"):
        raise AzureConfigurationError(f"thumbprint names the certificate in x509_certificate_path{where}: give x509_certificate_path too")
    if len(given) > 1:
        names = " and ".join("ad_user/password" if name == "ad_user" else name for name in given)
        raise AzureConfigurationError(f"{names} are different ways to sign in{where}: give only one of secret, x509_certificate_path, ad_user/password")
    return given


def check_sign_in_options(params, source):
    """Refuse options that contradict each other, naming them (before any file is read or request sent)."""
    given = check_one_way_to_sign_in(params)
    if given and params.get("profile"):
        raise AzureConfigurationError(f"profile and {given[0]} are different ways to sign in: give the profile, or the credential options, not both")
    if source in ("cli", "msi", "workload_identity"):
        unused = [name for name in ("secret", "x509_certificate_path", "ad_user", "profile") if params.get(name)]
        if unused:
            raise AzureConfigurationError(f"auth_source={source} does not use {', '.join(unused)}: remove it, or use auth_source=auto")
    if source == "env" and params.get("profile"):
        raise AzureConfigurationError("auth_source=env reads only the environment: profile needs auth_source auto or credential_file")
    if params.get("cert_validation_mode") == "ignore" and params.get("ca_bundle"):
        raise AzureConfigurationError("cert_validation_mode=ignore turns certificate checks off, so ca_bundle would not be used: give one of them")


def _profile_for(params, env, source, env_fields, credentials_file):
    """The azure.azcollection profile this task reads (a dict with its ``name``), or {} when none applies."""
    name = params.get("profile") or env.get(PROFILE_VARIABLE)
    if source in ("cli", "msi", "workload_identity"):
        return {}
    if name or source == "credential_file":
        profile = read_profile(name or "default", credentials_file, required=True)
        check_one_way_to_sign_in(profile, f" (profile {profile['name']!r} of {credentials_file or CREDENTIALS_FILE})")
        return profile
    has_credential = any(params.get(field) for field in SIGN_IN_FIELDS) or any(env_fields.values())
    if source == "auto" and not has_credential:
        profile = read_profile("default", credentials_file, required=False)
        # As azure.azcollection: the default section counts only when it names a subscription.
        return profile if profile.get("subscription_id") else {}
    return {}


def read_profile(name, path=None, required=True):
    """Section ``name`` of ``~/.azure/credentials`` (INI, as azure.azcollection reads it) with its ``name``.

    A missing file or section is an error naming them when ``required``, else {}.
    """
    import configparser  # pylint: disable=import-outside-toplevel

    path = path or os.path.expanduser(CREDENTIALS_FILE)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        found = parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        raise AzureConfigurationError(f"{path} cannot be read as an INI file of profiles: {error}") from error
    if not parser.has_section(name):
        if not required:
            return {}
        where = f"has no [{name}] section (it has: {', '.join(parser.sections()) or 'none'})" if found else "does not exist"
        raise AzureConfigurationError(f"profile {name!r} (profile or {PROFILE_VARIABLE}) cannot be used: {path} {where}")
    section = dict(parser.items(name))
    unknown = sorted(set(section) - set(PROFILE_KEYS))
    if unknown:
        raise AzureConfigurationError(f"profile {name!r} in {path} has unknown keys {', '.join(unknown)}: allowed are {', '.join(PROFILE_KEYS)}")
    return dict({key: value for key, value in section.items() if value}, name=name)


def _flag(name, *values):
    """The first of ``values`` that is set, as a bool (profile and environment give strings such as "true")."""
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "1", "on"):
            return True
        if str(value).lower() in ("false", "no", "0", "off"):
            return False
        raise AzureConfigurationError(f"{name} must be true or false, not {value!r}")
    return False


def _cert_validation_mode(value):
    mode = (value or "validate").lower()
    if mode not in CERT_VALIDATION_MODES:
        raise AzureConfigurationError(f"cert_validation_mode (or AZURE_CERT_VALIDATION_MODE) must be validate or ignore, not {value!r}")
    return mode


def _retry_timeout(option, variable):
    """The retry budget in seconds: the option, else the environment variable, else the default."""
    value = option if option is not None else variable
    if value in (None, ""):
        return DEFAULT_RETRY_TIMEOUT
    try:
        seconds = int(value)
    except ValueError as error:
        raise AzureConfigurationError(f"{RETRY_TIMEOUT_VARIABLE} must be a whole number of seconds, not {value!r}") from error
    if seconds < 0:
        raise AzureConfigurationError(f"retry_timeout must be 0 (no retries) or more seconds, not {seconds}")
    return seconds


def is_custom_cloud(cloud_environment):
    return cloud_environment.lower().startswith("https://") or cloud_environment.lower().startswith("http://")


def known_cloud(cloud_environment):
    """Return the endpoints of a named cloud, or raise naming the allowed values."""
    name = CLOUD_ALIASES.get(cloud_environment.lower(), cloud_environment)
    for known_name, endpoints in KNOWN_CLOUDS.items():
        if known_name.lower() == name.lower():
            return dict(endpoints, name=known_name)
    allowed = ", ".join(KNOWN_CLOUDS)
    raise AzureConfigurationError(
        f"cloud_environment '{cloud_environment}' is not known: use one of {allowed}, or the https:// URL of a custom cloud's Resource Manager"
    )


def cloud_from_metadata(resource_manager_url, metadata_document):
    """Pick this cloud out of a /metadata/endpoints document (list or legacy object form)."""
    wanted = resource_manager_url.rstrip("/").lower()
    clouds = metadata_document if isinstance(metadata_document, list) else [metadata_document]
    chosen = None
    for cloud in clouds:
        if (cloud.get("resourceManager") or "").rstrip("/").lower() == wanted:
            chosen = cloud
            break
    chosen = chosen or clouds[0]
    authentication = chosen.get("authentication") or {}
    audiences = authentication.get("audiences") or [resource_manager_url]
    login = authentication.get("loginEndpoint")
    if not login:
        raise AzureConfigurationError(f"{resource_manager_url}/metadata/endpoints has no authentication.loginEndpoint")
    return {
        "name": chosen.get("name") or "custom",
        "resource_manager": resource_manager_url.rstrip("/"),
        "authority": login.rstrip("/"),
        "audience": audiences[0].rstrip("/"),
    }


def fetch_cloud_metadata(resource_manager_url, ca_bundle, retry_timeout=DEFAULT_RETRY_TIMEOUT, verify=True):
    """Read a custom cloud's endpoints the way azure-cli does (`az cloud register --cloud-config`).

    The document is public and rarely changes, so it is cached across tasks (``_cache``).  The fetch
    runs through azure-core with the same patient retries as every ARM request; ``verify=False``
    (``cert_validation_mode=ignore``) skips the TLS certificate check.
    """
    url = resource_manager_url.rstrip("/") + f"/metadata/endpoints?api-version={METADATA_API_VERSION}"
    cached = read_cached_metadata(url)
    if cached is not None:
        return cached
    from azure.core import PipelineClient  # pylint: disable=import-outside-toplevel
    from azure.core.exceptions import AzureError  # pylint: disable=import-outside-toplevel
    from azure.core.rest import HttpRequest  # pylint: disable=import-outside-toplevel

    from ansible_collections.azure_backup.recovery_services.plugins.module_utils._retry import (  # pylint: disable=import-outside-toplevel
        PatientRetryPolicy,
    )

    client = PipelineClient(url, policies=[PatientRetryPolicy(retry_timeout)], connection_verify=(ca_bundle or True) if verify else False)
    try:
        response = client.send_request(HttpRequest("GET", url, headers={"Accept": "application/json"}))
        response.raise_for_status()
        document = response.json()
    except (AzureError, ValueError) as error:
        reason = connection_failure_message(error, ca_bundle, url) or translate_error("read", error).azure_message
        raise AzureConfigurationError(f"could not read the cloud metadata at {url} (cloud_environment): {reason}") from error
    write_cached_metadata(url, document)
    return document


def check_ca_bundle(ca_bundle, environ=None):
    """Refuse a CA bundle path that names no file (requests would fail later with a bare OSError)."""
    env = os.environ if environ is None else environ
    for name, path in (("ca_bundle", ca_bundle), ("REQUESTS_CA_BUNDLE", None if ca_bundle else env.get("REQUESTS_CA_BUNDLE"))):
        if path and not os.path.exists(path):
            raise AzureConfigurationError(f"{name} {path} does not exist: it must name a PEM file (or directory) of certificate authorities")


def snake_keys(value, keep_keys_under=("tags", "property_bag", "user_assigned_identities", "tiering_policy")):
    """Return ``value`` with camelCase dict keys turned to snake_case by Ansible's ``camel_dict_to_snake_dict``.

    Keys below ``tags`` and other user- or Azure-named maps (identity ids, tiering per tier) are kept as they
    are, at any depth. ``camel_dict_to_snake_dict`` alone cannot do that: its ``ignore_list`` applies only to
    the top level (it does not pass it into nested dicts, and vault tags sit at the top while identity ids sit
    under ``identity``), so this converts one level at a time and recurses itself.
    """
    if isinstance(value, list):
        return [snake_keys(item, keep_keys_under) for item in value]
    if not isinstance(value, dict):
        return value
    level = camel_dict_to_snake_dict(value, ignore_list=list(value))  # this level's keys only; nested values below
    return {key: item if key in keep_keys_under else snake_keys(item, keep_keys_under) for key, item in level.items()}


def as_mapping(model):
    """Turn an SDK model (or None) into its REST-shaped dict.

    The backup SDK deserialises Azure-VM items to base models (see docs/developing.md),
    so modules always read responses as mappings with Azure's own field names.
    """
    if model is None:
        return None
    if isinstance(model, dict):
        return model
    if hasattr(model, "as_dict"):
        return model.as_dict()
    return dict(model)


def parse_resource_id(resource_id):
    """An ARM id as a dict of lower-cased segment names -> values (names kept as given), read by azure.mgmt.core.tools.

    e.g. ``{"subscriptions": "S", "resourcegroups": "RG", "providers": "Microsoft.Compute", "virtualmachines": "vm1"}``:
    callers look a segment up by its type, whatever its depth (a vault's backupFabrics, protectionContainers, ...).
    """
    from azure.mgmt.core.tools import parse_resource_id as parse_arm_id  # pylint: disable=import-outside-toplevel

    parsed = parse_arm_id(resource_id or "")
    segments = {"subscriptions": parsed.get("subscription"), "resourcegroups": parsed.get("resource_group"), "providers": parsed.get("namespace")}
    if parsed.get("type"):
        segments[parsed["type"].lower()] = parsed.get("name")
    for number in range(1, (parsed.get("last_child_num") or 0) + 1):
        segments[parsed[f"child_type_{number}"].lower()] = parsed[f"child_name_{number}"]
    return {segment: value for segment, value in segments.items() if value is not None}


class AzureSession:
    """Credentials, cloud endpoints and lazily built SDK clients for one task."""

    def __init__(self, settings):
        self.settings = settings
        self.subscription_id = settings["subscription_id"]
        self.ca_bundle = settings.get("ca_bundle")
        self.verify_certificates = settings.get("cert_validation_mode", "validate") != "ignore"
        self.retry_timeout = settings.get("retry_timeout", DEFAULT_RETRY_TIMEOUT)
        self._cloud = None
        self._credential = None
        self._clients = {}
        self._arm_pipeline = None
        self._pacer = None

    @property
    def cloud(self):
        if self._cloud is None:
            check_ca_bundle(self.ca_bundle)
            cloud_environment = self.settings["cloud_environment"]
            if is_custom_cloud(cloud_environment):
                document = fetch_cloud_metadata(cloud_environment, self.ca_bundle, self.retry_timeout, self.verify_certificates)
                self._cloud = cloud_from_metadata(cloud_environment, document)
                self._cloud["custom"] = True
            else:
                self._cloud = dict(known_cloud(cloud_environment), custom=False)
            if self.settings.get("authority"):
                self._cloud["authority"] = self.settings["authority"].rstrip("/")
        return self._cloud

    @property
    def scope(self):
        return self.cloud["audience"] + "/.default"

    def _transport_kwargs(self):
        if not self.verify_certificates:
            return {"connection_verify": False}
        return {"connection_verify": self.ca_bundle} if self.ca_bundle else {}

    def _identity_kwargs(self):
        kwargs = dict(self._transport_kwargs(), authority=self.cloud["authority"])
        if self.cloud["custom"] or self.settings.get("disable_instance_discovery"):
            # MSAL would otherwise ask login.microsoftonline.com to "discover" a foreign authority.
            kwargs["disable_instance_discovery"] = True
        return kwargs

    @property
    def credential(self):
        if self._credential is None:
            if self.settings["token_cache"] not in TOKEN_CACHE_CHOICES:
                raise AzureConfigurationError(f"token_cache (or {TOKEN_CACHE_VARIABLE}) must be one of {', '.join(TOKEN_CACHE_CHOICES)}, "
                                              f"not {self.settings['token_cache']!r}")
            if self._serves_cached_tokens():
                self._credential = CachedTokenCredential(self._cached_token, self._identity_credential)
            else:
                self._credential = self._identity_credential()
        return self._credential

    def _serves_cached_tokens(self):
        """True when a token may come straight from azure-identity's plain-file cache, without importing azure-identity.

        Only for what ``_build_credential`` gives a file cache: a service principal (secret or certificate),
        ``token_cache=unencrypted``, on Linux, where azure-identity keeps that cache in a plain file.
        """
        settings = self.settings
        return (settings["token_cache"] == "unencrypted" and sys.platform.startswith("linux") and settings["auth_source"] in ("auto", "env")
                and bool(settings["client_id"] and settings["tenant"] and (settings["secret"] or settings["x509_certificate_path"])))

    def _cached_token(self, scope):
        return read_cached_app_token(self.cloud["authority"], self.settings["tenant"], self.settings["client_id"], scope)

    def _identity_credential(self):
        try:
            return self._build_credential()
        except ValueError as error:  # azure-identity refuses a malformed tenant or authority this way
            raise AzureConfigurationError(f"the sign-in options cannot work (tenant, client_id, authority): {error}") from error

    def _build_credential(self):
        """Pick the azure-identity credential: options, a profile or AWX's variables first, then azure-identity's chain."""
        from azure import identity  # pylint: disable=import-outside-toplevel

        settings = self.settings
        source = settings["auth_source"]
        kwargs = self._identity_kwargs()
        cache = token_cache_options(settings["token_cache"])
        if source == "cli":
            return identity.AzureCliCredential(tenant_id=settings["tenant"])
        if source == "msi":
            return identity.ManagedIdentityCredential(client_id=settings["client_id"], **self._transport_kwargs())
        if source == "workload_identity":
            return identity.WorkloadIdentityCredential(tenant_id=settings["tenant"], client_id=settings["client_id"], **kwargs)
        if settings["client_id"] and settings["secret"]:
            if not settings["tenant"]:
                raise AzureConfigurationError("a service principal needs tenant (or AZURE_TENANT) with client_id and secret")
            return identity.ClientSecretCredential(settings["tenant"], settings["client_id"], settings["secret"], **kwargs, **cache)
        if settings["x509_certificate_path"]:
            if not (settings["client_id"] and settings["tenant"]):
                raise AzureConfigurationError("a certificate (x509_certificate_path) signs in a service principal: give client_id and tenant too")
            check_thumbprint(settings["x509_certificate_path"], settings["thumbprint"])
            return identity.CertificateCredential(settings["tenant"], settings["client_id"], settings["x509_certificate_path"], **kwargs, **cache)
        if settings["ad_user"] and settings["ad_password"]:
            return identity.UsernamePasswordCredential(
                settings["client_id"] or AZURE_CLI_CLIENT_ID, settings["ad_user"], settings["ad_password"],
                tenant_id=settings["tenant"], **kwargs, **cache)
        if source == "env":
            raise AzureConfigurationError("auth_source=env needs AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT (or AZURE_AD_USER and AZURE_PASSWORD)")
        if source == "credential_file":
            raise AzureConfigurationError(f"profile {settings['profile']!r} in {CREDENTIALS_FILE} gives no way to sign in: it needs client_id, "
                                          "tenant and secret (or x509_certificate_path), or ad_user and password")
        # Certificate (AZURE_CLIENT_CERTIFICATE_PATH), workload identity, managed identity, Azure CLI ...
        return identity.DefaultAzureCredential(
            authority=self.cloud["authority"], disable_instance_discovery=kwargs.get("disable_instance_discovery", False), **self._transport_kwargs())

    def pipeline_options(self):
        """The policies every client of this task shares: patient retries, token refresh, pacing."""
        from ansible_collections.azure_backup.recovery_services.plugins.module_utils._pacing import (  # pylint: disable=import-outside-toplevel
            RateLimitPacer,
            RateLimitPacingPolicy,
        )
        from ansible_collections.azure_backup.recovery_services.plugins.module_utils._retry import (  # pylint: disable=import-outside-toplevel
            PatientRetryPolicy,
            TokenRefreshPolicy,
        )

        if self._pacer is None:
            self._pacer = RateLimitPacer(principal=self.settings.get("client_id"))
        return {
            "retry_policy": PatientRetryPolicy(self.retry_timeout),
            "authentication_policy": TokenRefreshPolicy(self.credential, self.scope),
            "per_retry_policies": [RateLimitPacingPolicy(self._pacer)],
        }

    def _require_subscription(self):
        if not self.subscription_id:
            raise AzureConfigurationError("subscription_id is required (option subscription_id or AZURE_SUBSCRIPTION_ID)")

    def client(self, name):
        """Return the SDK client ``name`` (see SDK_CLIENTS), importing it on first use."""
        if name not in self._clients:
            self._require_subscription()
            import importlib  # pylint: disable=import-outside-toplevel

            module_path, class_name = SDK_CLIENTS[name]
            client_class = getattr(importlib.import_module(module_path), class_name)
            self._clients[name] = client_class(
                self.credential,
                self.subscription_id,
                base_url=self.cloud["resource_manager"],
                credential_scopes=[self.scope],
                polling_interval=DEFAULT_POLL_SECONDS,
                **self.pipeline_options(),
                **self._transport_kwargs()
            )
        return self._clients[name]

    def call(self, operation, function, *args, **kwargs):
        """Run one SDK call; raise AzureOperationError that names ``operation`` on an Azure failure.

        An SDK ``begin_*`` call polls adaptively (``_polling``) unless the caller passes ``polling``.
        Only Azure's failures (``azure.core.exceptions.AzureError``, which azure-identity's errors
        extend) are translated: any other exception is a bug and propagates unchanged.
        """
        from azure.core.exceptions import AzureError  # pylint: disable=import-outside-toplevel

        if getattr(function, "__name__", "").startswith("begin_") and "polling" not in kwargs:
            from ansible_collections.azure_backup.recovery_services.plugins.module_utils._polling import (  # pylint: disable=import-outside-toplevel
                adaptive_polling,
            )

            kwargs["polling"] = adaptive_polling()
        try:
            return function(*args, **kwargs)
        except AzureError as error:
            raise translate_error(operation, error, self.ca_bundle, self.retry_timeout, self._endpoint_of(error)) from error

    def _endpoint_of(self, error):
        """The URL a failed request most likely went to: the sign-in authority for a credential error, else ARM."""
        if self._cloud is None:
            return None
        from azure.core.exceptions import ClientAuthenticationError  # pylint: disable=import-outside-toplevel

        return self._cloud["authority"] if isinstance(error, ClientAuthenticationError) else self._cloud["resource_manager"]

    def call_with_headers(self, operation, function, *args, **kwargs):
        """Run an SDK call that answers 202 without a poller; return the raw HTTP response."""
        return self.call(operation, function, *args, cls=lambda pipeline_response, _deserialized, _headers: pipeline_response.http_response, **kwargs)

    def get_or_none(self, operation, function, *args, **kwargs):
        """Like call(), but a 404 returns None instead of raising."""
        try:
            return self.call(operation, function, *args, **kwargs)
        except AzureOperationError as error:
            if error.status == 404:
                return None
            raise

    @property
    def arm_pipeline(self):
        """A bare ARM pipeline client for raw requests: the SDK clients' policies, in their order, without an SDK.

        The policy list is the one azure-mgmt-* clients build (azure-core's request id, headers, user agent,
        proxy, content decoding, ARM's resource-provider registration, redirects, then our retries, token,
        pacing after each retry, hooks, logging, tracing, header clean-up, ARM's HTTP logging).
        """
        if self._arm_pipeline is None:
            self._require_subscription()
            from azure.core.pipeline import policies  # pylint: disable=import-outside-toplevel
            from azure.mgmt.core import ARMPipelineClient  # pylint: disable=import-outside-toplevel
            from azure.mgmt.core.policies import ARMAutoResourceProviderRegistrationPolicy, ARMHttpLoggingPolicy  # pylint: disable=import-outside-toplevel

            options = self.pipeline_options()
            self._arm_pipeline = ARMPipelineClient(
                base_url=self.cloud["resource_manager"],
                policies=[
                    policies.RequestIdPolicy(),
                    policies.HeadersPolicy(),
                    policies.UserAgentPolicy(sdk_moniker=USER_AGENT_MONIKER),
                    policies.ProxyPolicy(),
                    policies.ContentDecodePolicy(),
                    ARMAutoResourceProviderRegistrationPolicy(),
                    policies.RedirectPolicy(),
                    options["retry_policy"],
                    options["authentication_policy"],
                    policies.CustomHookPolicy(),
                    policies.NetworkTraceLoggingPolicy(),
                    policies.DistributedTracingPolicy(),
                    policies.SensitiveHeaderCleanupPolicy(),
                    ARMHttpLoggingPolicy(),
                ],
                per_retry_policies=options["per_retry_policies"],
                **self._transport_kwargs()
            )
        return self._arm_pipeline

    def send(self, operation, method, path, api_version, body=None):
        """Send one raw ARM request through ``arm_pipeline`` (auth, retries, pacing, TLS).

        ``api_version`` is added only when ``path`` carries none (Azure's status URLs carry theirs).
        """
        from azure.core.rest import HttpRequest  # pylint: disable=import-outside-toplevel

        url = path if path.startswith("https://") else self.cloud["resource_manager"] + path
        separator = "&" if "?" in url else "?"
        if "api-version=" not in url and api_version:
            url = f"{url}{separator}api-version={api_version}"
        request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        response = self.call(operation, self.arm_pipeline.send_request, request)
        if response.status_code >= 400:
            raise error_from_response(operation, response)
        return response

    def send_paged(self, operation, method, path, api_version, body=None):
        """Every entry of an ARM list sent raw (each page's ``value``), following ``nextLink`` to the last page.

        A next page is asked for as the first was (same method and body): Azure's POST lists, such as
        cross-region restore jobs, page that way.
        """
        entries, url = [], path
        while url:
            page = self.send(operation, method, url, api_version, body=body).json()
            entries.extend(page.get("value") or [])
            url = page.get("nextLink")
        return entries

    def read_or_none(self, operation, path, api_version):
        """GET one ARM resource as Azure's JSON body; None when Azure answers 404."""
        try:
            return self.send(operation, "GET", path, api_version).json()
        except AzureOperationError as error:
            if error.status == 404:
                return None
            raise

    def finish(self, operation, poller, timeout):
        """Await an SDK poller within ``timeout`` seconds; return its result.

        ``LROPoller.result(timeout)`` returns silently when the time is up; this raises
        OperationOutcomeUnknown instead, so a caller never mistakes a running operation for a done one.
        """
        result = self.call(f"{operation} (waiting)", poller.result, timeout=timeout)
        if not poller.done():
            raise OperationOutcomeUnknown(operation, f"still running after {timeout} s; raise wait_timeout or set wait=false")
        return result

    def wait_for_operation(self, operation, response, timeout, confirm=None):
        """Await a 202 answered with Azure-AsyncOperation and/or Location headers, within one deadline.

        Polls the status URL until Succeeded / Failed / Canceled (or the Location URL until it
        stops answering 202), sleeping each poll's Retry-After or, when Azure sends none (its Backup
        operations never do), the adaptive ``poll_delays``.  Returns the final status body (dict) or
        the final Location response's JSON (or None for 204).

        A status URL without an api-version gets the one of the request that started the operation.
        Each poll is a GET, retried within ``retry_timeout`` like any other.  When polling still
        fails, or the deadline passes, ``confirm()`` (if given) is asked whether the resource shows
        the operation's effect: true means done ({"status": "Succeeded", "confirmed_by_read": True}),
        otherwise OperationOutcomeUnknown is raised.  Failed/Canceled from Azure always raise.
        """
        headers = response.headers
        status_url = headers.get("Azure-AsyncOperation")
        poll_url = status_url or headers.get("Location")
        if not poll_url:
            return None
        api_version = api_version_of(poll_url) or api_version_of(getattr(getattr(response, "request", None), "url", "") or "")
        try:
            return self._poll_until_done(operation, poll_url, bool(status_url), api_version, time.monotonic() + timeout)
        except OperationOutcomeUnknown:
            if confirm is not None and confirm():
                return {"status": "Succeeded", "confirmed_by_read": True}
            raise

    def _poll_until_done(self, operation, poll_url, is_status_url, api_version, deadline):
        delays = poll_delays()
        while True:
            try:
                poll = self.send(operation, "GET", poll_url, api_version=api_version)
            except AzureOperationError as error:
                raise OperationOutcomeUnknown(operation, f"reading the operation's status failed: {error.azure_message}",
                                              status=error.status, code=error.code) from error
            body = poll.json() if poll.content else {}
            if is_status_url:
                status = str(body.get("status", "")).lower()
                if status in TERMINAL_STATUSES:
                    if status != "succeeded":
                        error = body.get("error") or {}
                        raise AzureOperationError(operation, error.get("message") or f"operation ended {body.get('status')}", code=error.get("code"))
                    return body
            elif poll.status_code != 202:
                return body or None
            delay = retry_after_seconds(poll.headers, default=None) or next(delays)
            if time.monotonic() + delay > deadline:
                raise OperationOutcomeUnknown(operation, "timed out waiting for the long-running operation; raise wait_timeout or set wait=false")
            time.sleep(delay)


def check_thumbprint(certificate_path, thumbprint):
    """Refuse a ``thumbprint`` that is not the SHA-1 thumbprint of the certificate in ``certificate_path`` (None: nothing to check).

    azure.azcollection asks for both; azure-identity needs only the file, so the thumbprint is a check that
    the file is the certificate the user meant.
    """
    if not thumbprint:
        return
    import hashlib  # pylint: disable=import-outside-toplevel
    import ssl  # pylint: disable=import-outside-toplevel

    try:
        with open(certificate_path, encoding="ascii", errors="replace") as handle:
            pem = handle.read()
    except OSError as error:
        raise AzureConfigurationError(f"x509_certificate_path {certificate_path} cannot be read: {error.strerror}") from error
    block = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    if not block:
        raise AzureConfigurationError(f"x509_certificate_path {certificate_path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    actual = hashlib.sha1(ssl.PEM_cert_to_DER_cert(block.group(0))).hexdigest()  # nosec: a certificate thumbprint is SHA-1 by definition
    if actual.lower() != re.sub(r"[^0-9a-fA-F]", "", thumbprint).lower():
        raise AzureConfigurationError(f"thumbprint {thumbprint} is not that of the certificate in x509_certificate_path {certificate_path} "
                                      f"(its SHA-1 thumbprint is {actual.upper()})")


def api_version_of(url):
    """The api-version query parameter of ``url`` (None when absent)."""
    values = parse_qs(urlparse(url).query).get("api-version")
    return values[0] if values else None


def error_from_response(operation, response):
    """Build AzureOperationError from an ARM error response."""
    code, message = None, response.text() if callable(getattr(response, "text", None)) else ""
    try:
        error = (response.json() or {}).get("error") or {}
        code, message = error.get("code"), error.get("message") or message
    except ValueError:
        pass
    return AzureOperationError(operation, message or response.reason, status=response.status_code, code=code)


def _exception_chain(error):
    """``error`` and every exception it wraps (azure-core's ``inner_exception``, ``__cause__``, ``__context__``)."""
    seen = []
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend([getattr(current, "inner_exception", None), current.__cause__, current.__context__])
        pending.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return seen


def connection_failure_message(error, ca_bundle=None, url=None):
    """A sentence saying what failed, where and which option fixes it, for a TLS or connection failure.

    None when ``error`` is not one (then Azure's own message is the clearest).  ``url`` names the
    place when the error text does not.
    """
    text = " ".join(str(part) for part in _exception_chain(error))
    host_match = re.search(r"host='([^']+)', port=(\d+)", text)
    if host_match:
        where = f"{host_match.group(1)}:{host_match.group(2)}"
    else:
        where = urlparse(url).netloc if url else "the Azure endpoint"
    bundle = ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE")
    fix_trust = "give the PEM bundle of the CA that signs it with ca_bundle (or REQUESTS_CA_BUNDLE)"
    if "Could not find a suitable TLS CA certificate bundle" in text or "NO_CERTIFICATE_OR_CRL_FOUND" in text or "PEM lib" in text:
        named = f"the CA bundle {bundle}" if bundle else "the CA bundle"
        return f"{named} cannot be read as PEM certificates; ca_bundle (or REQUESTS_CA_BUNDLE) must name an existing PEM file of certificate authorities"
    if "certificate has expired" in text:
        return (f"the TLS certificate of {where} has expired; the server must renew it "
                "(or cloud_environment / AZURE_CLOUD_ENVIRONMENT points at the wrong endpoint)")
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSLCertVerificationError" in text or "certificate verify failed" in text:
        reason = re.search(r"certificate verify failed: ([^(')\]]+)", text)
        detail = f" ({reason.group(1).strip()})" if reason else ""
        trusted = f"the CA bundle {bundle}" if bundle else "the system's certificate authorities"
        return f"the TLS certificate of {where} is not signed by a CA this task trusts{detail}: it trusts {trusted}; {fix_trust}"
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return (f"the connection to {where} was refused: nothing answers there; check cloud_environment "
                "(or AZURE_CLOUD_ENVIRONMENT) and that this host can reach the endpoint")
    if "Name or service not known" in text or "nodename nor servname" in text or "NameResolutionError" in text or "getaddrinfo failed" in text:
        return f"the host name of {where} does not resolve; check cloud_environment (or AZURE_CLOUD_ENVIRONMENT) and DNS"
    return None


def translate_error(operation, error, ca_bundle=None, retry_timeout=None, url=None):
    """Map an exception raised by azure-core / azure-identity to AzureOperationError.

    ``ca_bundle`` and ``url`` (where the request went) make TLS and connection failures name the
    place and the option that fixes them; ``retry_timeout`` says how long retries were allowed.
    """
    status = getattr(error, "status_code", None)
    code = None
    azure_error = getattr(error, "error", None)
    if azure_error is not None:
        code = getattr(azure_error, "code", None)
    message = connection_failure_message(error, ca_bundle, url)
    # Certificate and CA-bundle failures are never retried (PatientRetryPolicy): no budget was used.
    retried = status in RETRIED_STATUSES or (type(error).__name__ in ("ServiceRequestError", "ServiceResponseError")
                                             and not (message and ("certificate" in message or "CA bundle" in message)))
    if message is None:
        message = getattr(error, "message", None) or str(error)
        if code and message.startswith(f"({code})"):
            message = message[len(code) + 2:].strip()
        message = message.split("\nCode:")[0].strip()
        if "Cache encryption is impossible" in message:
            message += f" (token_cache=unencrypted, or {TOKEN_CACHE_VARIABLE}=unencrypted, keeps tokens in a file only you can read)"
    if retry_timeout and retried:
        message += f" (retried for up to retry_timeout={retry_timeout} s; raise it, or {RETRY_TIMEOUT_VARIABLE}, to wait longer)"
    return AzureOperationError(operation, message, status=status, code=code)
