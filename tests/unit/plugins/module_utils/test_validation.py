"""The input checks that run before any write (plugins/module_utils/_validation.py)."""

import os

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _validation as validation
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal

GUID = "00000000-0000-0000-0000-000000000001"


def refusal(function, *args):
    with pytest.raises(Refusal) as caught:
        function(*args)
    return caught.value.message


def test_subscription_id_must_be_a_guid():
    assert validation.check_subscription_id(GUID) == GUID
    assert validation.check_subscription_id(None) is None
    assert "subscription_id 'Pay-As-You-Go' is not a subscription id" in refusal(validation.check_subscription_id, "Pay-As-You-Go")


@pytest.mark.parametrize("name", ["rg-backup", "rg_(prod).weu", "ÄÖrg", "a" * 90])
def test_resource_group_names_azure_allows(name):
    assert validation.check_resource_group(name) == name


@pytest.mark.parametrize("name", ["", "/", "..", ".", "rg/other", "rg.", "a" * 91, "rg name", None])
def test_resource_group_names_azure_refuses(name):
    assert "is not a resource group name" in refusal(validation.check_resource_group, name)


@pytest.mark.parametrize("name, reason", [("", "it is empty"), ("  ", "it is empty"), ("a/b", "'/'"), ("a\nb", "control character"),
                                          ("..", "directory level"), ("50%", "'%'")])
def test_child_names_that_cannot_travel_in_a_url(name, reason):
    message = refusal(validation.check_name, name, "name", "backup policy")
    assert "is not a valid backup policy name" in message and reason in message


def test_tags_within_limits_come_back_as_strings():
    assert validation.check_tags({"a": 1, "b": None}) == {"a": "1", "b": ""}
    assert validation.check_tags({f"t{index}": "v" for index in range(50)})


@pytest.mark.parametrize("tags, expected", [
    ({f"t{index}": "v" for index in range(51)}, "has 51 tags; Azure allows at most 50"),
    ({"n" * 513: "v"}, "has 513 characters; Azure allows 1 to 512"),
    ({"name": "v" * 257}, "has 257 characters; Azure allows at most 256"),
    ({"a<b": "v"}, "contains <"),
    ({"a?b/c": "v"}, "contains / ?"),
    ({"a\\b": "v"}, "contains \\"),
])
def test_tags_beyond_azure_limits(tags, expected):
    message = refusal(validation.check_tags, tags)
    assert message.startswith("tags") and expected in message


def test_resource_ids():
    pytest.importorskip("azure.mgmt.core", reason="azure-mgmt-core (installed with the Azure SDKs) parses resource ids")
    workspace = f"/subscriptions/{GUID}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"
    assert validation.check_resource_id(workspace, "workspace_id", "Microsoft.OperationalInsights/workspaces") == workspace
    assert "workspace_id 'ws' is not a resource id" in refusal(validation.check_resource_id, "ws", "workspace_id")
    storage = f"/subscriptions/{GUID}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"
    assert "is the id of a Microsoft.Storage/storageAccounts" in refusal(
        validation.check_resource_id, storage, "workspace_id", "Microsoft.OperationalInsights/workspaces")


def test_locations_are_matched_normalised():
    assert validation.check_location("West Europe", ["westeurope", "northeurope"]) == "westeurope"
    message = refusal(validation.check_location, "mars-north-1", ["westeurope", "northeurope"])
    assert "location 'mars-north-1' is not a region" in message and "northeurope, westeurope" in message


def test_time_zones_are_windows_ids():
    assert validation.check_time_zone("w. europe standard time") == "W. Europe Standard Time"
    assert validation.check_time_zone("UTC") == "UTC"
    assert "Yukon Standard Time" in validation.WINDOWS_TIME_ZONES
    assert "is not a Windows time zone id" in refusal(validation.check_time_zone, "Mars/Olympus")
    assert "IANA name" in refusal(validation.check_time_zone, "Europe/Berlin")


def test_output_files(tmp_path):
    assert validation.check_output_file(str(tmp_path / "pin.txt"), "security_pin_file") == str(tmp_path / "pin.txt")
    assert "is a directory" in refusal(validation.check_output_file, str(tmp_path), "dest")
    assert "does not exist" in refusal(validation.check_output_file, str(tmp_path / "missing" / "f"), "dest")
    assert validation.check_output_file(str(tmp_path / "made" / "f"), "password_file", True) == str(tmp_path / "made" / "f")
    (tmp_path / "plain").write_text("x")
    assert "is a file, not a directory" in refusal(validation.check_output_file, str(tmp_path / "plain" / "f"), "password_file", True)
    assert "is a file, not a directory" in refusal(validation.check_output_directory, str(tmp_path / "plain" / "sub"), "dest")
    assert validation.check_output_directory(str(tmp_path / "new" / "sub"), "dest") == str(tmp_path / "new" / "sub")
    assert "does not exist" in refusal(validation.check_output_directory, str(tmp_path / "new"), "dest", False)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: every directory is writable")
        assert "is not writable" in refusal(validation.check_output_file, str(locked / "f"), "password_file")
    finally:
        locked.chmod(0o700)


def test_wait_timeout():
    assert validation.check_wait_timeout({"wait_timeout": 1}) == 1
    assert validation.check_wait_timeout({}) is None
    assert "wait_timeout must be 1 or more seconds, got 0" in refusal(validation.check_wait_timeout, {"wait_timeout": 0})
