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
def test_snake_keys_converts_azure_names(camel, snake):
    assert client.snake_keys({camel: 1}) == {snake: 1}


def test_snake_keys_keeps_tag_names():
    converted = client.snake_keys({"tags": {"costCenter": "1"}, "properties": {"publicNetworkAccess": "Enabled"}})
    assert converted == {"tags": {"costCenter": "1"}, "properties": {"public_network_access": "Enabled"}}


def test_snake_keys_keeps_user_named_maps_below_the_top_level():
    """Identity ids sit under ``identity``: camel_dict_to_snake_dict's ignore_list alone would convert them."""
    identity_id = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/idBackup"
    converted = client.snake_keys({"identity": {"userAssignedIdentities": {identity_id: {"principalId": "P"}}},
                                   "properties": {"tieringPolicy": {"ArchivedRP": {"tieringMode": "TierAfter"}}}})
    assert converted == {"identity": {"user_assigned_identities": {identity_id: {"principalId": "P"}}},
                         "properties": {"tiering_policy": {"ArchivedRP": {"tieringMode": "TierAfter"}}}}


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


def test_retry_timeout_and_token_cache_from_option_or_environment():
    settings = client.resolve_settings({"retry_timeout": 30}, {"AZURE_BACKUP_RETRY_TIMEOUT": "900", "AZURE_BACKUP_TOKEN_CACHE": "unencrypted"})
    assert (settings["retry_timeout"], settings["token_cache"]) == (30, "unencrypted")
    settings = client.resolve_settings({}, {"AZURE_BACKUP_RETRY_TIMEOUT": "900"})
    assert (settings["retry_timeout"], settings["token_cache"]) == (900, "none")
    assert client.resolve_settings({}, {})["retry_timeout"] == client.DEFAULT_RETRY_TIMEOUT


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_bad_retry_timeout_variable_names_itself(value):
    with pytest.raises(client.AzureConfigurationError, match="AZURE_BACKUP_RETRY_TIMEOUT|retry_timeout"):
        client.resolve_settings({}, {"AZURE_BACKUP_RETRY_TIMEOUT": value})


def test_a_missing_ca_bundle_is_refused_by_name(tmp_path):
    with pytest.raises(client.AzureConfigurationError, match="ca_bundle .*missing.pem does not exist"):
        client.check_ca_bundle(str(tmp_path / "missing.pem"), {})
    with pytest.raises(client.AzureConfigurationError, match="REQUESTS_CA_BUNDLE"):
        client.check_ca_bundle(None, {"REQUESTS_CA_BUNDLE": str(tmp_path / "gone.pem")})


def test_translate_error_says_how_long_retries_ran_for_throttling():
    error = FakeAzureError()
    error.status_code = 429
    translated = client.translate_error("list vaults", error, retry_timeout=300)
    assert "retry_timeout=300" in str(translated) and "AZURE_BACKUP_RETRY_TIMEOUT" in str(translated)


class Answer:
    """The parts of an azure-core HttpResponse that wait_for_operation reads."""

    def __init__(self, status_code=200, body=None, headers=None, url="https://arm/x?api-version=2026-05-01"):
        self.status_code = status_code
        self._body = body
        self.headers = headers or {}
        self.content = b"x" if body is not None else b""
        self.request = type("Request", (), {"url": url})()

    def json(self):
        return self._body


class ScriptedSession(client.AzureSession):
    def __init__(self, answers):
        super().__init__(client.resolve_settings({"subscription_id": "s"}, {}))
        self.answers = list(answers)
        self.sent = []

    def send(self, operation, method, path, api_version, body=None):  # pylint: disable=unused-argument
        self.sent.append((method, path, api_version))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture(name="no_sleep")
def fixture_no_sleep(monkeypatch):
    """Sleeping advances a fake monotonic clock instead of taking time."""
    slept = []
    monkeypatch.setattr(client.time, "monotonic", lambda: 1000.0 + sum(slept))
    monkeypatch.setattr(client.time, "sleep", slept.append)
    return slept


def started(status_url, request_url="https://arm/vaults/v/items/i?api-version=2026-05-01"):
    return Answer(202, headers={"Azure-AsyncOperation": status_url}, url=request_url)


def test_polls_without_retry_after_follow_the_adaptive_delays(no_sleep):
    session = ScriptedSession([Answer(body={"status": "InProgress"})] * 3 + [Answer(body={"status": "Succeeded", "properties": {"jobId": "j"}})])
    body = session.wait_for_operation("protect vm1", started("https://arm/operationsStatus/1?api-version=2019-05-13"), 60)
    assert body["properties"]["jobId"] == "j"
    assert no_sleep == [1.0, 1.5, 2.25]


def test_status_url_without_api_version_gets_the_starting_requests_one(no_sleep):
    session = ScriptedSession([Answer(body={"status": "Succeeded"})])
    session.wait_for_operation("protect vm1", started("https://arm/operationsStatus/1"), 60)
    assert session.sent == [("GET", "https://arm/operationsStatus/1", "2026-05-01")]
    assert not no_sleep


def test_azure_saying_failed_is_a_failure_whatever_confirm_says(no_sleep):
    session = ScriptedSession([Answer(body={"status": "Failed", "error": {"code": "UserErrorX", "message": "no"}})])
    with pytest.raises(client.AzureOperationError) as raised:
        session.wait_for_operation("protect vm1", started("https://arm/s/1?api-version=1"), 60, confirm=lambda: True)
    assert raised.value.code == "UserErrorX"
    assert not isinstance(raised.value, client.OperationOutcomeUnknown)


def test_a_failed_poll_asks_confirm_before_failing(no_sleep):
    poll_failure = client.AzureOperationError("poll", "connection dropped")
    session = ScriptedSession([poll_failure])
    assert session.wait_for_operation("protect vm1", started("https://arm/s/1?api-version=1"), 60, confirm=lambda: True) == \
        {"status": "Succeeded", "confirmed_by_read": True}
    session = ScriptedSession([poll_failure])
    with pytest.raises(client.OperationOutcomeUnknown, match="reading the operation's status failed"):
        session.wait_for_operation("protect vm1", started("https://arm/s/1?api-version=1"), 60, confirm=lambda: False)


def test_one_deadline_for_the_whole_wait(no_sleep):
    session = ScriptedSession([Answer(body={"status": "InProgress"})] * 20)
    with pytest.raises(client.OperationOutcomeUnknown, match="timed out"):
        session.wait_for_operation("protect vm1", started("https://arm/s/1?api-version=1"), 5)
    assert sum(no_sleep) <= 5


def test_location_polling_returns_the_final_answer(no_sleep):
    session = ScriptedSession([Answer(202), Answer(204)])
    response = Answer(202, headers={"Location": "https://arm/operationResults/1?api-version=1"})
    assert session.wait_for_operation("refresh", response, 60) is None
    assert len(session.sent) == 2


def emulated_session():
    """A session that needs no network to build its clients: a known cloud and a credential that is never asked."""
    options = {"subscription_id": "00000000-0000-0000-0000-000000000001", "cloud_environment": "AzureCloud"}
    session = client.AzureSession(client.resolve_settings(options, {}))
    session._credential = object()  # pylint: disable=protected-access
    return session


def policy_classes(pipeline_client):
    """The class names of a pipeline's policies, in order (azure-core wraps the sans-I/O ones in a runner)."""
    policies = pipeline_client._pipeline._impl_policies  # pylint: disable=protected-access
    return [type(getattr(policy, "_policy", policy)).__name__ for policy in policies]


def test_raw_requests_go_through_the_policies_of_an_sdk_client():
    """send's bare ARM pipeline has the SDK clients' policies in their order: a read without the SDK is the same request."""
    session = emulated_session()
    sdk_policies = policy_classes(session.client("recoveryservices")._client)  # pylint: disable=protected-access
    raw_policies = policy_classes(session.arm_pipeline)
    assert raw_policies == sdk_policies
    assert "PatientRetryPolicy" in raw_policies and "TokenRefreshPolicy" in raw_policies and "RateLimitPacingPolicy" in raw_policies


def test_the_raw_vault_read_uses_the_sdks_api_version():
    """find_vault and read_vault send the api-version azure-mgmt-recoveryservices would: keep them equal when the SDK moves."""
    from azure.mgmt.recoveryservices._configuration import RecoveryServicesClientConfiguration  # pylint: disable=import-outside-toplevel

    from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_API_VERSION  # pylint: disable=import-outside-toplevel

    assert RecoveryServicesClientConfiguration(credential=object(), subscription_id="s").api_version == VAULT_API_VERSION
