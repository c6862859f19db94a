"""The benchmark estate (1,000 VMs) loads fast, and the backup lists stay fast at 250 VMs per vault."""

import time
from pathlib import Path

import pytest
from azure.mgmt.recoveryservices.models import Sku, Vault

from backup_flow import refresh
from helpers import vault_path

BENCH = Path(__file__).resolve().parents[1] / "estates" / "bench.yml"
VAULT, VAULT_GROUP, APP_GROUP = "rsv-bench-1", "rg-bench-backup-1", "rg-bench-app-1"


@pytest.fixture(autouse=True)
def bench_world(emu, fresh_world):
    started = time.process_time()  # CPU time: other jobs on a shared machine must not fail the test
    emu.load_estate(BENCH)
    emu.load_seconds = time.process_time() - started
    emu.settings.update({"retry_after": 0})


def test_bench_estate_loads_in_under_a_second(emu):
    assert emu.load_seconds < 1.0
    assert len(emu.store.find(lambda key, _: "/providers/microsoft.compute/virtualmachines/" in key)) == 1004


def test_a_vault_of_250_vms_discovers_protects_and_lists_fast(emu, rs_client, backup_client, raw):
    # CPU seconds of this process (the emulator serves from a thread of it, the client is the test), not wall time:
    # what grows with the emulator's own work (an O(n^2) listing, a deep copy per request), not with the machine's load.
    rs_client.vaults.begin_create_or_update(VAULT_GROUP, VAULT, Vault(location="westeurope", sku=Sku(name="Standard"))).result()
    refresh(backup_client, VAULT, VAULT_GROUP)
    started = time.process_time()
    protectable = list(backup_client.backup_protectable_items.list(VAULT, VAULT_GROUP, filter="backupManagementType eq 'AzureIaasVM'"))
    assert time.process_time() - started < 1.0
    assert len(protectable) == 252  # 250 + deallocated + no agent; the VM protected elsewhere is not offered
    vault = vault_path(VAULT, VAULT_GROUP)
    body = {"properties": {"protectedItemType": "Microsoft.Compute/virtualMachines", "policyId": f"{vault}/backupPolicies/DefaultPolicy"}}
    started = time.process_time()
    for item in protectable:
        container = item.id.split("/protectionContainers/")[1].split("/")[0]
        vm_id = item["properties"]["virtualMachineId"]
        answer = raw.arm("PUT", f"{vault}/backupFabrics/Azure/protectionContainers/{container}/protectedItems/{item.name}",
                         {"properties": dict(body["properties"], sourceResourceId=vm_id)}, api_version="2026-10-01")
        assert answer.status_code == 202
    per_put = (time.process_time() - started) / len(protectable)
    assert per_put < 0.05
    time.sleep(emu.settings.lro_delay + 0.1)
    started = time.process_time()
    protected = list(backup_client.backup_protected_items.list(VAULT, VAULT_GROUP,
                                                               filter="backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'"))
    assert time.process_time() - started < 1.0
    assert len(protected) == 252 and {item["properties"]["protectionState"] for item in protected} == {"IRPending"}
    assert list(backup_client.backup_protectable_items.list(VAULT, VAULT_GROUP)) == []
    assert backup_client.protection_policies.get(VAULT, VAULT_GROUP, "DefaultPolicy").properties.protected_items_count == 252
