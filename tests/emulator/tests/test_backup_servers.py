"""Backup servers (MABS, DPM, MARS agents) through azure-mgmt-recoveryservicesbackup's own models:
backup engines, the containers Azure lists for them, and the registration stand-in fed a vault credentials document."""

import base64
import datetime

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.recoveryservices.models import CertificateRequest, RawCertificateData, Sku, Vault
from azure.mgmt.recoveryservicesbackup.models import (AzureBackupServerEngine, BackupEngineBaseResource, DpmBackupEngine,
                                                      DpmContainer, MabContainer)
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, pkcs12
from cryptography.x509.oid import NameOID

from helpers import GROUP, SUBSCRIPTION, vault_path
from vm_estate import VAULT, vm_estate

SERVERS = [
    {"name": "mabs-01.contoso.local", "kind": "AzureBackupServer", "vault": VAULT, "resourceGroup": GROUP, "version": "14.0.30.0",
     "agentVersion": "2.0.9532.0", "protectedServers": [{"name": "fs-01.contoso.local", "protectedItemCount": 3},
                                                        {"name": "sp-01.contoso.local", "protectedItemCount": 2}],
     "disk": {"count": 4, "usedGB": 800, "availableGB": 1200}},
    {"name": "dpm-01.contoso.local", "kind": "DPM", "vault": VAULT, "resourceGroup": GROUP, "lastContactHoursAgo": 50, "health": "Unhealthy",
     "protectedServers": [{"name": "sql-01.contoso.local"}]},
    {"name": "win-fs-02.contoso.local", "kind": "MARS", "vault": VAULT, "resourceGroup": GROUP, "protectedItemCount": 4, "agentVersion": "2.0.9600.0"},
]


@pytest.fixture(autouse=True)
def server_world(emu, fresh_world):
    estate = vm_estate()
    estate["backupServers"] = SERVERS
    emu.load_estate(estate)


def engine_filter(management_type):
    return f"backupManagementType eq '{management_type}'"


def test_engines_are_listed_with_the_spec_models(backup_client):
    engines = list(backup_client.backup_engines.list(VAULT, GROUP))
    assert [engine.name for engine in engines] == ["dpm-01.contoso.local", "mabs-01.contoso.local"]
    assert all(isinstance(engine, BackupEngineBaseResource) for engine in engines)
    dpm, mabs = (engine.properties for engine in engines)
    assert isinstance(mabs, AzureBackupServerEngine) and isinstance(dpm, DpmBackupEngine)
    assert mabs.backup_management_type == "AzureBackupServer" and dpm.backup_management_type == "DPM"
    assert mabs.dpm_version == "14.0.30.0" and mabs.azure_backup_agent_version == "2.0.9532.0"
    assert mabs.registration_status == "Registered" and mabs.backup_engine_state == "Active" and mabs.health_status == "Healthy"
    assert dpm.health_status == "Unhealthy"
    info = mabs.extended_info
    assert (info.protected_servers_count, info.protected_items_count, info.disk_count) == (2, 5, 4)
    assert (info.used_disk_space, info.available_disk_space) == (800.0, 1200.0)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - info.refreshed_at).total_seconds()) < 120
    assert 49 < (now - dpm.extended_info.refreshed_at).total_seconds() / 3600 < 51


def test_engine_filter_get_and_not_found(backup_client):
    assert [engine.name for engine in backup_client.backup_engines.list(VAULT, GROUP, filter=engine_filter("DPM"))] == ["dpm-01.contoso.local"]
    assert [engine.name for engine in backup_client.backup_engines.list(VAULT, GROUP, filter=engine_filter("AzureBackupServer"))] == \
        ["mabs-01.contoso.local"]
    assert not list(backup_client.backup_engines.list(VAULT, GROUP, filter=engine_filter("MAB")))  # a MARS agent is no backup engine
    engine = backup_client.backup_engines.get(VAULT, GROUP, "mabs-01.contoso.local")
    assert isinstance(engine.properties, AzureBackupServerEngine)
    assert engine.id.startswith("/Subscriptions/")
    with pytest.raises(ResourceNotFoundError) as caught:
        backup_client.backup_engines.get(VAULT, GROUP, "nobody")
    assert caught.value.error.code == "BMSUserErrorBackupEngineNotFound"


def test_containers_of_each_server_kind(backup_client):
    mab = list(backup_client.backup_protection_containers.list(VAULT, GROUP, filter=engine_filter("MAB")))
    assert [container.name for container in mab] == ["win-fs-02.contoso.local"]
    mars = mab[0].properties
    assert isinstance(mars, MabContainer) and mars.container_type == "Windows"
    assert mars.agent_version == "2.0.9600.0" and mars.protected_item_count == 4 and mars.container_health_state == "Healthy"
    assert mars.extended_info.last_refreshed_at is not None
    mabs = list(backup_client.backup_protection_containers.list(VAULT, GROUP, filter=engine_filter("AzureBackupServer")))
    assert [container.name for container in mabs] == ["fs-01.contoso.local", "sp-01.contoso.local"]
    # AzureBackupServerContainer derives from DpmContainer; the SDK resolves one level of discriminator only and
    # gives the base ProtectionContainer, so its fields are read from the mapping (as the collection does).
    assert all(container.properties.container_type == "AzureBackupServerContainer" for container in mabs)
    first = mabs[0].as_dict()["properties"]
    assert first["dpmServers"] == ["mabs-01.contoso.local"] and first["protectedItemCount"] == 3
    assert first["extendedInfo"]["lastRefreshedAt"]
    dpm = list(backup_client.backup_protection_containers.list(VAULT, GROUP, filter=engine_filter("DPM") + " and friendlyName eq 'SQL-01.contoso.local'"))
    assert [type(container.properties) for container in dpm] == [DpmContainer]
    vm_containers = list(backup_client.backup_protection_containers.list(VAULT, GROUP, filter=engine_filter("AzureIaasVM")))
    assert not vm_containers  # the servers' containers are not Azure VMs'
    single = backup_client.protection_containers.get(VAULT, GROUP, "Azure", "fs-01.contoso.local")
    assert single.properties.backup_management_type == "AzureBackupServer"


def test_an_unknown_vault_in_the_estate_is_refused(emu):
    estate = vm_estate()
    estate["backupServers"] = [dict(SERVERS[0], vault="rsv-missing")]
    with pytest.raises(ValueError, match="rsv-missing"):
        emu.load_estate(estate)


# --- the registration stand-in ------------------------------------------------------------------

def credentials_document(rs_client, vault_name, hours=48, upload=True):
    """A vault credentials document as Azure's tools make one: self-signed certificate, uploaded, its PFX inside."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Windows Azure Tools")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=2))
                   .not_valid_after(now + datetime.timedelta(hours=hours)).sign(key, hashes.SHA256()))
    if upload:
        request = CertificateRequest(properties=RawCertificateData(auth_type="AAD", certificate=certificate.public_bytes(Encoding.DER)))
        rs_client.vault_certificates.create(GROUP, vault_name, f"{vault_name}{SUBSCRIPTION}-11-30-2026-vaultcredentials", request)
    pfx = base64.b64encode(pkcs12.serialize_key_and_certificates(b"x", key, certificate, None, NoEncryption())).decode()
    members = {"Version": "2.0", "SubscriptionId": SUBSCRIPTION, "ResourceType": "Vaults", "ResourceName": vault_name, "ManagementCert": pfx,
               "ResourceId": "1", "ResourceGroup": GROUP}
    body = "".join(f"<{key}>{value}</{key}>" for key, value in members.items())
    return ('<RSBackupVaultAADCreds xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
            f'xmlns="http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common">{body}</RSBackupVaultAADCreds>')


def register(raw, document, name="mabs-02.contoso.local", kind="AzureBackupServer", **extra):
    return raw.control("POST", "backup-servers/register", {"vaultCredentials": document, "name": name, "kind": kind, **extra})


def test_a_server_registered_with_fresh_credentials_appears(raw, rs_client, backup_client):
    answer = register(raw, credentials_document(rs_client, VAULT), protectedServers=[{"name": "hv-01.contoso.local"}])
    assert answer.status_code == 200, answer.text
    engine = backup_client.backup_engines.get(VAULT, GROUP, "mabs-02.contoso.local")
    assert engine.properties.extended_info.protected_servers_count == 1
    again = register(raw, credentials_document(rs_client, VAULT), protectedServers=[])
    assert again.status_code == 200  # the same vault: registered again, its report refreshed
    assert backup_client.backup_engines.get(VAULT, GROUP, "mabs-02.contoso.local").properties.extended_info.protected_servers_count == 0
    names = [container.name for container in backup_client.backup_protection_containers.list(VAULT, GROUP, filter=engine_filter("AzureBackupServer"))]
    assert "hv-01.contoso.local" not in names


def test_registration_refusals(raw, rs_client):
    not_uploaded = register(raw, credentials_document(rs_client, VAULT, upload=False))
    assert not_uploaded.status_code == 400 and "never uploaded" in not_uploaded.text
    expired = register(raw, credentials_document(rs_client, VAULT, hours=-1))
    assert expired.status_code == 400 and "expired" in expired.text
    assert register(raw, "<not-credentials/>").status_code == 400
    assert register(raw, credentials_document(rs_client, VAULT), kind="Tape").status_code == 400
    rs_client.vaults.begin_create_or_update(GROUP, "rsv-other", Vault(location="westeurope", sku=Sku(name="Standard"))).result()
    moved = register(raw, credentials_document(rs_client, "rsv-other"), name="mabs-01.contoso.local")
    assert moved.status_code == 409 and VAULT in moved.text


def test_a_registered_server_keeps_its_vault_from_being_deleted(raw, rs_client):
    """Azure refuses to delete a vault with registered servers; the containers stored here count as such."""
    answer = raw.arm("DELETE", vault_path(VAULT))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "ServiceResourceNotEmptyWithContainerDetails"
    assert "win-fs-02.contoso.local" in answer.json()["error"]["message"]
