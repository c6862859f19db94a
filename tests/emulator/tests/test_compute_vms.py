"""Virtual machines through azure-mgmt-compute 39.0.0: reads deserialise with the SDK's models and
show what the backup pre-checks look at (agent, power state, osProfile, snapshot extension)."""

import time

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.models import VirtualMachine, VirtualMachineInstanceView

from helpers import SUBSCRIPTION
from vm_estate import APP_GROUP, NORTH_GROUP, vm_estate


@pytest.fixture(scope="session")
def compute_client(emu, credential):
    return ComputeManagementClient(credential, SUBSCRIPTION, base_url=emu.endpoint,
                                   credential_scopes=["https://management.azure.com/.default"], connection_verify=emu.ca_file)


@pytest.fixture(autouse=True)
def vm_world(emu, fresh_world):
    emu.load_estate(vm_estate())


def power_state(view):
    return view.statuses[1].code


def test_get_without_expand_has_no_instance_view(compute_client):
    vm = compute_client.virtual_machines.get(APP_GROUP, "vm-linux-01")
    assert isinstance(vm, VirtualMachine)
    assert vm.id == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{APP_GROUP}/providers/Microsoft.Compute/virtualMachines/vm-linux-01"
    assert vm.location == "westeurope"
    assert len(vm.properties.vm_id) == 36
    assert vm.properties.storage_profile.os_disk.os_type == "Linux"
    assert vm.properties.os_profile.linux_configuration.provision_vm_agent is True
    assert vm.properties.hardware_profile.vm_size == "Standard_D2s_v3"
    assert vm.properties.instance_view is None


def test_expand_instance_view_shows_ready_agent_and_running(compute_client):
    vm = compute_client.virtual_machines.get(APP_GROUP, "vm-win-01", expand="instanceView")
    view = vm.properties.instance_view
    assert vm.properties.os_profile.windows_configuration.provision_vm_agent is True
    assert vm.properties.hardware_profile.vm_size == "Standard_D4s_v5" and vm.tags == {"app": "erp"}
    assert view.vm_agent.vm_agent_version == "2.7.41491.1102"
    assert view.vm_agent.statuses[0].display_status == "Ready"
    assert power_state(view) == "PowerState/running"
    assert not view.extensions


def test_instance_view_route_returns_the_view_alone(compute_client):
    view = compute_client.virtual_machines.instance_view(APP_GROUP, "vm-stopped")
    assert isinstance(view, VirtualMachineInstanceView)
    assert power_state(view) == "PowerState/stopped"
    assert view.vm_agent.vm_agent_version == "Unknown"
    assert view.vm_agent.statuses[0].display_status == "Not Ready"


def test_deallocated_vm_reports_no_agent(compute_client):
    view = compute_client.virtual_machines.instance_view(APP_GROUP, "vm-deallocated")
    assert power_state(view) == "PowerState/deallocated"
    assert view.vm_agent is None


def test_agent_not_provisioned_and_not_ready(compute_client):
    vm = compute_client.virtual_machines.get(APP_GROUP, "vm-noagent", expand="instanceView")
    assert vm.properties.os_profile.linux_configuration.provision_vm_agent is False
    assert vm.properties.instance_view.vm_agent.statuses[0].message == "VM status blob not found."
    down = compute_client.virtual_machines.instance_view(APP_GROUP, "vm-agent-down")
    assert down.vm_agent.statuses[0].code == "ProvisioningState/Unavailable"
    assert down.vm_agent.statuses[0].message == "VM Agent is unresponsive."


def test_specialised_disk_vm_has_no_os_profile(compute_client):
    vm = compute_client.virtual_machines.get(APP_GROUP, "vm-specialised")
    assert vm.properties.os_profile is None
    assert vm.properties.storage_profile.os_disk.create_option == "Attach"


def test_failed_snapshot_extension_is_visible(compute_client):
    view = compute_client.virtual_machines.instance_view(APP_GROUP, "vm-snapshot-failed")
    assert view.extensions[0].name == "VMSnapshotLinux"
    assert view.extensions[0].type == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    assert view.extensions[0].statuses[0].display_status == "Provisioning failed"


def test_lists_by_group_and_subscription(compute_client, emu):
    emu.settings.update({"page_size": 3})
    in_group = list(compute_client.virtual_machines.list(APP_GROUP))
    assert len(in_group) == 9 and all(vm.properties.instance_view is None for vm in in_group)
    assert [vm.name for vm in compute_client.virtual_machines.list(NORTH_GROUP)] == ["vm-north"]
    assert len(list(compute_client.virtual_machines.list_all())) == 10


def test_list_by_group_with_instance_view_has_model_and_status(compute_client, emu):
    emu.settings.update({"page_size": 4})
    listed = {vm.name: vm for vm in compute_client.virtual_machines.list(APP_GROUP, expand="instanceView")}
    assert len(listed) == 9
    assert listed["vm-win-01"].properties.instance_view.vm_agent.statuses[0].display_status == "Ready"
    assert listed["vm-noagent"].properties.os_profile.linux_configuration.provision_vm_agent is False
    assert power_state(listed["vm-stopped"].properties.instance_view) == "PowerState/stopped"
    # The listing served copies: the stored VMs keep their instance views for the next plain list and GET.
    assert all(vm.properties.instance_view is None for vm in compute_client.virtual_machines.list(APP_GROUP))
    assert compute_client.virtual_machines.get(APP_GROUP, "vm-win-01", expand="instanceView").properties.instance_view.vm_agent


def test_missing_vm_is_404(compute_client):
    with pytest.raises(ResourceNotFoundError) as caught:
        compute_client.virtual_machines.get(APP_GROUP, "vm-nope")
    assert caught.value.error.code == "ResourceNotFound"


def test_generate_loads_a_thousand_vms_fast(emu):
    estate = vm_estate([{"generate": {"count": 1000, "namePrefix": "bulk-", "resourceGroup": APP_GROUP, "osType": "Windows"}}])
    started = time.process_time()  # CPU time: other jobs on a shared machine must not fail the test
    emu.load_estate(estate)
    assert time.process_time() - started < 1.0
    assert emu.store.get(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{APP_GROUP}/providers/Microsoft.Compute/virtualMachines/bulk-1000")


def test_bad_estate_values_are_named(emu):
    with pytest.raises(ValueError, match="powerState must be one of running, stopped, deallocated"):
        emu.load_estate(vm_estate([{"name": "bad", "resourceGroup": APP_GROUP, "powerState": "off"}]))


def test_status_only_lists_every_vm_with_its_run_time_status_and_no_model(compute_client, emu):
    emu.settings.update({"page_size": 4})
    listed = {vm.name: vm for vm in compute_client.virtual_machines.list_all(status_only="true")}
    assert len(listed) == 10
    running = listed["vm-win-01"]
    assert isinstance(running, VirtualMachine) and running.location == "westeurope"
    assert running.id.endswith("/resourceGroups/rg-app-weu/providers/Microsoft.Compute/virtualMachines/vm-win-01")
    assert running.properties.instance_view.vm_agent.statuses[0].display_status == "Ready"
    assert running.properties.os_profile is None and running.properties.storage_profile is None and not running.tags
    assert power_state(listed["vm-stopped"].properties.instance_view) == "PowerState/stopped"
    assert listed["vm-deallocated"].properties.instance_view.vm_agent is None
    assert listed["vm-snapshot-failed"].properties.instance_view.extensions[0].statuses[0].code == "ProvisioningState/failed/-1"
    assert listed["vm-north"].location == "northeurope"


def test_status_only_false_is_the_plain_list(compute_client):
    assert all(vm.properties.instance_view is None and vm.properties.storage_profile for vm in compute_client.virtual_machines.list_all(status_only="false"))


def test_list_by_location_has_the_models_of_that_region_only(compute_client):
    north = list(compute_client.virtual_machines.list_by_location("North Europe"))
    assert [vm.name for vm in north] == ["vm-north"]
    west = {vm.name: vm for vm in compute_client.virtual_machines.list_by_location("westeurope")}
    assert len(west) == 9 and west["vm-noagent"].properties.os_profile.linux_configuration.provision_vm_agent is False
    assert all(vm.properties.instance_view is None for vm in west.values())
