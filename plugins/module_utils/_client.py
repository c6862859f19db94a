# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way this collection talks to Azure.

Private to the collection (underscore name): not an API for other collections.

* ``AzureSession`` resolves credentials and the cloud once per task and builds SDK
  clients on first use.  Nothing here imports an Azure SDK at import time: every
  task is a fresh Python process, so each module pays only for the SDKs it uses.
* ``AzureSession.call`` runs one SDK call and turns every Azure failure into
  ``AzureOperationError`` that names the operation, HTTP status, ARM code and message.
* ``AzureSession.wait_for_operation`` awaits Azure's "202 + Azure-AsyncOperation /
  Location" pattern for the backup calls the SDK does not model as pollers,
  sleeping what each poll's ``Retry-After`` says.
"""

from __future__ import annotations

import os
import time

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

AUTH_SOURCES = ["auto", "env", "cli", "msi", "workload_identity"]

# Client name -> (import path, class name).  Imported lazily, on first use.
SDK_CLIENTS = {
    "recoveryservices": ("azure.mgmt.recoveryservices", "RecoveryServicesClient"),
    "backup": ("azure.mgmt.recoveryservicesbackup", "RecoveryServicesBackupClient"),
    "compute": ("azure.mgmt.compute", "ComputeManagementClient"),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient"),
}

# Fallback pause between LRO polls when Azure gives no Retry-After.  azure-core's
# own default is 30 s, which makes every wait in a playbook needlessly slow.
DEFAULT_POLL_SECONDS = 5

TERMINAL_STATUSES = ("succeeded", "failed", "canceled", "cancelled")

AUTH_ARGUMENT_SPEC = dict(
    auth_source=dict(type="str", default="auto", choices=AUTH_SOURCES),
    subscription_id=dict(type="str"),
    client_id=dict(type="str"),
    secret=dict(type="str", no_log=True),
    tenant=dict(type="str"),
    cloud_environment=dict(type="str"),
    authority=dict(type="str"),
    ca_bundle=dict(type="path"),
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


class AzureConfigurationError(Exception):
    """The task's authentication or cloud options cannot work."""


def _first_set(*values):
    for value in values:
        if value:
            return value
    return None


def resolve_settings(params, environ=None):
    """Merge module options with the environment variables AWX and azure.azcollection use.

    Options win over the environment.  Returns a plain dict so it can be unit tested.
    AWX's Azure credential injects AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET,
    AZURE_TENANT (or AZURE_AD_USER / AZURE_PASSWORD) and AZURE_CLOUD_ENVIRONMENT; azure-identity
    itself reads AZURE_TENANT_ID / AZURE_CLIENT_SECRET, so both spellings are accepted.
    """
    env = os.environ if environ is None else environ
    return {
        "auth_source": params.get("auth_source") or "auto",
        "subscription_id": _first_set(params.get("subscription_id"), env.get("AZURE_SUBSCRIPTION_ID")),
        "client_id": _first_set(params.get("client_id"), env.get("AZURE_CLIENT_ID")),
        "secret": _first_set(params.get("secret"), env.get("AZURE_SECRET"), env.get("AZURE_CLIENT_SECRET")),
        "tenant": _first_set(params.get("tenant"), env.get("AZURE_TENANT"), env.get("AZURE_TENANT_ID")),
        "ad_user": env.get("AZURE_AD_USER"),
        "ad_password": env.get("AZURE_PASSWORD"),
        "cloud_environment": _first_set(params.get("cloud_environment"), env.get("AZURE_CLOUD_ENVIRONMENT"), "AzureCloud"),
        "authority": _first_set(params.get("authority"), env.get("AZURE_AUTHORITY_HOST")),
        "ca_bundle": params.get("ca_bundle"),
    }


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


def fetch_cloud_metadata(resource_manager_url, ca_bundle):
    """Read a custom cloud's endpoints the way azure-cli does (`az cloud register --cloud-config`)."""
    import requests  # pylint: disable=import-outside-toplevel

    url = resource_manager_url.rstrip("/") + "/metadata/endpoints?api-version=2022-09-01"
    try:
        response = requests.get(url, verify=ca_bundle or True, timeout=30)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise AzureConfigurationError(f"could not read the cloud metadata at {url}: {error}") from error


def camel_to_snake(name):
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index and (not name[index - 1].isupper() or (index + 1 < len(name) and name[index + 1].islower())):
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def snake_keys(value, keep_keys_under=("tags", "property_bag", "user_assigned_identities", "tiering_policy")):
    """Return ``value`` with camelCase dict keys turned to snake_case.

    Keys below ``tags`` and other user- or Azure-named maps are kept as they are.
    """
    if isinstance(value, list):
        return [snake_keys(item, keep_keys_under) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        snake = camel_to_snake(key)
        result[snake] = item if snake in keep_keys_under else snake_keys(item, keep_keys_under)
    return result


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
    """Split an ARM id into a dict of lower-cased segment names -> values (names kept as given)."""
    parts = [part for part in (resource_id or "").split("/") if part]
    parsed = {}
    for index in range(0, len(parts) - 1, 2):
        parsed[parts[index].lower()] = parts[index + 1]
    return parsed


class AzureSession:
    """Credentials, cloud endpoints and lazily built SDK clients for one task."""

    def __init__(self, settings):
        self.settings = settings
        self.subscription_id = settings["subscription_id"]
        self.ca_bundle = settings.get("ca_bundle")
        self._cloud = None
        self._credential = None
        self._clients = {}

    @property
    def cloud(self):
        if self._cloud is None:
            cloud_environment = self.settings["cloud_environment"]
            if is_custom_cloud(cloud_environment):
                document = fetch_cloud_metadata(cloud_environment, self.ca_bundle)
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
        return {"connection_verify": self.ca_bundle} if self.ca_bundle else {}

    def _identity_kwargs(self):
        kwargs = dict(self._transport_kwargs(), authority=self.cloud["authority"])
        if self.cloud["custom"]:
            # MSAL would otherwise ask login.microsoftonline.com to "discover" a foreign authority.
            kwargs["disable_instance_discovery"] = True
        return kwargs

    @property
    def credential(self):
        if self._credential is None:
            self._credential = self._build_credential()
        return self._credential

    def _build_credential(self):
        """Pick the credential: explicit options / AWX variables first, then azure-identity's chain."""
        from azure import identity  # pylint: disable=import-outside-toplevel

        settings = self.settings
        source = settings["auth_source"]
        kwargs = self._identity_kwargs()
        if source == "cli":
            return identity.AzureCliCredential(tenant_id=settings["tenant"])
        if source == "msi":
            return identity.ManagedIdentityCredential(client_id=settings["client_id"], **self._transport_kwargs())
        if source == "workload_identity":
            return identity.WorkloadIdentityCredential(tenant_id=settings["tenant"], client_id=settings["client_id"], **kwargs)
        if settings["client_id"] and settings["secret"]:
            if not settings["tenant"]:
                raise AzureConfigurationError("a service principal needs tenant (or AZURE_TENANT) with client_id and secret")
            return identity.ClientSecretCredential(settings["tenant"], settings["client_id"], settings["secret"], **kwargs)
        if settings["ad_user"] and settings["ad_password"]:
            return identity.UsernamePasswordCredential(
                settings["client_id"] or "04b07795-8ddb-461a-bbee-02f9e1bf7b46", settings["ad_user"], settings["ad_password"],
                tenant_id=settings["tenant"], **kwargs)
        if source == "env":
            raise AzureConfigurationError("auth_source=env needs AZURE_CLIENT_ID, AZURE_SECRET and AZURE_TENANT (or AZURE_AD_USER and AZURE_PASSWORD)")
        # Certificate (AZURE_CLIENT_CERTIFICATE_PATH), workload identity, managed identity, Azure CLI ...
        return identity.DefaultAzureCredential(
            authority=self.cloud["authority"], disable_instance_discovery=self.cloud["custom"], **self._transport_kwargs())

    def client(self, name):
        """Return the SDK client ``name`` (see SDK_CLIENTS), importing it on first use."""
        if name not in self._clients:
            if not self.subscription_id:
                raise AzureConfigurationError("subscription_id is required (option subscription_id or AZURE_SUBSCRIPTION_ID)")
            import importlib  # pylint: disable=import-outside-toplevel

            module_path, class_name = SDK_CLIENTS[name]
            client_class = getattr(importlib.import_module(module_path), class_name)
            self._clients[name] = client_class(
                self.credential,
                self.subscription_id,
                base_url=self.cloud["resource_manager"],
                credential_scopes=[self.scope],
                polling_interval=DEFAULT_POLL_SECONDS,
                **self._transport_kwargs()
            )
        return self._clients[name]

    def call(self, operation, function, *args, **kwargs):
        """Run one SDK call; raise AzureOperationError that names ``operation`` on failure."""
        try:
            return function(*args, **kwargs)
        except AzureConfigurationError:
            raise
        except Exception as error:  # pylint: disable=broad-exception-caught
            raise translate_error(operation, error) from error

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

    def send(self, operation, method, path, api_version, body=None, client="recoveryservices"):
        """Send one raw ARM request through an SDK client's pipeline (auth, retries, TLS)."""
        from azure.core.rest import HttpRequest  # pylint: disable=import-outside-toplevel

        url = path if path.startswith("https://") else self.cloud["resource_manager"] + path
        separator = "&" if "?" in url else "?"
        if "api-version=" not in url:
            url = f"{url}{separator}api-version={api_version}"
        request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        response = self.call(operation, self.client(client).send_request, request)
        if response.status_code >= 400:
            raise error_from_response(operation, response)
        return response

    def wait_for_operation(self, operation, response, timeout, client="backup"):
        """Await a 202 answered with Azure-AsyncOperation and/or Location headers.

        Polls the status URL until Succeeded / Failed / Canceled (or the Location URL until it
        stops answering 202).  Sleeps each poll's Retry-After.  Returns the final status body
        (dict) or the final Location response's JSON (or None for 204).
        """
        headers = response.headers
        status_url = headers.get("Azure-AsyncOperation")
        location_url = headers.get("Location")
        deadline = time.monotonic() + timeout
        if status_url:
            while True:
                poll = self.send(operation, "GET", status_url, api_version="2026-10-01", client=client)
                body = poll.json() if poll.content else {}
                status = str(body.get("status", "")).lower()
                if status in TERMINAL_STATUSES:
                    if status != "succeeded":
                        error = body.get("error") or {}
                        raise AzureOperationError(operation, error.get("message") or f"operation ended {body.get('status')}", code=error.get("code"))
                    return body
                self._sleep_before_next_poll(operation, poll.headers, deadline)
        elif location_url:
            while True:
                poll = self.send(operation, "GET", location_url, api_version="2026-10-01", client=client)
                if poll.status_code != 202:
                    return poll.json() if poll.content else None
                self._sleep_before_next_poll(operation, poll.headers, deadline)
        return None

    @staticmethod
    def _sleep_before_next_poll(operation, headers, deadline):
        delay = retry_after_seconds(headers)
        if time.monotonic() + delay > deadline:
            raise AzureOperationError(operation, "timed out waiting for the long-running operation; raise wait_timeout or set wait=false")
        time.sleep(delay)


def retry_after_seconds(headers, default=DEFAULT_POLL_SECONDS):
    """Read Retry-After (seconds) or retry-after-ms; fall back to ``default``."""
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001), ("Retry-After", 1.0)):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value) * scale
            except ValueError:
                continue
            if seconds > 0:
                return seconds
    return default


def error_from_response(operation, response):
    """Build AzureOperationError from an ARM error response."""
    code, message = None, response.text() if callable(getattr(response, "text", None)) else ""
    try:
        error = (response.json() or {}).get("error") or {}
        code, message = error.get("code"), error.get("message") or message
    except ValueError:
        pass
    return AzureOperationError(operation, message or response.reason, status=response.status_code, code=code)


def translate_error(operation, error):
    """Map any exception raised by azure-core / azure-identity to AzureOperationError."""
    status = getattr(error, "status_code", None)
    code = None
    azure_error = getattr(error, "error", None)
    if azure_error is not None:
        code = getattr(azure_error, "code", None)
    message = getattr(error, "message", None) or str(error)
    if code and message.startswith(f"({code})"):
        message = message[len(code) + 2:].strip()
    message = message.split("\nCode:")[0].strip()
    return AzureOperationError(operation, message, status=status, code=code)
