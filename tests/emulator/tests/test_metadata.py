"""The cloud metadata endpoint in its three shapes, and using it the way a custom-cloud client does."""

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservices import RecoveryServicesClient

from helpers import CLIENT_ID, SECRET, SUBSCRIPTION, TENANT


def metadata(raw, api_version):
    params = {"api-version": api_version} if api_version else {}
    response = raw.session.get(raw.emu.metadata_url, params=params)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


@pytest.mark.parametrize("api_version", [None, "1.0", "2015-01-01"])
def test_legacy_format_is_one_object(raw, api_version):
    body = metadata(raw, api_version)
    assert set(body) == {"galleryEndpoint", "graphEndpoint", "portalEndpoint", "authentication"}
    assert body["authentication"]["loginEndpoint"] == raw.emu.endpoint + "/"
    assert body["authentication"]["audiences"][:2] == ["https://management.core.windows.net/", "https://management.azure.com/"]


@pytest.mark.parametrize("api_version", ["2019-05-01", "2020-06-01"])
def test_2019_and_2020_formats_are_a_list_of_clouds(raw, api_version):
    clouds = metadata(raw, api_version)
    assert isinstance(clouds, list) and len(clouds) == 1
    cloud = clouds[0]
    assert cloud["resourceManager"] == raw.emu.endpoint + "/"
    assert cloud["authentication"]["identityProvider"] == "AAD" and cloud["authentication"]["tenant"] == "common"
    assert {"name", "suffixes", "sqlManagement", "batch", "graphAudience", "vmImageAliasDoc", "media"} <= set(cloud)


def test_2022_format_is_one_cloud_object(raw):
    cloud = metadata(raw, "2022-09-01")
    assert isinstance(cloud, dict) and cloud["name"] == "ArmEmulator"
    assert cloud["suffixes"]["storage"] == "core.windows.net"


def test_a_client_configured_only_from_metadata_works(raw):
    cloud = metadata(raw, "2022-09-01")
    authority = cloud["authentication"]["loginEndpoint"]
    scope = cloud["authentication"]["audiences"][0] + ".default"
    credential = ClientSecretCredential(TENANT, CLIENT_ID, SECRET, authority=authority, disable_instance_discovery=True,
                                        connection_verify=raw.emu.ca_file)
    client = RecoveryServicesClient(credential, SUBSCRIPTION, base_url=cloud["resourceManager"], credential_scopes=[scope],
                                    connection_verify=raw.emu.ca_file)
    assert not list(client.vaults.list_by_subscription_id())
    kinds = [entry["kind"] for entry in raw.requests_since()["requests"]]
    assert kinds[-1] == "arm" and "aad" in kinds
