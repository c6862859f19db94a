"""restore_drill's option checks (``_drill_run.check_drill_options``): each refusal names the option, before any request."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._drill_run import check_drill_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
VM_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-1"


def options(**changes):
    params = {"vault_name": "rsv-prod", "resource_group": "rg-backup", "wait_timeout": 7200, "resource_group_prefix": "rg-restore-drill",
              "sample_share": None, "sample_count": None, "max_parallel": 5, "vms": None}
    params.update(changes)
    return params


def test_no_vms_given_means_sample():
    assert check_drill_options(options(sample_share=1, sample_count=1, max_parallel=1), SUBSCRIPTION) is None


def test_vms_given_are_resolved():
    refs = check_drill_options(options(vms=[{"id": VM_ID}, {"name": "vm-2", "resource_group": "rg-app"}]), SUBSCRIPTION)
    assert [ref["name"] for ref in refs] == ["vm-1", "vm-2"]
    assert refs[0]["key"] == VM_ID.lower()


@pytest.mark.parametrize("changes, named", [
    ({"sample_share": 0.0}, "sample_share must be more than 0 and at most 1, got 0.0"),
    ({"sample_share": 1.5}, "sample_share must be more than 0 and at most 1, got 1.5"),
    ({"sample_count": 0}, "sample_count must be 1 or more, got 0"),
    ({"max_parallel": 0}, "max_parallel must be 1 or more, got 0"),
    ({"wait_timeout": 0}, "wait_timeout must be 1 or more seconds, got 0"),
    ({"resource_group_prefix": "rg/drill"}, "resource_group_prefix 'rg/drill-rsv-prod' is not a resource group name"),
    ({"resource_group": "rg/x"}, "resource_group 'rg/x' is not a resource group name"),
    ({"vms": [{"id": VM_ID, "name": "vm-1"}]}, "vms"),
])
def test_bad_options_are_refused_naming_the_option(changes, named):
    with pytest.raises(Refusal) as refused:
        check_drill_options(options(**changes), SUBSCRIPTION)
    assert named in refused.value.message
