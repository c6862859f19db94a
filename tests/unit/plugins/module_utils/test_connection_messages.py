"""TLS and connection failures name the place and the option that fixes them: real handshakes over azure-core."""

import datetime
import ipaddress
import socket
import ssl
import threading
import time

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import AzureError
from azure.core.rest import HttpRequest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _client as client
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._retry import PatientRetryPolicy


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(directory, label):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(label)).issuer_name(_name(label)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=30))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    path = directory / f"{label}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, str(path)


def make_server_files(directory, ca_key, ca_cert, expired):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    not_after = now - datetime.timedelta(days=1) if expired else now + datetime.timedelta(days=10)
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=20)).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = directory / "server.pem", directory / "server-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.fixture(name="tls_server")
def fixture_tls_server(tmp_path):
    """A TLS listener on 127.0.0.1 whose certificate is signed by ``ca`` and expired or not, as asked."""
    listeners = []

    def start(expired=False):
        ca_key, ca_cert, ca_path = make_ca(tmp_path, "ca")
        cert_path, key_path = make_server_files(tmp_path, ca_key, ca_cert, expired)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve():
            while True:
                try:
                    connection, dummy = listener.accept()
                except OSError:
                    return
                try:
                    with context.wrap_socket(connection, server_side=True):
                        pass
                except (ssl.SSLError, OSError):
                    pass

        threading.Thread(target=serve, daemon=True).start()
        return f"https://127.0.0.1:{listener.getsockname()[1]}", ca_path

    yield start
    for listener in listeners:
        listener.close()


def failure(url, ca_bundle, budget=0):
    pipeline = PipelineClient(url, policies=[PatientRetryPolicy(budget)], connection_verify=ca_bundle)
    with pytest.raises(AzureError) as raised:
        pipeline.send_request(HttpRequest("GET", url + "/metadata/endpoints"))
    return client.translate_error("read vault v1", raised.value, ca_bundle, retry_timeout=budget, url=url)


def test_a_ca_that_does_not_sign_the_server_names_ca_bundle(tls_server, tmp_path):
    url, dummy = tls_server()
    dummy_key, dummy_cert, other_ca = make_ca(tmp_path, "other")
    message = str(failure(url, other_ca, budget=60))
    assert "not signed by a CA this task trusts" in message
    assert "retry_timeout" not in message
    assert "ca_bundle" in message and "REQUESTS_CA_BUNDLE" in message
    assert url.split("//")[1] in message
    assert "HTTPSConnectionPool" not in message


def test_an_expired_certificate_says_so_and_names_cloud_environment(tls_server):
    url, ca_path = tls_server(expired=True)
    message = str(failure(url, ca_path))
    assert "has expired" in message
    assert "cloud_environment" in message
    assert url.split("//")[1] in message


def test_a_bundle_that_is_not_pem_names_the_file_and_the_option(tls_server, tmp_path):
    url, dummy = tls_server()
    not_pem = tmp_path / "bundle.txt"
    not_pem.write_text("this is not a certificate\n")
    message = str(failure(url, str(not_pem)))
    assert str(not_pem) in message
    assert "PEM" in message and "ca_bundle" in message


def test_connection_refused_names_the_place_and_cloud_environment():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    message = str(failure(f"https://127.0.0.1:{port}", True, budget=1))
    assert "retry_timeout=1" in message
    assert f"127.0.0.1:{port}" in message
    assert "refused" in message and "cloud_environment" in message


def test_a_certificate_failure_is_not_retried(tls_server, tmp_path):
    url, dummy = tls_server()
    dummy_key, dummy_cert, other_ca = make_ca(tmp_path, "other")
    started = time.monotonic()
    assert "not signed" in str(failure(url, other_ca, budget=60))
    assert time.monotonic() - started < 5
