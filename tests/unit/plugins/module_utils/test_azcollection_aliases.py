"""Option names azure.azcollection spells differently are accepted as aliases, through the specs every module uses."""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._vault import VAULT_ARGUMENT_SPEC


def validated(spec, params):
    result = ArgumentSpecValidator(spec).validate(params)
    assert not result.error_messages
    return result.validated_parameters


def test_recovery_vault_name_is_vault_name():
    params = validated(VAULT_ARGUMENT_SPEC, {"recovery_vault_name": "rsv-prod-weu", "resource_group": "rg-backup"})
    assert params["vault_name"] == "rsv-prod-weu"


def test_the_vault_name_is_required_under_either_name():
    result = ArgumentSpecValidator(VAULT_ARGUMENT_SPEC).validate({"resource_group": "rg-backup"})
    assert "missing required arguments: vault_name" in " ".join(result.error_messages)
