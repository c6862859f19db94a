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


class PagedSession:
    """A session whose raw list answers in pages, as ARM does (``nextLink`` to the next page)."""

    subscription_id = SUBSCRIPTION

    def __init__(self, pages):
        self.pages, self.asked = pages, []

    def send(self, operation, method, path, api_version, body=None):
        self.asked.append(path)
        page = self.pages[len(self.asked) - 1]

        class Answer:  # pylint: disable=too-few-public-methods
            @staticmethod
            def json():
                return page
        return Answer()

    def send_paged(self, operation, method, path, api_version, body=None):
        from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureSession

        return AzureSession.send_paged(self, operation, method, path, api_version, body)


def test_a_groups_resources_are_listed_past_the_first_page():
    from ansible_collections.azure_backup.recovery_services.plugins.module_utils._drill_run import Drill

    session = PagedSession([{"value": [{"name": "nic-1"}], "nextLink": "https://next/page2"}, {"value": [{"name": "nic-2"}]}])
    drill = Drill.__new__(Drill)
    drill.session = session
    names = [nic["name"] for nic in drill.list_in_group("rg-drill", "Microsoft.Network/networkInterfaces", "2024-05-01")]
    assert names == ["nic-1", "nic-2"]
    assert session.asked == [f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-drill/providers/Microsoft.Network/networkInterfaces",
                             "https://next/page2"]
