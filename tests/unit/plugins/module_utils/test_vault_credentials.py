"""The vault credentials document: names, certificate, XML layout, parsing back, private writes."""

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _vault_credentials as creds

NOW = datetime.datetime(2026, 11, 24, 9, 30, tzinfo=datetime.timezone.utc)
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
BIG_RESOURCE_ID = 8726350008099341699  # > 2**53: a double would round it to ...341000
AAD_DETAILS = {
    "authType": "AzureActiveDirectory", "resourceId": BIG_RESOURCE_ID, "aadAuthority": "https://login.windows.net",
    "aadTenantId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "servicePrincipalClientId": "3c0c7f51-5f8e-4f0d-9a4e-0b8f1c2d3e4f",
    "azureManagementEndpointAudience": "https://pod01-id1.weu.backup.windowsazure.com/restapi/",
}
VAULT = {"name": "rsv-prod-weu", "location": "westeurope"}


@pytest.fixture(scope="module")
def key_and_certificate():
    return creds.new_certificate(48, NOW)


def document(key_and_certificate, **overrides):
    key, certificate = key_and_certificate
    values = creds.credential_values(VAULT, SUBSCRIPTION, "rg-backup", creds.management_cert(key, certificate, "friendly"), AAD_DETAILS)
    values.update(overrides)
    return values, creds.build_credentials_xml(values)


def test_certificate_name_follows_azure_tools():
    assert creds.certificate_name("rsv", SUBSCRIPTION, datetime.date(2026, 3, 7)) == f"rsv{SUBSCRIPTION}-3-7-2026-vaultcredentials"


def test_default_file_name_is_the_portal_one_in_any_locale():
    assert creds.default_file_name("rsv-prod-weu", NOW) == "rsv-prod-weu_Tue Nov 24 2026.VaultCredentials"
    assert creds.default_file_name("v", datetime.datetime(2027, 1, 3)) == "v_Sun Jan 03 2027.VaultCredentials"


def test_new_certificate_is_short_lived_client_auth_rsa_2048(key_and_certificate):
    key, certificate = key_and_certificate
    assert key.key_size == 2048
    assert certificate.subject.rfc4514_string() == certificate.issuer.rfc4514_string() == "CN=Windows Azure Tools"
    assert certificate.not_valid_before_utc == NOW - datetime.timedelta(minutes=10)
    assert certificate.not_valid_after_utc == NOW + datetime.timedelta(hours=48)
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_management_cert_is_a_passwordless_pfx_with_the_private_key(key_and_certificate):
    key, certificate = key_and_certificate
    pfx = base64.b64decode(creds.management_cert(key, certificate, "friendly"))
    loaded_key, loaded_certificate, _additional = pkcs12.load_key_and_certificates(pfx, None)
    assert loaded_certificate == certificate
    assert loaded_key.private_numbers() == key.private_numbers()


def test_xml_has_the_data_contract_layout(key_and_certificate):
    _values, xml = document(key_and_certificate)
    text = xml.decode("utf-8")
    assert not xml.startswith(b"\xef\xbb\xbf")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\r\n<RSBackupVaultAADCreds\r\n'
                           '  xmlns:i="http://www.w3.org/2001/XMLSchema-instance"\r\n'
                           '  xmlns="http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common">\r\n'
                           "  <Version>2.0</Version>\r\n"
                           f"  <SubscriptionId>{SUBSCRIPTION}</SubscriptionId>\r\n"
                           "  <ResourceType>Vaults</ResourceType>\r\n"
                           "  <ResourceName>rsv-prod-weu</ResourceName>\r\n  <ManagementCert>")
    assert text.endswith("</RSBackupVaultAADCreds>")
    order = [text.index(f"<{field}>") for field in creds.CREDENTIAL_FIELDS]
    assert order == sorted(order)
    assert f"<ResourceId>{BIG_RESOURCE_ID}</ResourceId>" in text
    assert "<ProviderNamespace>Microsoft.RecoveryServices</ProviderNamespace>" in text
    assert "<IdMgmtRestEndpoint>https://pod01-id1.weu.backup.windowsazure.com/restapi/</IdMgmtRestEndpoint>" in text


def test_xml_parses_back_to_the_same_values(key_and_certificate):
    values, xml = document(key_and_certificate)
    parsed = creds.parse_credentials_xml(xml)
    assert parsed == values
    assert parsed["ResourceId"] == BIG_RESOURCE_ID


def test_missing_members_are_nil_like_the_serializer_writes_them(key_and_certificate):
    _values, xml = document(key_and_certificate, AadAuthority=None)
    assert b'<AadAuthority\r\n    i:nil="true" />' in xml
    assert creds.parse_credentials_xml(xml)["AadAuthority"] is None


def test_text_is_escaped(key_and_certificate):
    _values, xml = document(key_and_certificate, AgentLinks="a&b<c>")
    assert b"<AgentLinks>a&amp;b&lt;c&gt;</AgentLinks>" in xml
    assert creds.parse_credentials_xml(xml)["AgentLinks"] == "a&b<c>"


@pytest.mark.parametrize("bad, reason", [
    (b"not xml", "not XML"),
    (b"<Other xmlns='x'/>", "root element"),
    (b'<RSBackupVaultAADCreds xmlns="http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common">'
     b"<Version>2.0</Version></RSBackupVaultAADCreds>", "missing SubscriptionId"),
])
def test_parse_refuses_other_documents(bad, reason):
    with pytest.raises(creds.CredentialsFileError, match=reason):
        creds.parse_credentials_xml(bad)


def test_read_credentials_file_returns_the_certificate(tmp_path, key_and_certificate):
    _values, xml = document(key_and_certificate)
    path = tmp_path / "v.VaultCredentials"
    path.write_bytes(xml)
    values, certificate = creds.read_credentials_file(str(path))
    assert values["ResourceName"] == "rsv-prod-weu"
    assert certificate == key_and_certificate[1]
    assert creds.thumbprint(certificate) == certificate.fingerprint(hashes.SHA1()).hex().upper()


def test_a_broken_management_cert_is_refused(tmp_path, key_and_certificate):
    _values, xml = document(key_and_certificate, ManagementCert=base64.b64encode(b"junk").decode())
    path = tmp_path / "v.VaultCredentials"
    path.write_bytes(xml)
    with pytest.raises(creds.CredentialsFileError, match="PFX"):
        creds.read_credentials_file(str(path))
