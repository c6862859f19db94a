"""Vault certificate upload through azure-mgmt-recoveryservices 4.3.0 (contract §2.2)."""

import base64
import datetime
import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.recoveryservices.models import (CertificateRequest, RawCertificateData, ResourceCertificateAndAadDetails, Sku, Vault,
                                                VaultCertificateResponse)
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from helpers import GROUP, SUBSCRIPTION, vault_path

CERT_NAME = f"rsv-mars{SUBSCRIPTION}-11-24-2026-vaultcredentials"


def self_signed_der(hours=48):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Windows Azure Tools")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=10))
                   .not_valid_after(now + datetime.timedelta(hours=hours)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(Encoding.DER), certificate


@pytest.fixture
def vault(rs_client):
    return rs_client.vaults.begin_create_or_update(GROUP, "rsv-mars", Vault(location="westeurope", sku=Sku(name="Standard"))).result()


def upload(rs_client, der, auth_type="AAD", name=CERT_NAME):
    request = CertificateRequest(properties=RawCertificateData(auth_type=auth_type, certificate=der))
    return rs_client.vault_certificates.create(GROUP, "rsv-mars", name, request)


def test_upload_answers_aad_details_the_sdk_deserialises(rs_client, raw, vault):
    der, certificate = self_signed_der()
    response = upload(rs_client, der)
    assert isinstance(response, VaultCertificateResponse)
    assert response.name == CERT_NAME
    assert response.type == "Microsoft.RecoveryServices/vaults/certificates"
    assert response.id.lower() == (vault_path("rsv-mars") + f"/certificates/{CERT_NAME}").lower()
    details = response.properties
    assert isinstance(details, ResourceCertificateAndAadDetails)
    assert details.auth_type == "AzureActiveDirectory"
    assert details.certificate == der
    assert details.thumbprint == certificate.fingerprint(hashes.SHA1()).hex().upper()
    assert details.subject == details.issuer == "CN=Windows Azure Tools"
    assert details.valid_from == certificate.not_valid_before_utc
    assert details.valid_to == certificate.not_valid_after_utc
    assert details.aad_tenant_id == raw.emu.tenant
    assert details.aad_authority == raw.emu.endpoint
    assert len(details.service_principal_client_id) == 36
    assert details.azure_management_endpoint_audience.endswith("/restapi/")
    assert details.aad_audience.endswith(f"/RecoveryServiceVault/westeurope/rsv-mars/{details.resource_id}")
    assert [(entry["method"], entry["status"]) for entry in raw.requests_since()["requests"] if entry["kind"] == "arm"][-1] == ("PUT", 200)


def test_resource_id_is_an_exact_int64_above_2_to_the_53(rs_client, raw, vault):
    der = self_signed_der()[0]
    first = upload(rs_client, der).properties.resource_id
    wire = raw.arm("PUT", vault_path("rsv-mars") + "/certificates/again",
                   {"properties": {"authType": "AAD", "certificate": base64.b64encode(der).decode()}})
    assert wire.status_code == 200
    assert '"resourceId": %d' % first in wire.text  # a JSON integer, every digit kept
    assert json.loads(wire.text)["properties"]["resourceId"] == first
    assert isinstance(first, int) and 2 ** 53 < first < 2 ** 63


def test_resource_id_is_stable_per_vault(rs_client, vault):
    der = self_signed_der()[0]
    assert upload(rs_client, der).properties.resource_id == upload(rs_client, der, name="other").properties.resource_id


def test_acs_and_unknown_auth_types_are_refused(rs_client, vault):
    der = self_signed_der()[0]
    for auth_type in ("AccessControlService", "Invalid"):
        with pytest.raises(HttpResponseError) as caught:
            upload(rs_client, der, auth_type=auth_type)
        assert caught.value.status_code == 400


def test_a_certificate_that_is_not_der_is_refused(rs_client, vault):
    with pytest.raises(HttpResponseError) as caught:
        upload(rs_client, b"not a certificate")
    assert caught.value.status_code == 400
    assert "DER X.509" in caught.value.error.message


def test_upload_to_a_missing_vault_is_404(rs_client):
    der = self_signed_der()[0]
    with pytest.raises(ResourceNotFoundError):
        upload(rs_client, der)
