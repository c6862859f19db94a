# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One sql_protection task: the options checked, the shared run (``_protection_run.ProtectionRun``) with the VMs'
registration, database discovery and auto-protection around it.

Private to the collection. The module file holds the documentation and the option table; the names, listings and request
bodies are in ``_sql_protection``; this file holds what the task does.
"""

from __future__ import annotations

import time

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._jobs import InitialResponseOnly, run_parallel
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._names import FABRIC
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._client import AzureOperationError
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection import PROTECT, STOP_STATES, protect_body, stop_body, undelete_body
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_run import STEP_VERBS, ProtectionRun, check_run_options
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_vm_ref
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._sql_protection import (
    AZURE_WORKLOAD, DEFAULT_INSTANCE, SQL_DATABASE_ITEM, backup_body, backup_expiry, container_name, database_errors,
    database_key, index_protectable, index_protected, inquiry_failure, intent_body, intent_name, intent_target, is_registered,
    list_sql, parent_item_name, register_body, server_errors, validation_failure,
)

CONTAINER_ROUND_SECONDS = (2.0, 10.0)


def database_job_key(properties):
    """A workload job's key: its container and database (``entityFriendlyName``), lower-cased."""
    return f"{properties.get('containerName') or ''};{properties.get('entityFriendlyName') or ''}".lower()


def parent_of(entry):
    """(kind, name) of the instance or availability group an entry names (the default instance when neither)."""
    if entry.get("availability_group"):
        return "availability_group", entry["availability_group"]
    return "instance", entry.get("instance") or DEFAULT_INSTANCE


class SqlProtectionRun(ProtectionRun):
    """One sql_protection task: the shared run (``_protection_run``) with registration, discovery and auto-protection around it."""

    NOUN, NOUNS, ITEMS_KEY = "database", "entries", "databases"
    JOB_STEPS = {"protect": "ConfigureBackup", "stop": "DisableBackup", "undelete": "Undelete", "delete": "DeleteBackupData"}
    BACKUP_MANAGEMENT_TYPE = AZURE_WORKLOAD
    POLL_COUNTER = "polls"
    job_key = staticmethod(database_job_key)

    def __init__(self, module, servers, expiry):
        super().__init__(module, expiry)
        self.servers = servers
        self.cache = {}
        self.intents = []

    @property
    def backup(self):
        return self.session.client("backup")

    # --- listings (each at most once unless forgotten) -----------------------------------------

    def sql_listing(self, kind):
        if kind not in self.cache:
            self.requests["listings"] += 1
            found = list_sql(self.session, self.vault, self.resource_group, kind)
            self.cache[kind] = found
        return self.cache[kind]

    def forget(self, kind):
        self.cache.pop(kind, None)

    def protected(self):
        return index_protected(self.sql_listing("protected"))

    def read_protected(self):
        self.forget("protected")
        return self.protected()

    def containers(self):
        return {entry["name"].lower(): entry for entry in self.sql_listing("containers")}

    # --- planning --------------------------------------------------------------------------------

    def targets(self):
        """Every named database as (server, database option, parent kind, parent, key)."""
        for server in self.servers:
            for entry in server["databases"]:
                kind, parent = parent_of(entry)
                yield server, entry, kind, parent, database_key(server["container"], parent, entry["name"])

    def plan_database(self, server, entry, kind, parent, key, item):
        plan = self.plan_item(item, entry.get("policy") or server["policy"], key, f"{server['ref']['label']}/{parent}/{entry['name']}",
                              server=server, entry=entry, kind=kind, parent=parent)
        if plan["error"]:
            plan["error"] = f"policy is required to {plan['action'].replace('_', ' ')} (the database is {plan['before']['protection_state']})"
        errors = database_errors(entry, self.params["state"], self.params["backup_now"])
        if errors:
            plan["error"] = "; ".join(errors)
        return plan

    def replan(self, plan, item):
        return self.plan_database(plan["server"], plan["entry"], plan["kind"], plan["parent"], plan["key"], item)

    def plan_items(self):
        items = self.protected()
        return [self.plan_database(server, entry, kind, parent, key, items.get(key)) for server, entry, kind, parent, key in self.targets()]

    def prepare(self, plans):
        """Registration and discovery where needed, the refusals Azure's listings tell, the policies the writes need."""
        self.discover(plans)
        self.locate(plans)
        self.read_policies(plans)

    def needs_discovery(self, plans):
        """Servers that must be registered or inquired: a database to protect that the vault has no item for, an auto-protection, or inquire."""
        wanted = {id(plan["server"]) for plan in plans if plan["item"] is None and plan["action"] == PROTECT and not plan["error"]}
        if self.params["state"] == "present":
            # A server listed with nothing to protect is to be registered (and discovered): the way to prepare a restore target.
            wanted.update(id(server) for server in self.servers
                          if server["inquire"] or self.intents_to_write(server) or not (server["databases"] or server["auto_protect"]))
        return [server for server in self.servers if id(server) in wanted]

    def intents_to_write(self, server):
        """The server's auto-protection entries whose intent is missing or names another policy (read from ONE intents listing)."""
        intents = {intent_target(intent): intent for intent in self.sql_listing("intents")} if server["auto_protect"] else {}
        missing = []
        for entry in server["auto_protect"]:
            current = intents.get((server["container"].lower(), parent_item_name(*parent_of(entry)).lower()))
            policy_id = ((current or {}).get("properties") or {}).get("policyId") or ""
            if policy_id.rstrip("/").rsplit("/", 1)[-1].lower() != (entry.get("policy") or server["policy"] or "").lower():
                missing.append(entry)
        return missing

    # --- registration and discovery ------------------------------------------------------------

    def register(self, servers):
        """Register the servers the vault does not know, and await them through the containers listing."""
        known = self.containers()
        new = [server for server in servers if not is_registered(known.get(server["container"].lower()))]
        for server in servers:
            server["action"] = "register" if server in new else "none"
        if not new or self.module.check_mode:
            return
        started = run_parallel(lambda server: self.session.call(
            f"register VM {server['ref']['label']} for SQL workloads in vault {self.vault}", self.backup.protection_containers.begin_register,
            self.vault, self.resource_group, FABRIC, server["container"], register_body(server["ref"]["id"]), polling=InitialResponseOnly()).result(),
            new, self.params["max_parallel"])
        for server, dummy, error in started:
            self.requests["writes"] += 1
            server["changed"] = True
            if error:
                server["error"] = str(error)
        if not self.params["wait"]:
            return
        pending = [server for server in new if not server.get("error")]
        pause = CONTAINER_ROUND_SECONDS[0]
        while pending and time.monotonic() + pause <= self.deadline:
            time.sleep(pause)
            pause = min(pause * 1.5, CONTAINER_ROUND_SECONDS[1])
            self.forget("containers")
            known = self.containers()
            pending = [server for server in pending if not is_registered(known.get(server["container"].lower()))]
        for server in pending:
            server["error"] = f"registration of VM {server['ref']['label']} not finished within wait_timeout ({self.params['wait_timeout']} s)"

    def inquire(self, servers):
        """Run the discovery again on ``servers`` (at most once each per task) and await it."""
        servers = [server for server in servers if not server.get("error") and server.get("action") != "inquire"]
        if not servers or self.module.check_mode:
            return
        operation = "discover SQL databases on VM {}"
        started = run_parallel(lambda server: self.session.call_with_headers(
            operation.format(server["ref"]["label"]), self.backup.protection_containers.inquire, self.vault, self.resource_group, FABRIC,
            server["container"], filter="workloadType eq 'SQLDataBase'"), servers, self.params["max_parallel"])
        to_await = []
        for server, response, error in started:
            self.requests["writes"] += 1
            server.update(action="inquire" if server.get("action") != "register" else "register", changed=True)
            if error:
                server["error"] = str(error)
            elif self.params["wait"]:
                to_await.append((server, response))

        def await_one(entry):
            self.requests["polls"] += 1
            return self.session.wait_for_operation(operation.format(entry[0]["ref"]["label"]), entry[1], self.remaining())
        for (server, dummy), dummy_result, error in run_parallel(await_one, to_await, self.params["max_parallel"]):
            if error:
                server["error"] = str(error)
        self.forget("containers")
        self.forget("protectable")

    def discover(self, plans):
        """Registration, then discovery where a database to protect is not yet known; locate each database."""
        servers = self.needs_discovery(plans)
        if not servers:
            return
        self.register(servers)
        if self.module.check_mode:
            return
        databases, dummy = index_protectable(self.sql_listing("protectable"))
        unknown = {id(plan["server"]) for plan in plans if plan["item"] is None and plan["action"] == PROTECT and plan["key"] not in databases}
        self.inquire([server for server in servers if server["inquire"] or (id(server) in unknown and server.get("action") != "register")])

    def locate(self, plans):
        """Refuse, per database, what the protectable items say Azure would refuse (not discovered, prerequisites failed)."""
        to_locate = [plan for plan in plans if plan["item"] is None and plan["action"] == PROTECT and not plan["error"]]
        if not to_locate:
            return
        if self.module.check_mode and any(plan["server"].get("action") == "register" for plan in to_locate):
            databases = {}
        else:
            databases, dummy = index_protectable(self.sql_listing("protectable"))
        containers = self.containers()
        for plan in to_locate:
            server = plan["server"]
            if server.get("error"):
                plan["error"] = f"VM {server['ref']['label']}: {server['error']}"
                continue
            found = databases.get(plan["key"])
            if found is None and self.module.check_mode and server.get("action") == "register":
                plan["reason"] += " (after registering the VM and discovering its databases)"
                continue
            if found is None and server.get("action") == "register" and not self.params["wait"]:
                plan.update(steps=[], deferred=True, reason=plan["reason"] + "; the VM's registration was started, not awaited (wait=false): "
                                                                             "the next run protects it")
                continue
            if found is None:
                failure = inquiry_failure(containers.get(server["container"].lower()))
                plan["error"] = failure or (f"database {plan['entry']['name']} was not found on {plan['kind'].replace('_', ' ')} {plan['parent']} "
                                            f"of VM {server['ref']['label']} by Azure's discovery")
                continue
            plan["error"] = validation_failure(found)

    def read_policies(self, plans):
        """The policies the writes need, from ONE listing; an unknown or non-SQL policy fails the task before any write."""
        wanted = {plan["policy"] for plan in plans if plan["steps"] and "protect" in plan["steps"] and plan["policy"]}
        if self.params["state"] == "present":
            wanted.update(entry.get("policy") or server["policy"] for server in self.servers for entry in self.intents_to_write(server))
        wanted.discard(None)
        if not wanted:
            return
        listed = {policy["name"].lower(): policy for policy in self.sql_listing("policies")}
        sql_policies = sorted(policy["name"] for policy in listed.values() if (policy.get("properties") or {}).get("backupManagementType") == AZURE_WORKLOAD)
        for name in sorted(wanted):
            policy = listed.get(name.lower())
            properties = (policy or {}).get("properties") or {}
            if policy is None or properties.get("backupManagementType") != AZURE_WORKLOAD or str(properties.get("workLoadType", "")).lower() != "sqldatabase":
                what = "does not exist" if policy is None else f"is an {properties.get('backupManagementType')} policy"
                raise Refusal(f"policy {name} {what} in vault {self.vault}; SQL databases need an SQL Server in Azure VM policy "
                              f"({AZURE_WORKLOAD}): {', '.join(sql_policies) or 'none'}", sql_policies=sql_policies)
            self.policies[name.lower()] = policy

    # --- auto-protection -----------------------------------------------------------------------

    def auto_protection(self):
        """Plan and write the protection intents (one synchronous PUT or DELETE each)."""
        entries = [(server, entry) for server in self.servers for entry in server["auto_protect"]]
        if not entries or self.params["state"] == "stopped":
            return [self.intent_result(server, entry, "none", None, "state stopped leaves auto-protection as it is") for server, entry in entries]
        intents = {intent_target(intent): intent for intent in self.sql_listing("intents")}
        results = []
        for server, entry in entries:
            kind, parent = parent_of(entry)
            item = parent_item_name(kind, parent)
            current = intents.get((server["container"].lower(), item.lower()))
            policy = entry.get("policy") or server["policy"]
            results.append(self.write_intent(server, entry, item, current, policy))
        return results

    def write_intent(self, server, entry, item, current, policy):
        if self.params["state"] == "absent":
            if current is None:
                return self.intent_result(server, entry, "none", None, "not auto-protected")
            action, call = "delete", (self.backup.protection_intent.delete, current["name"])
        else:
            if entry not in self.intents_to_write(server):
                return self.intent_result(server, entry, "none", policy, f"already auto-protected with policy {policy}")
            if server.get("error"):
                return self.intent_result(server, entry, "none", policy, "VM not registered", error=f"VM {server['ref']['label']}: {server['error']}")
            item_id = f"{self.vault_id()}/backupFabrics/Azure/protectionContainers/{server['container']}/protectableItems/{item}"
            action = "update" if current else "create"
            call = (self.backup.protection_intent.create_or_update, current["name"] if current else intent_name(server["container"], item),
                    intent_body(item_id, self.policies[policy.lower()]["id"]))
        reason = f"{action} auto-protection of {item}" + (f" with policy {policy}" if action != "delete" else "")
        if self.module.check_mode:
            return self.intent_result(server, entry, action, policy, reason, changed=True)
        try:
            self.requests["writes"] += 1
            self.session.call(f"{reason} on VM {server['ref']['label']}", call[0], self.vault, self.resource_group, FABRIC, *call[1:])
        except AzureOperationError as error:
            return self.intent_result(server, entry, action, policy, reason, changed=True, error=str(error))
        return self.intent_result(server, entry, action, policy, reason, changed=True)

    def vault_id(self):
        return (f"/subscriptions/{self.session.subscription_id}/resourceGroups/{self.resource_group}"
                f"/providers/Microsoft.RecoveryServices/vaults/{self.vault}")

    @staticmethod
    def intent_result(server, entry, action, policy, reason, changed=False, error=None):
        kind, parent = parent_of(entry)
        result = {"server": server["ref"]["label"], kind: parent, "policy": policy, "action": action, "changed": changed, "reason": reason}
        if error:
            result["error"] = error
        return result

    # --- writing ---------------------------------------------------------------------------------

    def start_step(self, plan, step):
        names = (plan["server"]["container"], (plan["item"] or {}).get("name") or f"SQLDataBase;{plan['parent']};{plan['entry']['name']}")
        operation = f"{STEP_VERBS[step]} database {plan['label']} in vault {self.vault}"
        items = self.backup.protected_items
        if step == "delete":
            return self.session.call_with_headers(operation, items.delete, self.vault, self.resource_group, FABRIC, *names)
        if step == "backup":
            return self.session.call_with_headers(operation, self.backup.backups.trigger, self.vault, self.resource_group, FABRIC, *names,
                                                  backup_body(self.params["backup_now"], self.expiry))
        if step == "protect":
            body = protect_body(SQL_DATABASE_ITEM, self.policies[plan["policy"].lower()]["id"])
        elif step == "stop":
            body = stop_body(SQL_DATABASE_ITEM, STOP_STATES[self.params["retain"]], ((plan["item"] or {}).get("properties") or {}).get("policyId") or "")
        else:
            body = undelete_body(SQL_DATABASE_ITEM)
        return self.session.call(operation, items.begin_create_or_update, self.vault, self.resource_group, FABRIC, *names, body,
                                 polling=InitialResponseOnly()).result()

    def job_key_of(self, plan):
        return f"{plan['server']['container']};{plan['entry']['name']}".lower()

    # --- reporting -------------------------------------------------------------------------------

    def after_writes(self, plans):
        self.intents = self.auto_protection()

    def identify(self, plan):
        return {"server": plan["server"]["ref"]["label"], plan["kind"]: plan["parent"], "name": plan["entry"]["name"]}

    def server_result(self, server):
        result = {"server": server["ref"]["label"], "container": server["container"], "action": server.get("action", "none"),
                  "changed": bool(server.get("changed")) or (self.module.check_mode and server.get("action") == "register")}
        if server.get("error"):
            result["error"] = server["error"]
        return result

    def extras(self):
        return {"servers": [self.server_result(server) for server in self.servers], "auto_protection": self.intents}

    def failures(self, plans, results):
        entries = results + [self.server_result(server) for server in self.servers] + self.intents
        return [f"{entry.get('name') or entry['server']}: {entry['error']}" for entry in entries if entry.get("error")], len(entries)


def check_sql_options(params, subscription_id):
    """Refuse bad input before any call; returns (servers, backup expiry)."""
    check_run_options(params, "databases")
    expiry = None
    if params["backup_now"]:
        try:
            expiry = backup_expiry(params["backup_now"], params["backup_retention_days"])
        except ValueError as error:
            raise Refusal(str(error)) from error
    elif params["backup_retention_days"] is not None:
        raise Refusal("backup_retention_days applies only with backup_now full or copy_only_full")
    servers, seen = [], set()
    for index, entry in enumerate(params["servers"]):
        ref = check_vm_ref(entry, subscription_id, f"servers[{index}]")
        if ref["key"] in seen:
            raise Refusal(f"servers[{index}]: VM {ref['label']} is listed twice")
        seen.add(ref["key"])
        problems = server_errors(ref["resource_group"], ref["name"]) if params["state"] == "present" else []
        if problems:
            raise Refusal(f"servers[{index}]: VM {ref['label']}: " + "; ".join(problems))
        server = dict(entry, ref=ref, container=container_name(ref["resource_group"], ref["name"]), policy=entry["policy"] or params["policy"])
        named = set()
        for position, database in enumerate(entry["databases"]):
            where = f"servers[{index}].databases[{position}]"
            if database.get("instance") and database.get("availability_group"):
                raise Refusal(f"{where}: give instance or availability_group, not both")
            key = (parent_of(database)[1].lower(), database["name"].lower())
            if key in named:
                raise Refusal(f"{where}: database {database['name']} of {key[0]} is listed twice")
            named.add(key)
            errors = database_errors(database, params["state"], params["backup_now"])
            if errors:
                raise Refusal(f"{where}: database {database['name']}: " + "; ".join(errors))
        for position, auto in enumerate(entry["auto_protect"]):
            where = f"servers[{index}].auto_protect[{position}]"
            if bool(auto.get("instance")) == bool(auto.get("availability_group")):
                raise Refusal(f"{where}: give one instance or one availability_group")
            if params["state"] == "present" and not (auto.get("policy") or server["policy"]):
                raise Refusal(f"{where}: a policy is required to auto-protect (set policy, servers[{index}].policy or this entry's policy)")
        servers.append(server)
    return servers, expiry
