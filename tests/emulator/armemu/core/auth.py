"""A fake Azure AD: service principals, client-credential tokens, and ARM's bearer check.

Tokens are opaque random strings remembered server-side with their principal (a non-JWT token
works with azure-identity/MSAL, contract §1.2). AAD errors use AAD's own body format
(``error``, ``error_description`` with an AADSTS code, ``error_codes``, ``timestamp``,
``trace_id``, ``correlation_id``); ARM's 401s use ARM's format plus a ``WWW-Authenticate`` header.
"""

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .errors import ArmError
from .lro import utc_now

TENANT_ALIASES = frozenset({"common", "organizations"})
WELL_KNOWN_AUDIENCES = ("https://management.core.windows.net/", "https://management.azure.com/")


class AadError(Exception):
    """An error in AAD's token-endpoint format."""

    def __init__(self, status, error, aadsts, description):
        super().__init__(f"{status} {error}: AADSTS{aadsts}")
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.description = description

    def body(self):
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        timestamp = utc_now().strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace_id} "
                                 f"Correlation ID: {correlation_id} Timestamp: {timestamp}",
            "error_codes": [self.aadsts],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": "https://login.microsoftonline.com/error?code=" + str(self.aadsts),
        }


@dataclass
class Principal:
    """A service principal from the estate: ``subscriptions`` is a set of lower-cased ids or ``{"*"}``."""

    client_id: str
    secret: str
    name: str = ""
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    subscriptions: frozenset = frozenset()

    def may_access(self, subscription_id):
        return "*" in self.subscriptions or subscription_id.lower() in self.subscriptions


class Directory:
    """The tenant's principals and the tokens issued to them."""

    def __init__(self):
        self.tenant_id = ""
        self.principal_specs = []
        self._principals = {}
        self._tokens = {}
        self._lock = threading.Lock()
        self.new_tokens = None  # a list of (token, client id, expiry) issued since a state file last saved

    def load(self, tenant_id, principal_specs):
        """Replace tenant and principals. Tokens are kept: one is valid while its client id exists."""
        self.principal_specs = [dict(spec) for spec in principal_specs]
        principals = {}
        for spec in principal_specs:
            subscriptions = spec.get("subscriptions", [])
            subscriptions = ["*"] if subscriptions == "*" else subscriptions
            principal = Principal(
                client_id=str(spec["client_id"]), secret=str(spec["secret"]), name=spec.get("name", ""),
                object_id=str(spec.get("object_id") or uuid.uuid4()),
                subscriptions=frozenset(str(sub).lower() for sub in subscriptions))
            principals[principal.client_id.lower()] = principal
        with self._lock:
            self.tenant_id = str(tenant_id)
            self._principals = principals

    def knows_tenant(self, tenant):
        return tenant.lower() in TENANT_ALIASES or tenant.lower() == self.tenant_id.lower()

    def tokens(self):
        """Every issued token as ``(token, client id, expiry)``."""
        with self._lock:
            return [(token, client, expiry) for token, (client, expiry) in self._tokens.items()]

    def restore_tokens(self, tokens):
        with self._lock:
            for token, client, expiry in tokens:
                self._tokens[token] = (client, expiry)

    def issue_token(self, tenant, client_id, secret, resource, audiences, lifetime):
        """A new access token living ``lifetime`` seconds for a client-credentials request, or AadError like AAD's."""
        if not self.knows_tenant(tenant):
            raise AadError(400, "invalid_request", 90002,
                           f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
                           "into the correct cloud. Check with your subscription administrator, this may happen if there are "
                           "no active subscriptions for the tenant.")
        with self._lock:
            principal = self._principals.get((client_id or "").lower())
        if principal is None:
            raise AadError(400, "unauthorized_client", 700016,
                           f"Application with identifier '{client_id}' was not found in the directory '{self.tenant_id}'. "
                           "This can happen if the application has not been installed by the administrator of the tenant or "
                           "consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        if not secrets.compare_digest(principal.secret, secret or ""):
            raise AadError(401, "invalid_client", 7000215,
                           "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                           f"value, not the client secret ID, for a secret added to app '{principal.client_id}'.")
        if _normalise_audience(resource) not in {_normalise_audience(aud) for aud in audiences}:
            raise AadError(400, "invalid_resource", 500011,
                           f"The resource principal named {resource} was not found in the tenant named {self.tenant_id}. "
                           "This can happen if the application has not been installed by the administrator of the tenant or "
                           "consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
        token = secrets.token_urlsafe(48)
        expiry = time.time() + lifetime
        with self._lock:
            self._tokens[token] = (principal.client_id.lower(), expiry)
            if self.new_tokens is not None:
                self.new_tokens.append((token, principal.client_id.lower(), expiry))
        return token

    def authenticate(self, authorization, endpoint):
        """The principal behind an ``Authorization: Bearer`` header, or ARM's 401."""
        challenge = f'Bearer authorization_uri="{endpoint}/{self.tenant_id}", error="invalid_token"'
        if not authorization:
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", {
                "WWW-Authenticate": challenge + ', error_description="The authentication failed because of missing \'Authorization\' header."'})
        scheme, dummy, token = authorization.partition(" ")
        with self._lock:
            client_id, expiry = self._tokens.get(token.strip(), (None, 0)) if scheme.lower() == "bearer" else (None, 0)
            principal = self._principals.get(client_id)
        if principal is None:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.", {
                "WWW-Authenticate": challenge + ', error_description="The access token is invalid."'})
        now = time.time()
        if expiry < now:
            raise ArmError(401, "ExpiredAuthenticationToken",
                           f"The access token expiry UTC time '{_dotnet_time(expiry)}' is earlier than current UTC time "
                           f"'{_dotnet_time(now)}'.", {
                               "WWW-Authenticate": challenge + ', error_description="The access token has expired."',
                               "x-ms-failure-cause": "gateway"})
        return principal


def _dotnet_time(epoch):
    """A UTC time as ARM writes it in ExpiredAuthenticationToken: ``3/19/2023 8:55:46 AM``."""
    moment = datetime.fromtimestamp(int(epoch), timezone.utc)
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour % 12 or 12}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def _normalise_audience(value):
    return (value or "").strip().rstrip("/").lower()


def authorization_failed(principal, action, scope):
    return ArmError(
        403, "AuthorizationFailed",
        f"The client '{principal.client_id}' with object id '{principal.object_id}' does not have authorization to perform "
        f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.")
