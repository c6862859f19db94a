"""Vault certificate upload ``PUT V/certificates/{certificateName}`` (api-version 2026-11-01, contract §2.2).

The call behind every ``.VaultCredentials`` file (portal download, PowerShell
``Get-AzRecoveryServicesVaultSettingsFile -Backup``): the client makes a self-signed certificate,
uploads its public part here, and writes the answer plus the certificate's PFX into the file the
MARS agent registers with.

- ``PUT`` → **200 only** (not an LRO), body ``ResourceCertificateAndAadDetails``.
- ``authType`` is the discriminator. The request says ``AAD`` (or ``AzureActiveDirectory``); the
  answer always says ``AzureActiveDirectory``. ACS is retired, so ``ACS``/``AccessControlService``
  is refused with 400 (the emulator's choice: the spec still lists the values, unverified).
- ``certificate`` must be base64 DER of an X.509 certificate; ``thumbprint`` (SHA-1, upper-case
  hex), ``subject``, ``issuer``, ``validFrom`` and ``validTo`` are read from it.
- ``resourceId`` is the vault's 64-bit id, larger than 2^53 and emitted as a JSON integer so
  clients that parse it as a double would lose digits (contract §2.2). It is stable per vault.
- ``aadTenantId`` is the estate's tenant and ``aadAuthority`` this cloud's login endpoint;
  ``servicePrincipalClientId``/``ObjectId`` are stable per vault. ``serviceResourceId`` is left
  out: its content is not documented.

The uploaded certificate is stored under the vault (``V/certificates/{name}``) so
``/_emulator/state`` shows it; Azure has no GET for it, and neither has the emulator.
"""

import base64
import binascii
import hashlib
import uuid

from armemu.core.errors import bad_request
from armemu.core.http import json_response
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, require_vault

CERTIFICATE = VAULT + "/certificates/{certificateName}"
CERTIFICATE_TYPE = "Microsoft.RecoveryServices/vaults/certificates"
AAD_AUTH_TYPES = ("AAD", "AzureActiveDirectory")
ACS_AUTH_TYPES = ("ACS", "AccessControlService")
# Vault resource ids are 64-bit; setting bit 62 keeps every emulated one above 2^53.
RESOURCE_ID_FLOOR_BIT = 1 << 62


def vault_resource_id(vault_arm_id):
    """The vault's int64 resource id: stable per vault, always between 2^62 and 2^63."""
    digest = hashlib.sha256(vault_arm_id.lower().encode("utf-8")).digest()
    return RESOURCE_ID_FLOOR_BIT | (int.from_bytes(digest[:8], "big") & (RESOURCE_ID_FLOOR_BIT - 1))


def _stable_guid(vault_arm_id, purpose):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{vault_arm_id.lower()}#{purpose}"))


def _auth_type(properties):
    auth_type = properties.get("authType")
    if auth_type in AAD_AUTH_TYPES:
        return "AzureActiveDirectory"
    if auth_type in ACS_AUTH_TYPES:
        raise bad_request("Access Control Service (ACS) authentication is no longer supported for vault credentials; use AAD.")
    raise bad_request(f"Invalid value '{auth_type}' for 'properties.authType'. Allowed values: AAD, AzureActiveDirectory.")


def _load_certificate(encoded):
    """The X.509 certificate a request carries as base64 DER; 400 when it is not one."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel

    if not isinstance(encoded, str) or not encoded:
        raise bad_request("'properties.certificate' is required: the base64-encoded DER bytes of the certificate.")
    try:
        der = base64.b64decode(encoded, validate=True)
        return der, x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as err:
        raise bad_request(f"'properties.certificate' is not a base64-encoded DER X.509 certificate: {err}") from err


def certificate_details(emu, vault, der, certificate, auth_type):
    """The ``properties`` of the answer (ResourceCertificateAndAadDetails)."""
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel

    resource_id = vault_resource_id(vault["id"])
    return {
        "authType": auth_type,
        "certificate": base64.b64encode(der).decode("ascii"),
        "friendlyName": "",
        "issuer": certificate.issuer.rfc4514_string(),
        "subject": certificate.subject.rfc4514_string(),
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex().upper(),  # nosec B303 - X.509 thumbprints are SHA-1
        "validFrom": certificate.not_valid_before_utc.isoformat(),
        "validTo": certificate.not_valid_after_utc.isoformat(),
        "resourceId": resource_id,
        "aadAuthority": emu.endpoint,
        "aadTenantId": emu.tenant,
        "servicePrincipalClientId": _stable_guid(vault["id"], "service-principal-client"),
        "servicePrincipalObjectId": _stable_guid(vault["id"], "service-principal-object"),
        "azureManagementEndpointAudience": f"{emu.endpoint}/idmgmt/{vault['location']}/restapi/",
        "aadAudience": f"api://{emu.tenant}/RecoveryServiceVault/{vault['location']}/{vault['name']}/{resource_id}",
    }


@route("PUT", CERTIFICATE)
def upload_certificate(req):
    vault = require_vault(req)
    properties = req.json().get("properties")
    if not isinstance(properties, dict):
        raise bad_request("'properties' is required: {\"authType\": \"AAD\", \"certificate\": \"<base64 DER>\"}.")
    auth_type = _auth_type(properties)
    der, certificate = _load_certificate(properties.get("certificate"))
    name = req.params["certificateName"]
    # ARM ids of this resource start with "/Subscriptions/" in Azure's own example.
    resource = {
        "id": "/S" + f"{vault['id']}/certificates/{name}"[2:],
        "name": name,
        "type": CERTIFICATE_TYPE,
        "properties": certificate_details(req.emu, vault, der, certificate, auth_type),
    }
    req.emu.store.put(f"{vault['id']}/certificates/{name}", resource)
    return json_response(200, resource)
