"""A private CA and a server certificate for 127.0.0.1 / localhost, made with ``cryptography``.

Both the fake AAD and ARM must be HTTPS (azure-identity rejects http authorities and the bearer
policy refuses http URLs). Files are kept in the state directory and reused while valid, so a
CA bundle path exported for one run stays good for the next run with the same ``--state-dir``.
The extensions (SKI/AKI, critical basicConstraints, keyUsage) satisfy strict X.509 checking.
"""

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
HOST_NAMES = ("localhost",)
HOST_IPS = ("127.0.0.1", "::1")


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "armemu"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (_builder(_name("armemu local CA"), _name("armemu local CA"), key.public_key(), 3650)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_server_cert(ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(name) for name in HOST_NAMES] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in HOST_IPS]
    cert = (_builder(_name("localhost"), ca_cert.subject, key.public_key(), 825)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=True, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _still_valid(paths):
    if not all(path.exists() for path in paths):
        return False
    cert = x509.load_pem_x509_certificate(paths[1].read_bytes())
    remaining = cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    return remaining > datetime.timedelta(days=1)


def ensure_certificates(state_dir):
    """(ca_file, cert_file, key_file) in ``state_dir``, generated unless still valid there."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    paths = (state_dir / CA_FILE, state_dir / CERT_FILE, state_dir / KEY_FILE)
    if not _still_valid(paths):
        ca_key, ca_cert = _make_ca()
        key, cert = _make_server_cert(ca_key, ca_cert)
        paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        paths[2].chmod(0o600)
    return tuple(str(path) for path in paths)
