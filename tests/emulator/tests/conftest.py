"""Fixtures: one in-process emulator for the session, reset before every test, and the real SDKs."""

import pytest
from azure.identity import ClientSecretCredential
from azure.mgmt.recoveryservices import RecoveryServicesClient
from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient

from helpers import CLIENT_ID, DEMO, FAST, SECRET, SUBSCRIPTION, Raw

from armemu.server import Emulator


@pytest.fixture(scope="session")
def emu():
    emulator = Emulator(DEMO, lro_delay=FAST["lro_delay"], retry_after=FAST["retry_after"]).start()
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def fresh_world(emu):
    """Every test starts from the demo estate, default fast settings, no faults and an empty log."""
    emu.load_estate(DEMO)
    emu.settings.update(FAST)
    emu.faults.clear()
    emu.log.reset()


@pytest.fixture(scope="session")
def credential(emu):
    return ClientSecretCredential(emu.tenant, CLIENT_ID, SECRET, authority=emu.endpoint,
                                  disable_instance_discovery=True, connection_verify=emu.ca_file)


def _client_options(emu):
    return {"base_url": emu.endpoint, "credential_scopes": ["https://management.azure.com/.default"],
            "connection_verify": emu.ca_file, "polling_interval": 1}


@pytest.fixture(scope="session")
def rs_client(emu, credential):
    return RecoveryServicesClient(credential, SUBSCRIPTION, **_client_options(emu))


@pytest.fixture(scope="session")
def backup_client(emu, credential):
    return RecoveryServicesBackupClient(credential, SUBSCRIPTION, **_client_options(emu))


@pytest.fixture
def raw(emu, credential):
    return Raw(emu, credential)
