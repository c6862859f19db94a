"""A VM is named by id, or by name and resource group; a mix of both is refused (resolve_vm_ref)."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import resolve_vm_ref

VM_ID = "/subscriptions/s/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1"


@pytest.mark.parametrize("entry, named", [({"id": VM_ID, "name": "vm2"}, "name 'vm2'"),
                                          ({"id": VM_ID, "resource_group": "rg-other"}, "resource_group 'rg-other'"),
                                          ({"id": VM_ID, "name": "vm1", "resource_group": "rg-app"}, "name and resource_group 'vm1'")])
def test_id_with_name_or_resource_group_is_refused(entry, named):
    with pytest.raises(ValueError) as caught:
        resolve_vm_ref(entry, "s")
    assert str(caught.value).startswith("give a VM by id, or by name and resource_group, not both") and named in str(caught.value)


def test_unset_name_beside_an_id_is_not_a_mix():
    assert resolve_vm_ref({"id": VM_ID, "name": None, "resource_group": None}, "s")["name"] == "vm1"
