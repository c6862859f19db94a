"""backup_policy returns one shape in every mode: the policy Azure will hold after the PUT (Policy.planned) read as the module's view."""

from types import SimpleNamespace

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._policy import desired_view, policy_properties
from ansible_collections.azure_backup.recovery_services.plugins.modules.backup_policy import Policy, returned_policy

SUB = "00000000-0000-0000-0000-000000000001"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-weu"


def policy_resource(params):
    module = SimpleNamespace(params=dict({"vault_name": "rsv-weu", "resource_group": "rg-backup", "name": "vm-nightly", "workload": "vm"}, **params),
                             session=SimpleNamespace(subscription_id=SUB))
    return Policy(module)


def view(**given):
    options = {"policy_type": None, "time_zone": None, "instant_restore_days": None, "schedule": None, "retention": None, "tiering": None}
    return desired_view(None, dict(options, **given))


def test_a_new_policy_is_planned_with_its_id_name_and_no_items():
    desired = view(schedule={"frequency": "Daily", "time": "21:00"}, retention={"daily": 14})
    planned = policy_resource({}).planned(None, desired)
    assert planned["id"] == f"{VAULT_ID}/backupPolicies/vm-nightly"
    assert planned["properties"]["protectedItemsCount"] == 0
    assert returned_policy(planned) == dict(desired, id=planned["id"], name="vm-nightly", protected_items_count=0)


def test_an_update_replaces_the_settings_and_keeps_id_and_items():
    old = view(schedule={"frequency": "Weekly", "time": "22:30", "days": ["Sunday"]}, retention={"weekly": {"count": 12, "days": ["Sunday"]}})
    resource = policy_resource({})
    resource.azure = {"id": f"{VAULT_ID}/backupPolicies/vm-nightly", "name": "vm-nightly", "etag": "W/1",
                      "properties": dict(policy_properties(old), protectedItemsCount=4)}
    desired = view(schedule={"frequency": "Daily", "time": "23:00"}, retention={"daily": 20})
    planned = resource.planned(old, desired)
    assert planned["etag"] == "W/1"
    assert "weeklySchedule" not in planned["properties"]["retentionPolicy"], "a PUT replaces the policy: nothing of the old retention is left"
    assert returned_policy(planned) == dict(desired, id=resource.azure["id"], name="vm-nightly", protected_items_count=4)
    assert resource.azure["properties"]["protectedItemsCount"] == 4 and "dailySchedule" not in resource.azure["properties"]["retentionPolicy"]
