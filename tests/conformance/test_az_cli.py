"""One test per az flow the collection covers, each asserting az's exit code and what it prints.

The emulator passes by answering as Azure does; nothing here or there knows it is az calling.
"""

import json

from conftest import SUBSCRIPTION, VAULT_GROUP, vault_id, vm_id

V = ("-g", VAULT_GROUP, "-v")
VM_TYPE = ("--backup-management-type", "AzureIaasVM")


def test_vault_create_show_update_delete(az):
    created = az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", "rsv-conf-vault", "-l", "westeurope")
    assert created["id"] == vault_id("rsv-conf-vault") and created["location"] == "westeurope"
    assert created["properties"]["provisioningState"] == "Succeeded"
    # az sends softDeleteState "AlwaysOn"; Azure answers in its own spelling.
    assert created["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteState"] == "AlwaysON"
    shown = az.ok("backup", "vault", "show", "-g", VAULT_GROUP, "-n", "rsv-conf-vault")
    assert shown["name"] == "rsv-conf-vault" and shown["sku"]["name"] == "RS0"
    updated = az.ok("backup", "vault", "update", "-g", VAULT_GROUP, "-n", "rsv-conf-vault", "--immutability-state", "Unlocked",
                    "--public-network-access", "Disable")
    assert updated["properties"]["securitySettings"]["immutabilitySettings"]["state"] == "Unlocked"
    assert updated["properties"]["publicNetworkAccess"] == "Disabled"
    listed = az.ok("backup", "vault", "list", "-g", VAULT_GROUP)
    assert "rsv-conf-vault" in [vault["name"] for vault in listed]
    az.ok("backup", "vault", "delete", "-g", VAULT_GROUP, "-n", "rsv-conf-vault", "--yes")
    missing = az.run("backup", "vault", "show", "-g", VAULT_GROUP, "-n", "rsv-conf-vault")
    assert missing.returncode != 0 and "ResourceNotFound" in missing.stderr


def test_vault_encryption_with_a_customer_managed_key(az):
    """az reads backupEncryptionConfigs/backupResourceEncryptionConfig, then PATCHes the vault's properties.encryption."""
    az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", "rsv-conf-cmk", "-l", "westeurope")
    identity = az.ok("backup", "vault", "identity", "assign", "--system-assigned", "-g", VAULT_GROUP, "-n", "rsv-conf-cmk")
    assert identity["identity"]["type"] == "SystemAssigned" and identity["identity"]["principalId"]
    key = "https://kv-backup.vault.azure.net/keys/backup-key/0123456789abcdef"
    az.ok("backup", "vault", "encryption", "update", "-g", VAULT_GROUP, "-n", "rsv-conf-cmk", "--encryption-key-id", key,
          "--mi-system-assigned")
    shown = az.ok("backup", "vault", "encryption", "show", "-g", VAULT_GROUP, "-n", "rsv-conf-cmk")
    assert (shown["properties"]["encryptionAtRestType"], shown["properties"]["keyUri"]) == ("CustomerManaged", key)
    assert shown["properties"]["useSystemAssignedIdentity"] is True


def test_backup_properties(az):
    az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", "rsv-conf-props", "-l", "westeurope")
    shown = az.ok("backup", "vault", "backup-properties", "show", "-g", VAULT_GROUP, "-n", "rsv-conf-props")
    assert shown[0]["properties"]["storageModelType"] == "GeoRedundant"
    az.ok("backup", "vault", "backup-properties", "set", "-g", VAULT_GROUP, "-n", "rsv-conf-props",
          "--backup-storage-redundancy", "LocallyRedundant")
    # az creates vaults with soft delete "AlwaysOn"; Azure keeps it and answers "AlwaysON".
    config = az.ok("backup", "vault", "backup-properties", "set", "-g", VAULT_GROUP, "-n", "rsv-conf-props",
                   "--soft-delete-duration", "30")
    assert config["properties"]["softDeleteFeatureState"] == "AlwaysON"
    assert config["properties"]["softDeleteRetentionPeriodInDays"] == 30
    shown = az.ok("backup", "vault", "backup-properties", "show", "-g", VAULT_GROUP, "-n", "rsv-conf-props")
    assert shown[0]["properties"]["storageModelType"] == "LocallyRedundant"
    assert (shown[1]["properties"]["softDeleteFeatureState"], shown[1]["properties"]["softDeleteRetentionPeriodInDays"]) == ("AlwaysON", 30)


def test_policy_list_show_create_set(az, tmp_path):
    az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", "rsv-conf-policy", "-l", "westeurope")
    listed = az.ok("backup", "policy", "list", *V, "rsv-conf-policy")
    assert {"DefaultPolicy", "EnhancedPolicy"} <= {policy["name"] for policy in listed}
    default = az.ok("backup", "policy", "show", *V, "rsv-conf-policy", "-n", "DefaultPolicy")
    assert default["properties"]["backupManagementType"] == "AzureIaasVM"
    default["name"] = "pol-conf"
    default["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] = 45
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(default), encoding="utf-8")
    created = az.ok("backup", "policy", "create", *V, "rsv-conf-policy", "-n", "pol-conf", "--policy", f"@{policy_file}",
                    *VM_TYPE)
    assert created["name"] == "pol-conf"
    assert created["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] == 45
    default["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] = 60
    policy_file.write_text(json.dumps(default), encoding="utf-8")
    changed = az.ok("backup", "policy", "set", *V, "rsv-conf-policy", "-n", "pol-conf", "--policy", f"@{policy_file}")
    assert changed["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] == 60
    shown = az.ok("backup", "policy", "show", *V, "rsv-conf-policy", "-n", "pol-conf")
    assert shown["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"] == 60


def test_protection_check_vm_enable_disable_undelete(az):
    vault, vm = "rsv-conf-protect", "vm-protect-01"
    az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", vault, "-l", "westeurope")
    assert az.run("backup", "protection", "check-vm", "--vm", vm_id(vm)).stdout.strip() == ""
    job = az.ok("backup", "protection", "enable-for-vm", *V, vault, "--vm", vm_id(vm), "-p", "DefaultPolicy")
    assert job["properties"]["operation"] == "ConfigureBackup" and job["properties"]["status"] == "Completed"
    assert az.ok("backup", "protection", "check-vm", "--vm", vm_id(vm)) == vault_id(vault)
    item = az.ok("backup", "item", "show", *V, vault, "-c", vm, "-n", vm, *VM_TYPE)
    assert item["properties"]["protectionState"] == "IRPending"
    assert item["properties"]["lastBackupTime"].startswith("2001-01-01T00:00:00")  # Azure's never-backed-up placeholder
    stopped = az.ok("backup", "protection", "disable", *V, vault, "-c", vm, "-i", vm, *VM_TYPE, "--delete-backup-data", "true", "--yes")
    assert stopped["properties"]["operation"] == "DeleteBackupData" and stopped["properties"]["status"] == "Completed"
    deleted = az.ok("backup", "item", "show", *V, vault, "-c", vm, "-n", vm, *VM_TYPE)
    assert deleted["properties"]["isScheduledForDeferredDelete"] is True
    assert deleted["properties"]["protectionState"] == "ProtectionStopped"
    undeleted = az.ok("backup", "protection", "undelete", *V, vault, "-c", vm, "-i", vm, *VM_TYPE, "--workload-type", "VM")
    assert undeleted["properties"]["operation"] == "Undelete" and undeleted["properties"]["status"] == "Completed"
    restored = az.ok("backup", "item", "show", *V, vault, "-c", vm, "-n", vm, *VM_TYPE)
    assert restored["properties"]["isScheduledForDeferredDelete"] in (False, None)
    assert restored["properties"]["protectionState"] == "ProtectionStopped"


def test_container_and_item_list_show(az, items_vault):
    vault = items_vault["name"]
    containers = az.ok("backup", "container", "list", *V, vault, *VM_TYPE)
    assert sorted(container["name"] for container in containers) == [
        "IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm-items-01", "IaasVMContainer;iaasvmcontainerv2;rg-app-weu;vm-items-02"]
    container = az.ok("backup", "container", "show", *V, vault, "-n", "VM-Items-01", *VM_TYPE)
    assert container["properties"]["friendlyName"] == "VM-Items-01"
    items = az.ok("backup", "item", "list", *V, vault)
    assert sorted(item["properties"]["friendlyName"] for item in items) == ["VM-Items-01", "vm-items-02"]
    item = az.ok("backup", "item", "show", *V, vault, "-c", "VM-Items-01", "-n", "VM-Items-01", *VM_TYPE)
    assert item["name"] == "VM;iaasvmcontainerv2;rg-app-weu;vm-items-01"
    assert item["properties"]["protectionState"] == "Protected" and item["properties"]["lastBackupStatus"] == "Completed"
    assert item["properties"]["sourceResourceId"].lower() == vm_id("VM-Items-01").lower()


def test_backup_now_and_job_list_show_wait(az, items_vault):
    vault = items_vault["name"]
    jobs = az.ok("backup", "job", "list", *V, vault)
    assert {"ConfigureBackup", "Backup"} <= {job["properties"]["operation"] for job in jobs}
    job = az.ok("backup", "job", "show", *V, vault, "-n", items_vault["backup_job"])
    assert job["properties"]["operation"] == "Backup" and job["properties"]["status"] == "Completed"
    assert job["properties"]["entityFriendlyName"] == "VM-Items-01"
    started = az.ok("backup", "protection", "backup-now", *V, vault, "-c", "vm-items-02", "-i", "vm-items-02", *VM_TYPE,
                    "--retain-until", "01-01-2099")
    assert started["properties"]["operation"] == "Backup"
    finished = az.ok("backup", "job", "wait", *V, vault, "-n", started["name"])
    assert finished["properties"]["status"] == "Completed"
    running = az.ok("backup", "job", "list", *V, vault, "--status", "InProgress")
    assert started["name"] not in [job["name"] for job in running]


def test_recoverypoint_list_show(az, items_vault):
    vault = items_vault["name"]
    points = az.ok("backup", "recoverypoint", "list", *V, vault, "-c", "VM-Items-01", "-i", "VM-Items-01", *VM_TYPE)
    assert len(points) >= 1 and points[0]["properties"]["objectType"] == "IaasVMRecoveryPoint"
    point = az.ok("backup", "recoverypoint", "show", *V, vault, "-c", "VM-Items-01", "-i", "VM-Items-01", *VM_TYPE,
                  "-n", points[0]["name"])
    assert point["name"] == points[0]["name"] and point["properties"]["recoveryPointTime"]


def test_restore_files_mount_unmount(az, items_vault, tmp_path, monkeypatch):
    vault = items_vault["name"]
    point = az.ok("backup", "recoverypoint", "list", *V, vault, "-c", "VM-Items-01", "-i", "VM-Items-01", *VM_TYPE)[0]["name"]
    monkeypatch.chdir(tmp_path)  # mount-rp writes its script into the current directory
    az.ok("backup", "restore", "files", "mount-rp", *V, vault, "-c", "VM-Items-01", "-i", "VM-Items-01", "-r", point)
    scripts = [path.name for path in tmp_path.iterdir()]
    assert len(scripts) == 1 and scripts[0].startswith(f"VM-Items-01_westeurope_{point}") and scripts[0].endswith(".py")
    az.ok("backup", "restore", "files", "unmount-rp", *V, vault, "-c", "VM-Items-01", "-i", "VM-Items-01", "-r", point)


def test_diagnostic_settings(az):
    az.ok("backup", "vault", "create", "-g", VAULT_GROUP, "-n", "rsv-conf-diag", "-l", "westeurope")
    vault = vault_id("rsv-conf-diag")
    workspace = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{VAULT_GROUP}/providers/Microsoft.OperationalInsights/workspaces/law-backup-weu"
    categories = az.ok("monitor", "diagnostic-settings", "categories", "list", "--resource", vault)
    assert {"CoreAzureBackup", "AddonAzureBackupJobs"} <= {category["name"] for category in categories["value"]}
    logs = json.dumps([{"category": "CoreAzureBackup", "enabled": True}, {"category": "AddonAzureBackupJobs", "enabled": True}])
    created = az.ok("monitor", "diagnostic-settings", "create", "-n", "diag-conf", "--resource", vault, "--workspace", workspace,
                    "--export-to-resource-specific", "true", "--logs", logs)
    assert created["workspaceId"].lower() == workspace.lower() and created["logAnalyticsDestinationType"] == "Dedicated"
    listed = az.ok("monitor", "diagnostic-settings", "list", "--resource", vault)
    assert [setting["name"] for setting in listed] == ["diag-conf"]
    shown = az.ok("monitor", "diagnostic-settings", "show", "-n", "diag-conf", "--resource", vault)
    assert {log["category"] for log in shown["logs"] if log["enabled"]} == {"CoreAzureBackup", "AddonAzureBackupJobs"}
    az.ok("monitor", "diagnostic-settings", "delete", "-n", "diag-conf", "--resource", vault)
    assert az.ok("monitor", "diagnostic-settings", "list", "--resource", vault) == []
