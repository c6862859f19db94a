import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _client as client


def test_options_win_over_awx_environment():
    settings = client.resolve_settings(
        {"client_id": "from-option", "secret": None, "tenant": None},
        {"AZURE_CLIENT_ID": "from-env", "AZURE_SECRET": "s3", "AZURE_TENANT": "t1", "AZURE_SUBSCRIPTION_ID": "sub"},
    )
    assert settings["client_id"] == "from-option"
    assert settings["secret"] == "s3"
    assert settings["tenant"] == "t1"
    assert settings["subscription_id"] == "sub"
    assert settings["cloud_environment"] == "AzureCloud"


def test_azure_identity_variable_names_are_accepted_too():
    settings = client.resolve_settings({}, {"AZURE_CLIENT_SECRET": "x", "AZURE_TENANT_ID": "t"})
    assert (settings["secret"], settings["tenant"]) == ("x", "t")


def test_awx_names_win_over_azure_identity_names():
    settings = client.resolve_settings({}, {"AZURE_SECRET": "awx", "AZURE_CLIENT_SECRET": "identity"})
    assert settings["secret"] == "awx"


@pytest.mark.parametrize("name, arm", [
    ("AzureCloud", "https://management.azure.com"),
    ("azureusgovernment", "https://management.usgovcloudapi.net"),
    ("AzureChinaCloud", "https://management.chinacloudapi.cn"),
    ("AzurePublicCloud", "https://management.azure.com"),
])
def test_known_clouds(name, arm):
    assert client.known_cloud(name)["resource_manager"] == arm


def test_unknown_cloud_names_the_allowed_values():
    with pytest.raises(client.AzureConfigurationError, match="AzureCloud, AzureUSGovernment, AzureChinaCloud"):
        client.known_cloud("AzureMoonCloud")


def test_custom_cloud_from_list_metadata():
    document = [
        {"name": "Other", "resourceManager": "https://other/", "authentication": {"loginEndpoint": "https://x", "audiences": ["https://x/"]}},
        {"name": "Stack", "resourceManager": "https://arm.local:8443/",
         "authentication": {"loginEndpoint": "https://login.local:8443/", "audiences": ["https://management.local/"]}},
    ]
    cloud = client.cloud_from_metadata("https://arm.local:8443", document)
    assert cloud == {"name": "Stack", "resource_manager": "https://arm.local:8443", "authority": "https://login.local:8443",
                     "audience": "https://management.local"}


def test_custom_cloud_from_legacy_metadata_object():
    document = {"galleryEndpoint": "g", "authentication": {"loginEndpoint": "https://login.local/", "audiences": ["https://aud/"]}}
    cloud = client.cloud_from_metadata("https://arm.local", document)
    assert cloud["authority"] == "https://login.local"
    assert cloud["audience"] == "https://aud"


def test_metadata_without_login_endpoint_is_an_error():
    with pytest.raises(client.AzureConfigurationError, match="loginEndpoint"):
        client.cloud_from_metadata("https://arm.local", [{"resourceManager": "https://arm.local"}])


@pytest.mark.parametrize("camel, snake", [
    ("provisioningState", "provisioning_state"),
    ("standardTierStorageRedundancy", "standard_tier_storage_redundancy"),
    ("isInstantIlrSessionActive", "is_instant_ilr_session_active"),
    ("vaultId", "vault_id"),
    ("IaasVMContainer", "iaas_vm_container"),
    ("name", "name"),
])
def test_camel_to_snake(camel, snake):
    assert client.camel_to_snake(camel) == snake


def test_snake_keys_keeps_tag_names():
    converted = client.snake_keys({"tags": {"costCenter": "1"}, "properties": {"publicNetworkAccess": "Enabled"}})
    assert converted == {"tags": {"costCenter": "1"}, "properties": {"public_network_access": "Enabled"}}


@pytest.mark.parametrize("headers, seconds", [
    ({"Retry-After": "7"}, 7.0),
    ({"retry-after-ms": "250"}, 0.25),
    ({"Retry-After": "0"}, client.DEFAULT_POLL_SECONDS),
    ({}, client.DEFAULT_POLL_SECONDS),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, client.DEFAULT_POLL_SECONDS),
])
def test_retry_after_seconds(headers, seconds):
    assert client.retry_after_seconds(headers) == seconds


def test_parse_resource_id_is_case_insensitive_on_segment_names():
    parsed = client.parse_resource_id("/Subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm1")
    assert parsed["subscriptions"] == "S"
    assert parsed["resourcegroups"] == "RG"
    assert parsed["virtualmachines"] == "vm1"


class FakeAzureError(Exception):
    def __init__(self):
        super().__init__("(ResourceGroupNotFound) Resource group 'x' could not be found.\nCode: ResourceGroupNotFound\nMessage: ...")
        self.status_code = 404
        self.error = type("Error", (), {"code": "ResourceGroupNotFound"})()
        self.message = str(self)


def test_translate_error_names_operation_status_and_code():
    error = client.translate_error("create vault v1", FakeAzureError())
    assert error.status == 404
    assert error.code == "ResourceGroupNotFound"
    assert str(error) == "create vault v1 failed (HTTP 404 ResourceGroupNotFound): Resource group 'x' could not be found."
