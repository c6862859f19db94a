"""The fake AAD and ARM's token and subscription checks, as azure-identity and the SDKs see them."""

import time

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservices import RecoveryServicesClient

from helpers import CLIENT_ID, FOREIGN_SUBSCRIPTION, SUBSCRIPTION, TENANT, vault_path


def credential_for(emu, client_id, secret, tenant=TENANT):
    return ClientSecretCredential(tenant, client_id, secret, authority=emu.endpoint,
                                  disable_instance_discovery=True, connection_verify=emu.ca_file)


def test_token_for_every_accepted_audience(emu):
    credential = credential_for(emu, CLIENT_ID, "emulator-ci-secret")
    for scope in ("https://management.azure.com/.default", "https://management.core.windows.net//.default",
                  f"{emu.endpoint}/.default"):
        token = credential.get_token(scope)
        assert len(token.token) > 40 and token.expires_on > 0


def test_unknown_client_is_aadsts700016(emu):
    with pytest.raises(ClientAuthenticationError) as caught:
        credential_for(emu, "00000000-dead-beef-0000-000000000000", "x").get_token("https://management.azure.com/.default")
    assert "AADSTS700016" in str(caught.value)
    assert "00000000-dead-beef-0000-000000000000" in str(caught.value)


def test_wrong_secret_is_aadsts7000215(emu):
    with pytest.raises(ClientAuthenticationError) as caught:
        credential_for(emu, CLIENT_ID, "wrong").get_token("https://management.azure.com/.default")
    assert "AADSTS7000215" in str(caught.value)


def test_aad_error_body_shape(raw):
    response = raw.session.post(f"{raw.emu.endpoint}/{TENANT}/oauth2/v2.0/token", data={
        "client_id": CLIENT_ID, "client_secret": "wrong", "grant_type": "client_credentials",
        "scope": "https://management.azure.com/.default"})
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    assert {"timestamp", "trace_id", "correlation_id", "error_description"} <= set(body)


def test_unknown_audience_and_tenant_are_refused(raw):
    form = {"client_id": CLIENT_ID, "client_secret": "emulator-ci-secret", "grant_type": "client_credentials",
            "scope": "https://vault.azure.net/.default"}
    response = raw.session.post(f"{raw.emu.endpoint}/{TENANT}/oauth2/v2.0/token", data=form)
    assert response.status_code == 400 and response.json()["error"] == "invalid_resource"
    response = raw.session.get(f"{raw.emu.endpoint}/not-a-tenant/v2.0/.well-known/openid-configuration")
    assert response.status_code == 400 and response.json()["error_codes"] == [90002]


def test_common_tenant_and_v1_token_endpoint(raw):
    config = raw.session.get(f"{raw.emu.endpoint}/common/v2.0/.well-known/openid-configuration").json()
    assert config["token_endpoint"] == f"{raw.emu.endpoint}/common/oauth2/v2.0/token"
    response = raw.session.post(f"{raw.emu.endpoint}/{TENANT}/oauth2/token", data={
        "client_id": CLIENT_ID, "client_secret": "emulator-ci-secret", "grant_type": "client_credentials",
        "resource": "https://management.core.windows.net/"})
    assert response.status_code == 200 and response.json()["resource"] == "https://management.core.windows.net/"


def test_missing_token_is_401_with_challenge(raw):
    response = raw.arm("GET", vault_path("any"), token=False)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "AuthenticationFailed", "message": "Authentication failed. The 'Authorization' header is missing.",
                                         "target": None, "details": None, "innerError": None}}
    assert response.headers["WWW-Authenticate"].startswith('Bearer authorization_uri="')
    assert "Retry-After" not in response.headers
    assert response.headers["x-ms-request-id"] and response.headers["x-ms-routing-request-id"]


class ForgedCredential:
    """A credential handing out a token the emulator never issued."""

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        return AccessToken("not-a-token-the-emulator-issued", int(time.time()) + 3600)


def test_invalid_token_is_401_for_the_sdk(emu):
    client = RecoveryServicesClient(ForgedCredential(), SUBSCRIPTION, base_url=emu.endpoint, connection_verify=emu.ca_file)
    with pytest.raises(ClientAuthenticationError) as caught:
        client.vaults.get("rg-backup-weu", "x")
    assert caught.value.error.code == "InvalidAuthenticationToken"


def test_foreign_subscription_is_403_naming_client_and_scope(emu, credential):
    client = RecoveryServicesClient(credential, FOREIGN_SUBSCRIPTION, base_url=emu.endpoint, connection_verify=emu.ca_file)
    with pytest.raises(HttpResponseError) as caught:
        client.vaults.get("rg-other", "rsv")
    assert caught.value.status_code == 403 and caught.value.error.code == "AuthorizationFailed"
    assert CLIENT_ID in caught.value.error.message
    assert "'Microsoft.RecoveryServices/vaults/read'" in caught.value.error.message
    assert f"/subscriptions/{FOREIGN_SUBSCRIPTION}/" in caught.value.error.message


def test_unknown_subscription_is_404(emu, credential):
    client = RecoveryServicesClient(credential, "99999999-0000-0000-0000-000000000000", base_url=emu.endpoint,
                                    connection_verify=emu.ca_file)
    with pytest.raises(ResourceNotFoundError) as caught:
        client.vaults.get("rg", "rsv")
    assert caught.value.error.code == "SubscriptionNotFound"


def test_missing_api_version_is_400(raw):
    response = raw.arm("GET", vault_path("any"), api_version=None)
    assert response.status_code == 400 and response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_subscriptions_list_shows_only_granted_ones(raw):
    body = raw.arm("GET", "/subscriptions", api_version="2022-12-01").json()
    assert [entry["subscriptionId"] for entry in body["value"]] == [SUBSCRIPTION]
    assert body["value"][0]["state"] == "Enabled" and body["value"][0]["tenantId"] == TENANT
    one = raw.arm("GET", f"/subscriptions/{SUBSCRIPTION}", api_version="2022-12-01").json()
    assert one["displayName"] == "Backup Demo"
