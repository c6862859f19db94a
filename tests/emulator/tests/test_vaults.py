"""Vaults through azure-mgmt-recoveryservices 4.3.0: every call must deserialise with the SDK's models."""

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.recoveryservices.models import (IdentityData, PatchVault, Sku, Vault, VaultProperties,
                                                VaultPropertiesRedundancySettings)

from helpers import FAST, GROUP, vault_path


def new_vault(location="West Europe"):
    return Vault(location=location, sku=Sku(name="Standard"), identity=IdentityData(type="SystemAssigned"),
                 properties=VaultProperties(public_network_access="Enabled"))


def create(rs_client, name, group=GROUP):
    return rs_client.vaults.begin_create_or_update(group, name, new_vault()).result()


def test_create_returns_the_vault_with_azure_defaults(rs_client, raw):
    vault = create(rs_client, "rsv-create")
    assert isinstance(vault, Vault)
    assert vault.id == vault_path("rsv-create")
    assert vault.location == "westeurope"
    assert vault.sku.name == "RS0" and vault.sku.tier == "Standard"
    assert vault.properties.provisioning_state == "Succeeded"
    assert vault.properties.redundancy_settings.standard_tier_storage_redundancy == "GeoRedundant"
    assert vault.properties.redundancy_settings.cross_region_restore == "Disabled"
    soft_delete = vault.properties.security_settings.soft_delete_settings
    assert (soft_delete.soft_delete_state, soft_delete.soft_delete_retention_period_in_days, soft_delete.enhanced_security_state) == \
        ("Enabled", 14, "Enabled")
    assert vault.properties.security_settings.immutability_settings.state == "Disabled"
    assert vault.properties.security_settings.multi_user_authorization == "Disabled"
    assert len(vault.identity.principal_id) == 36 and vault.identity.tenant_id == raw.emu.tenant
    assert vault.etag.startswith('W/"datetime')
    arm = [entry for entry in raw.requests_since()["requests"] if entry["kind"] == "arm"]
    assert (arm[0]["method"], arm[0]["status"]) == ("PUT", 201)
    # Azure provisions the vault asynchronously: the SDK polls the status URL, then reads the vault.
    assert all(entry["method"] == "GET" and "/operationStatus/" in entry["path"] for entry in arm[1:-1]) and len(arm) >= 3
    assert (arm[-1]["method"], arm[-1]["path"]) == ("GET", vault_path("rsv-create"))


def test_create_answers_creating_with_a_status_url(raw):
    answer = raw.arm("PUT", vault_path("rsv-async"), {"location": "westeurope", "sku": {"name": "RS0"}})
    assert answer.status_code == 201 and answer.json()["properties"]["provisioningState"] == "Creating"
    status_url = answer.headers["Azure-AsyncOperation"]
    assert "/vaults/rsv-async/operationStatus/" in status_url
    for dummy in range(50):
        if raw.session.get(status_url, headers={"Authorization": f"Bearer {raw.token()}"}).json()["status"] == "Succeeded":
            break
        time.sleep(0.05)
    assert raw.arm("GET", vault_path("rsv-async")).json()["properties"]["provisioningState"] == "Succeeded"


def test_delete_answers_by_api_version(raw):
    """200 and gone at once at old api-versions; 202 + operationStatus at 2026 ones (recorded answers)."""
    for name in ("rsv-old-delete", "rsv-new-delete"):
        raw.arm("PUT", vault_path(name), {"location": "westeurope", "sku": {"name": "RS0"}})
    old = raw.arm("DELETE", vault_path("rsv-old-delete"), api_version="2021-03-01")
    assert (old.status_code, old.content) == (200, b"") and "Azure-AsyncOperation" not in old.headers
    assert raw.arm("GET", vault_path("rsv-old-delete")).status_code == 404
    new = raw.arm("DELETE", vault_path("rsv-new-delete"), api_version="2026-07-01")
    assert new.status_code == 202 and "/operationStatus/" in new.headers["Azure-AsyncOperation"]


def test_put_on_existing_vault_answers_200_and_keeps_identity(rs_client, raw):
    first = create(rs_client, "rsv-update")
    raw.control("POST", "requests/reset")
    request = Vault(location="westeurope", sku=Sku(name="RS0"), identity=IdentityData(type="SystemAssigned"), tags={"team": "backup"})
    again = rs_client.vaults.begin_create_or_update(GROUP, "rsv-update", request).result()
    assert again.tags == {"team": "backup"}
    assert again.identity.principal_id == first.identity.principal_id
    assert [entry["status"] for entry in raw.requests_since()["requests"]][0] == 200


def test_get_and_missing_vault(rs_client):
    create(rs_client, "rsv-get")
    assert rs_client.vaults.get(GROUP, "rsv-get").name == "rsv-get"
    with pytest.raises(ResourceNotFoundError) as caught:
        rs_client.vaults.get(GROUP, "rsv-nope")
    assert caught.value.error.code == "ResourceNotFound"
    assert "Microsoft.RecoveryServices/vaults/rsv-nope" in caught.value.error.message


def test_create_in_missing_group_is_resource_group_not_found(rs_client):
    with pytest.raises(ResourceNotFoundError) as caught:
        create(rs_client, "rsv-x", group="rg-missing")
    assert caught.value.error.code == "ResourceGroupNotFound"


@pytest.mark.parametrize("name", ["1vault", "v", "a" * 51, "bad_name"])
def test_invalid_vault_names_are_refused(raw, name):
    response = raw.arm("PUT", vault_path(name), {"location": "westeurope", "sku": {"name": "Standard"}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidResourceName"
    assert "Retry-After" not in response.headers


def test_new_vault_has_the_three_default_policies(rs_client, backup_client):
    create(rs_client, "rsv-policies")
    names = {policy.name for policy in backup_client.backup_policies.list("rsv-policies", GROUP)}
    assert names == {"DefaultPolicy", "EnhancedPolicy", "HourlyLogBackup"}
    vm_policies = backup_client.backup_policies.list("rsv-policies", GROUP, filter="backupManagementType eq 'AzureIaasVM'")
    assert sorted(policy.name for policy in vm_policies) == ["DefaultPolicy", "EnhancedPolicy"]
    enhanced = backup_client.protection_policies.get("rsv-policies", GROUP, "EnhancedPolicy")
    assert enhanced.properties.policy_type == "V2"
    assert enhanced.properties.schedule_policy.hourly_schedule.interval == 4


def test_patch_of_tags_is_synchronous(rs_client, raw):
    create(rs_client, "rsv-tags")
    raw.control("POST", "requests/reset")
    vault = rs_client.vaults.begin_update(GROUP, "rsv-tags", PatchVault(tags={"env": "test"})).result()
    assert vault.tags == {"env": "test"}
    assert [(entry["method"], entry["status"]) for entry in raw.requests_since()["requests"]] == [("PATCH", 200)]


def test_patch_of_redundancy_is_an_lro_that_lands_at_completion(rs_client, raw):
    create(rs_client, "rsv-redundancy")
    raw.control("POST", "requests/reset")
    patch = PatchVault(properties=VaultProperties(redundancy_settings=VaultPropertiesRedundancySettings(
        standard_tier_storage_redundancy="LocallyRedundant")))
    poller = rs_client.vaults.begin_update(GROUP, "rsv-redundancy", patch)
    vault = poller.result()
    assert vault.properties.redundancy_settings.standard_tier_storage_redundancy == "LocallyRedundant"
    calls = [(entry["method"], "status" if "/operationStatus/" in entry["path"] else "vault", entry["status"])
             for entry in raw.requests_since()["requests"]]
    assert calls[0] == ("PATCH", "vault", 202)
    assert calls[1:-1] == [("GET", "status", 200)] * (len(calls) - 2) and len(calls) >= 3
    assert calls[-1] == ("GET", "vault", 200)


def test_patch_202_headers_are_absolute_and_status_has_retry_after(raw, rs_client):
    create(rs_client, "rsv-headers")
    raw.emu.settings.update({"lro_delay": 5})
    response = raw.arm("PATCH", vault_path("rsv-headers"), {"properties": {"publicNetworkAccess": "Disabled"}})
    assert response.status_code == 202
    status_url = response.headers["Azure-AsyncOperation"]
    assert status_url.startswith(raw.emu.endpoint + vault_path("rsv-headers") + "/operationStatus/")
    assert "api-version=2026-11-01" in status_url
    assert "/operationResults/" in response.headers["Location"]
    assert response.headers["Retry-After"] == "1"
    status = raw.session.get(status_url, headers={"Authorization": f"Bearer {raw.token()}"})
    assert status.status_code == 200 and status.json()["status"] == "InProgress" and status.headers["Retry-After"]
    result = raw.session.get(response.headers["Location"], headers={"Authorization": f"Bearer {raw.token()}"})
    assert result.status_code == 202 and result.headers["Retry-After"]
    assert rs_client.vaults.get(GROUP, "rsv-headers").properties.public_network_access == "Enabled"


def test_operation_status_and_result_deserialise(rs_client, raw):
    create(rs_client, "rsv-ops")
    response = raw.arm("PATCH", vault_path("rsv-ops"), {"properties": {"publicNetworkAccess": "Disabled"}})
    operation_id = response.headers["Azure-AsyncOperation"].split("/operationStatus/")[1].split("?")[0]
    running = rs_client.get_operation_status(GROUP, "rsv-ops", operation_id)
    assert running.status == "InProgress" and running.name == operation_id
    time.sleep(FAST["lro_delay"] + 0.1)
    done = rs_client.get_operation_status(GROUP, "rsv-ops", operation_id)
    assert done.status == "Succeeded" and done.end_time is not None
    result = rs_client.get_operation_result(GROUP, "rsv-ops", operation_id)
    assert result.properties.public_network_access == "Disabled"


def test_unknown_operation_is_404(rs_client):
    create(rs_client, "rsv-noop")
    with pytest.raises(ResourceNotFoundError):
        rs_client.get_operation_status(GROUP, "rsv-noop", "bm90LWFuLW9wZXJhdGlvbg")


def test_delete_is_an_lro_and_the_vault_disappears(rs_client, raw):
    create(rs_client, "rsv-delete")
    raw.control("POST", "requests/reset")
    assert rs_client.vaults.begin_delete(GROUP, "rsv-delete").result() is None
    with pytest.raises(ResourceNotFoundError):
        rs_client.vaults.get(GROUP, "rsv-delete")
    first = raw.requests_since()["requests"][0]
    assert (first["method"], first["status"]) == ("DELETE", 202)
    assert raw.emu.store.get(vault_path("rsv-delete") + "/backupPolicies/DefaultPolicy") is None


def test_delete_of_missing_vault_is_204(raw):
    response = raw.arm("DELETE", vault_path("rsv-never"))
    assert response.status_code == 204


def test_vault_with_protected_item_cannot_be_deleted(rs_client, raw):
    create(rs_client, "rsv-busy")
    container = vault_path("rsv-busy") + "/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm1"
    raw.emu.store.put(container, {"id": container, "name": "IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm1"})
    item = container + "/protectedItems/VM;iaasvmcontainerv2;rg-app-weu;vm1"
    raw.emu.store.put(item, {"id": item, "name": "VM;iaasvmcontainerv2;rg-app-weu;vm1"})
    with pytest.raises(HttpResponseError) as caught:
        rs_client.vaults.begin_delete(GROUP, "rsv-busy").result()
    assert caught.value.status_code == 400
    assert caught.value.error.code == "ServiceResourceNotEmptyWithContainerDetails"
    assert caught.value.error.message.startswith("Vault cannot be deleted as there are existing resources within the vault.")
    assert "iaasvmcontainerv2;rg-app-weu;vm1" in caught.value.error.message
    assert rs_client.vaults.get(GROUP, "rsv-busy").name == "rsv-busy"


def test_listing_pages_through_the_sdk_pager(rs_client, raw):
    names = [f"rsv-page{index}" for index in range(5)]
    for name in names:
        create(rs_client, name)
    create(rs_client, "rsv-neu", group="rg-app-neu")
    raw.emu.settings.update({"page_size": 2})
    raw.control("POST", "requests/reset")
    assert [vault.name for vault in rs_client.vaults.list_by_resource_group(GROUP)] == names
    pages = raw.requests_since()["requests"]
    assert len(pages) == 3 and "$skiptoken" in pages[1]["query"]
    assert sorted(vault.name for vault in rs_client.vaults.list_by_subscription_id()) == sorted(names + ["rsv-neu"])


def test_routing_is_case_insensitive_and_percent_decoded(rs_client, raw):
    create(rs_client, "rsv-case")
    upper = vault_path("rsv-case").upper().replace("RSV-CASE", "rsv%2Dcase")
    response = raw.arm("GET", upper)
    assert response.status_code == 200 and response.json()["name"] == "rsv-case"


def test_conflicting_location_on_existing_vault_is_409(rs_client, raw):
    create(rs_client, "rsv-where")
    response = raw.arm("PUT", vault_path("rsv-where"), {"location": "northeurope", "sku": {"name": "Standard"}})
    assert response.status_code == 409 and response.json()["error"]["code"] == "InvalidResourceLocation"


def test_invalid_property_values_are_400(rs_client, raw):
    create(rs_client, "rsv-values")
    response = raw.arm("PATCH", vault_path("rsv-values"),
                       {"properties": {"securitySettings": {"softDeleteSettings": {"softDeleteRetentionPeriodInDays": 7}}}})
    assert response.status_code == 400 and "14 and 180" in response.json()["error"]["message"]


def test_enum_values_in_any_casing_are_answered_in_azure_spelling(raw):
    """What az sends (AlwaysOn, systemassigned,userassigned, standard) is accepted and answered in Azure's spelling."""
    identity = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-backup-weu/providers/" \
               "Microsoft.ManagedIdentity/userAssignedIdentities/id-backup"
    body = {"location": "westeurope", "sku": {"name": "standard"},
            "identity": {"type": "systemassigned,userassigned", "userAssignedIdentities": {identity: {}}},
            "properties": {"securitySettings": {"softDeleteSettings": {"softDeleteState": "AlwaysOn", "enhancedSecurityState": "alwayson"}},
                           "publicNetworkAccess": "disabled"}}
    answer = raw.arm("PUT", vault_path("rsv-casing"), body)
    assert answer.status_code == 201, answer.text
    vault = answer.json()
    assert vault["identity"]["type"] == "SystemAssigned, UserAssigned"
    soft_delete = vault["properties"]["securitySettings"]["softDeleteSettings"]
    assert (soft_delete["softDeleteState"], soft_delete["enhancedSecurityState"]) == ("AlwaysON", "AlwaysON")
    assert vault["properties"]["publicNetworkAccess"] == "Disabled"
    refused = raw.arm("PUT", vault_path("rsv-casing-bad"), {**body, "properties": {"publicNetworkAccess": "sometimes"}})
    assert refused.status_code == 400 and "Allowed values: Enabled, Disabled" in refused.json()["error"]["message"]
