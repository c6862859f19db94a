"""The fake Azure AD endpoints azure-identity/MSAL (and older ADAL clients) call.

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (and the v1 ``/{tenant}/.well-known/...``)
- ``POST /{tenant}/oauth2/v2.0/token`` (``scope=<audience>/.default``) and v1 ``/{tenant}/oauth2/token``
  (``resource=<audience>``), client-credentials grant only.
- ``GET /common/discovery/instance`` for clients that do instance discovery against this host.

``common`` and ``organizations`` act as aliases of the estate's tenant. Accepted audiences are
the public-cloud management audiences and the emulator's own endpoint (see metadata.py).
"""

import base64
import time
from urllib.parse import parse_qs, unquote

from armemu.core.auth import WELL_KNOWN_AUDIENCES, AadError
from armemu.core.http import json_response
from armemu.core.routing import route


def accepted_audiences(emu):
    return (*WELL_KNOWN_AUDIENCES, emu.endpoint + "/")


def _openid_configuration(req, version_path):
    tenant = req.params["tenant"]
    if not req.emu.directory.knows_tenant(tenant):
        raise_unknown_tenant(req.emu, tenant)
    base = f"{req.emu.endpoint}/{tenant}"
    issuer_tenant = "{tenantid}" if tenant.lower() in ("common", "organizations") else req.emu.tenant
    return json_response(200, {
        "token_endpoint": f"{base}/oauth2{version_path}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/discovery{version_path}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{req.emu.endpoint}/{issuer_tenant}{'/v2.0' if version_path else '/'}",
        "authorization_endpoint": f"{base}/oauth2{version_path}/authorize",
        "device_authorization_endpoint": f"{base}/oauth2{version_path}/devicecode",
        "end_session_endpoint": f"{base}/oauth2{version_path}/logout",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "armemu.local",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    })


def raise_unknown_tenant(emu, tenant):
    raise AadError(400, "invalid_tenant", 90002,
                   f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into "
                   f"the correct cloud. This emulator's tenant is '{emu.tenant}'.")


@route("GET", "/{tenant}/v2.0/.well-known/openid-configuration", kind="aad")
def openid_configuration_v2(req):
    return _aad_call(lambda: _openid_configuration(req, "/v2.0"))


@route("GET", "/{tenant}/.well-known/openid-configuration", kind="aad")
def openid_configuration_v1(req):
    return _aad_call(lambda: _openid_configuration(req, ""))


@route("GET", "/common/discovery/instance", kind="aad")
def instance_discovery(req):
    host = req.emu.endpoint.split("://", 1)[1]
    return json_response(200, {
        "tenant_discovery_endpoint": f"{req.emu.endpoint}/{req.emu.tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    })


def _form(req):
    fields = {key: values[0] for key, values in parse_qs(req.raw_body.decode("utf-8")).items()}
    scheme, dummy, credentials = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and credentials:
        client_id, dummy, secret = base64.b64decode(credentials).decode("utf-8").partition(":")
        fields.setdefault("client_id", unquote(client_id))
        fields.setdefault("client_secret", unquote(secret))
    return fields


def _check_grant(fields):
    if fields.get("grant_type") != "client_credentials":
        raise AadError(400, "unsupported_grant_type", 70003,
                       f"The app requested an unsupported grant type '{fields.get('grant_type')}'. "
                       "The emulator supports client_credentials only.")


def _scope_resource(scope):
    """The audience of a v2 ``scope`` (``https://management.azure.com/.default`` → the audience URL)."""
    first = (scope or "").split()[0] if scope else ""
    if not first.endswith("/.default"):
        raise AadError(400, "invalid_scope", 1002012,
                       f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value "
                       "with /.default suffixed to the resource identifier (application ID URI).")
    return first[: -len(".default")]


def _issue(req, resource):
    fields = _form(req)
    _check_grant(fields)
    lifetime = req.emu.settings.token_lifetime
    token = req.emu.directory.issue_token(req.params["tenant"], fields.get("client_id"), fields.get("client_secret"),
                                          resource(fields), accepted_audiences(req.emu), lifetime)
    return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}


def _aad_call(produce):
    try:
        return produce()
    except AadError as err:
        return json_response(err.status, err.body())


@route("POST", "/{tenant}/oauth2/v2.0/token", kind="aad")
def token_v2(req):
    return _aad_call(lambda: json_response(200, _issue(req, lambda fields: _scope_resource(fields.get("scope")))))


@route("POST", "/{tenant}/oauth2/token", kind="aad")
def token_v1(req):
    def issue():
        body = _issue(req, lambda fields: fields.get("resource", ""))
        lifetime = body["expires_in"]
        expires_on = int(time.time()) + lifetime
        fields = _form(req)
        return json_response(200, {**body, "expires_in": str(lifetime), "ext_expires_in": str(lifetime),
                                   "expires_on": str(expires_on), "not_before": str(expires_on - lifetime - 300),
                                   "resource": fields.get("resource", "")})
    return _aad_call(issue)
