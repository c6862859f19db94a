# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Vault credentials files for the MARS agent, MABS and DPM (``*.VaultCredentials``), built offline.

The file is what the portal's "Download vault credentials" and PowerShell's
``Get-AzRecoveryServicesVaultSettingsFile -Backup`` produce: a .NET DataContractSerializer
document ``RSBackupVaultAADCreds`` holding the vault's identity (from the certificate upload's
answer) and ``ManagementCert``, the PFX of a fresh self-signed certificate *with its private
key*. MABS and DPM register with the same document (Azure PowerShell makes it for "a Windows Server or
DPM machine" alike). Everything here is pure (no Azure calls) so it can be unit tested; cryptography is
imported only when a certificate is made or read.
"""

from __future__ import annotations

import base64
import datetime
from xml.etree import ElementTree

CREDENTIALS_NAMESPACE = "http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common"
SCHEMA_INSTANCE_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
ROOT_ELEMENT = "RSBackupVaultAADCreds"

# The data members of RSBackupVaultAADCreds in their DataMember(Order) sequence; the
# DataContractSerializer writes (and expects to read) them in exactly this order.
CREDENTIAL_FIELDS = (
    "Version", "SubscriptionId", "ResourceType", "ResourceName", "ManagementCert", "ResourceId", "ResourceGroup",
    "Location", "ProviderNamespace", "AadAuthority", "AadTenantId", "ServicePrincipalClientId", "IdMgmtRestEndpoint",
    "AgentLinks",
)
CREDENTIALS_VERSION = "2.0"
RESOURCE_TYPE = "Vaults"
PROVIDER_NAMESPACE = "Microsoft.RecoveryServices"
# The links every Azure-made vault credentials file carries (the agent shows them in its UI).
AGENT_LINKS = ("WABUpdateKBLink,http://go.microsoft.com/fwlink/p/?LinkId=229525;"
               "StorageQuotaPurchaseLink,http://go.microsoft.com/fwlink/?LinkId=205490;"
               "WebPortalLink,http://go.microsoft.com/fwlink/?LinkId=817353;"
               "WABprivacyStatement,http://go.microsoft.com/fwlink/?LinkId=221308")

CERTIFICATE_SUBJECT = "Windows Azure Tools"
CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2"  # Azure refuses an upload without the client-authentication EKU
KEY_SIZE = 2048
BACKDATE = datetime.timedelta(minutes=10)  # clock skew allowance, as Azure's own tools do
FILE_SUFFIX = ".VaultCredentials"
# .NET's "ddd MMM dd yyyy" in the invariant culture, independent of the controller's locale.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class CredentialsFileError(Exception):
    """A file that is not a usable vault credentials file."""


def certificate_name(vault_name, subscription_id, local_today):
    """The upload's certificate name: ``{vault}{subscription}-{M-d-yyyy}-vaultcredentials``."""
    return f"{vault_name}{subscription_id}-{local_today.month}-{local_today.day}-{local_today.year}-vaultcredentials"


def default_file_name(vault_name, utc_now):
    """``{vault}_{ddd MMM dd yyyy}.VaultCredentials``, the portal's file name."""
    stamp = f"{DAY_NAMES[utc_now.weekday()]} {MONTH_NAMES[utc_now.month - 1]} {utc_now.day:02d} {utc_now.year}"
    return f"{vault_name}_{stamp}{FILE_SUFFIX}"


def new_certificate(validity_hours, utc_now):
    """A fresh RSA 2048 key and a self-signed client-authentication certificate for it."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID, ObjectIdentifier

    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_SUBJECT)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(utc_now - BACKDATE)
        .not_valid_after(utc_now + datetime.timedelta(hours=validity_hours))
        .add_extension(x509.ExtendedKeyUsage([ObjectIdentifier(CLIENT_AUTH_OID)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def certificate_der(certificate):
    from cryptography.hazmat.primitives.serialization import Encoding  # pylint: disable=import-outside-toplevel

    return certificate.public_bytes(Encoding.DER)


def thumbprint(certificate):
    """Windows' certificate thumbprint: SHA-1 of the DER, upper-case hex."""
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel

    return certificate.fingerprint(hashes.SHA1()).hex().upper()  # nosec B303 - the thumbprint is defined as SHA-1


def management_cert(key, certificate, friendly_name):
    """``ManagementCert``: base64 of a PFX holding the certificate and its private key, no password.

    Azure's tools export the PFX with an empty password; the agent imports it without one.
    """
    # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12

    pfx = pkcs12.serialize_key_and_certificates(friendly_name.encode("utf-8"), key, certificate, None, NoEncryption())
    return base64.b64encode(pfx).decode("ascii")


def certificate_from_management_cert(encoded_pfx):
    """The certificate inside a ``ManagementCert`` value; raises CredentialsFileError when unreadable."""
    from cryptography.hazmat.primitives.serialization import pkcs12  # pylint: disable=import-outside-toplevel

    try:
        private_key, certificate, _additional = pkcs12.load_key_and_certificates(base64.b64decode(encoded_pfx, validate=True), None)
    except ValueError as error:
        raise CredentialsFileError(f"ManagementCert is not a password-less PFX: {error}") from error
    if certificate is None or private_key is None:
        raise CredentialsFileError("ManagementCert holds no certificate with a private key")
    return certificate


def credential_values(vault, subscription_id, resource_group, management_cert_b64, aad_details):
    """The data members, from the vault, the PFX and the upload answer's ``properties`` (camelCase)."""
    return {
        "Version": CREDENTIALS_VERSION,
        "SubscriptionId": subscription_id,
        "ResourceType": RESOURCE_TYPE,
        "ResourceName": vault["name"],
        "ManagementCert": management_cert_b64,
        "ResourceId": int(aad_details["resourceId"]),
        "ResourceGroup": resource_group,
        "Location": vault["location"],
        "ProviderNamespace": PROVIDER_NAMESPACE,
        "AadAuthority": aad_details.get("aadAuthority"),
        "AadTenantId": aad_details.get("aadTenantId"),
        "ServicePrincipalClientId": aad_details.get("servicePrincipalClientId"),
        "IdMgmtRestEndpoint": aad_details.get("azureManagementEndpointAudience"),
        "AgentLinks": AGENT_LINKS,
    }


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_credentials_xml(values):
    """Serialise like .NET's DataContractSerializer through XmlWriter(Indent, NewLineOnAttributes).

    UTF-8 without BOM, CRLF line ends, members in contract order; a missing (None) member is
    written as ``i:nil="true"`` the way the serializer does.  ``ResourceId`` is an int64 and is
    written with every digit.
    """
    newline = "\r\n"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f"<{ROOT_ELEMENT}",
        f'  xmlns:i="{SCHEMA_INSTANCE_NAMESPACE}"',
        f'  xmlns="{CREDENTIALS_NAMESPACE}">',
    ]
    for field in CREDENTIAL_FIELDS:
        value = values.get(field)
        if value is None:
            lines.append(f'  <{field}{newline}    i:nil="true" />')
        else:
            lines.append(f"  <{field}>{_escape(str(value))}</{field}>")
    lines.append(f"</{ROOT_ELEMENT}>")
    return newline.join(lines).encode("utf-8")


def parse_credentials_xml(document):
    """The data members of a vault credentials document as a dict (``ResourceId`` as int).

    Raises CredentialsFileError for anything that is not an RSBackupVaultAADCreds document.
    """
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise CredentialsFileError(f"not XML: {error}") from error
    if root.tag != f"{{{CREDENTIALS_NAMESPACE}}}{ROOT_ELEMENT}":
        raise CredentialsFileError(f"root element is {root.tag}, not {ROOT_ELEMENT} in {CREDENTIALS_NAMESPACE}")
    values = {}
    for child in root:
        field = child.tag.split("}", 1)[-1]
        nil = child.get(f"{{{SCHEMA_INSTANCE_NAMESPACE}}}nil") == "true"
        values[field] = None if nil else (child.text or "")
    missing = [field for field in ("SubscriptionId", "ResourceName", "ManagementCert", "ResourceId") if not values.get(field)]
    if missing:
        raise CredentialsFileError(f"missing {', '.join(missing)}")
    values["ResourceId"] = int(values["ResourceId"])
    return values


def read_credentials_file(path):
    """(values, certificate) of an existing credentials file; raises CredentialsFileError."""
    try:
        with open(path, "rb") as handle:
            values = parse_credentials_xml(handle.read())
    except OSError as error:
        raise CredentialsFileError(f"cannot read {path}: {error}") from error
    return values, certificate_from_management_cert(values["ManagementCert"])
