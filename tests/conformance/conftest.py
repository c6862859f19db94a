"""The az CLI conformance stage: Microsoft's az, pinned and unchanged, against the emulator.

az talks to the emulator as to any custom cloud: ``az cloud register`` with the emulator's
metadata endpoint, trust through ``REQUESTS_CA_BUNDLE``, ``core.instance_discovery=false`` (the
setting az documents for Azure Stack, so MSAL does not ask login.microsoftonline.com about an
authority it does not know) and ``az login --service-principal`` against the fake Azure AD. Each
az call gets its own process and the session's isolated ``AZURE_CONFIG_DIR``.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ESTATE = HERE / "estate.yml"
sys.path.insert(0, str(ROOT / "tests" / "emulator"))
from armemu.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
VAULT_GROUP = "rg-backup-weu"
APP_GROUP = "rg-App-WEU"
LRO_DELAY = 0.3  # seconds an operation stays InProgress: az's own polling intervals dominate the run time anyway


@dataclass
class AzResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout) if self.stdout.strip() else None


class AzCli:
    """Runs the pinned az with an isolated configuration directory pointed at the emulator."""

    def __init__(self, executable, environment):
        self.executable = executable
        self.environment = environment

    def run(self, *args, timeout=300):
        completed = subprocess.run([self.executable, *args, "--only-show-errors", "-o", "json"], env=self.environment,
                                   capture_output=True, text=True, timeout=timeout, check=False)
        return AzResult(completed.returncode, completed.stdout, completed.stderr)

    def ok(self, *args, timeout=300):
        """Run az and require exit code 0; return what it printed, parsed."""
        result = self.run(*args, timeout=timeout)
        assert result.returncode == 0, f"az {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return result.json


def vm_id(name, group=APP_GROUP):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


def vault_id(name):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{VAULT_GROUP}/providers/Microsoft.RecoveryServices/vaults/{name}"


@pytest.fixture(scope="session")
def az_executable():
    """The pinned az, installed (or found cached) by install_az.sh."""
    installed = subprocess.run([str(HERE / "install_az.sh")], capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    return installed.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def emulator():
    emu = Emulator(str(ESTATE), lro_delay=LRO_DELAY).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def az(az_executable, emulator, tmp_path_factory):
    """az logged in to the emulator as the estate's service principal."""
    with open(ESTATE, encoding="utf-8") as handle:
        principal = yaml.safe_load(handle)["principals"][0]
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AZURE_", "ARM_", "MSAL_"))}
    environment.update({
        "AZURE_CONFIG_DIR": str(tmp_path_factory.mktemp("azure-config")),
        "AZURE_EXTENSION_DIR": str(tmp_path_factory.mktemp("azure-extensions")),
        "REQUESTS_CA_BUNDLE": emulator.ca_file,
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_NO_COLOR": "true",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
    })
    cli = AzCli(az_executable, environment)
    cli.ok("cloud", "register", "--name", "armemu", "--endpoint-resource-manager", emulator.endpoint + "/")
    cli.ok("cloud", "set", "--name", "armemu")
    accounts = cli.ok("login", "--service-principal", "--username", principal["client_id"], "--password", principal["secret"],
                      "--tenant", emulator.tenant)
    assert [account["id"] for account in accounts] == [SUBSCRIPTION]
    return cli


@pytest.fixture(scope="session")
def items_vault(az):
    """A vault protecting two VMs, one of them backed up once: what the read flows look at."""
    name = "rsv-conf-items"
    az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", name, "-l", "westeurope")
    for vm in ("VM-Items-01", "vm-items-02"):
        az.ok("backup", "protection", "enable-for-vm", "-g", VAULT_GROUP, "-v", name, "--vm", vm_id(vm), "-p", "DefaultPolicy")
    job = az.ok("backup", "protection", "backup-now", "-g", VAULT_GROUP, "-v", name, "-c", "VM-Items-01", "-i", "VM-Items-01",
                "--backup-management-type", "AzureIaasVM")
    finished = az.ok("backup", "job", "wait", "-g", VAULT_GROUP, "-v", name, "-n", job["name"])
    assert finished["properties"]["status"] == "Completed"
    return {"name": name, "backup_job": job["name"]}
