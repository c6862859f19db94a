"""The shared run of the multi-item protection modules (_protection_run.py), on a vault held in memory."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._protection_run import ProtectionRun
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import TaskFailure


def protected(name, policy="Daily", state="Protected"):
    return {"id": f"/v/backupFabrics/Azure/protectionContainers/c;{name}/protectedItems/i;{name}",
            "properties": {"policyName": policy, "protectionState": state}}


class Response:
    def __init__(self, status_code=202):
        self.status_code, self.headers = status_code, {}


class Session:
    """Counts what the run awaits; builds no client."""

    def __init__(self):
        self.awaited = []

    def client(self, name):
        return name

    def wait_for_operation(self, operation, response, timeout):  # pylint: disable=unused-argument
        self.awaited.append(operation)
        return {"properties": {"jobId": f"job-{len(self.awaited)}"}}


class Module:
    def __init__(self, check_mode=False, **params):
        self.check_mode, self.session = check_mode, Session()
        self.params = dict({"vault_name": "v", "resource_group": "rg", "state": "present", "retain": "forever", "wait": True,
                            "wait_timeout": 60, "max_parallel": 2, "backup_now": False, "wait_for_backup_job": False}, **params)


class MemoryRun(ProtectionRun):
    """Items of a vault held in a dict; ``written_meanwhile`` is what another run writes between planning and writing."""

    NOUN, NOUNS, ITEMS_KEY = "thing", "things", "things"
    JOB_STEPS = {}  # every write awaited through its own status: no jobs listing here

    def __init__(self, module, targets, items, written_meanwhile=None, errors=None):
        super().__init__(module)
        self.targets, self.items, self.written_meanwhile, self.errors = targets, dict(items), written_meanwhile or {}, errors or {}
        self.sent = []

    def read_protected(self):
        self.requests["listings"] += 1
        return dict(self.items)

    def plan_items(self):
        items = self.read_protected()
        self.items.update(self.written_meanwhile)
        plans = [self.plan_item(items.get(name), policy, name, f"rg/{name}") for name, policy in self.targets]
        for plan in plans:
            plan["error"] = plan["error"] or self.errors.get(plan["key"])
        return plans

    def replan(self, plan, item):
        return self.plan_item(item, plan["policy"], plan["key"], plan["label"])

    def start_step(self, plan, step):
        self.sent.append((plan["key"], step))
        if step in ("protect", "undelete"):
            self.items[plan["key"]] = protected(plan["key"], plan["policy"])
        return Response()

    def job_key_of(self, plan):
        return plan["key"]

    def identify(self, plan):
        return {"name": plan["key"]}


def test_each_item_is_planned_written_awaited_and_reported():
    module = Module()
    run = MemoryRun(module, [("a", "Daily"), ("b", "Daily"), ("c", "Weekly")], {"b": protected("b"), "c": protected("c")})
    result = run.run()
    assert sorted(run.sent) == [("a", "protect"), ("c", "protect")]
    assert [(entry["name"], entry["action"], entry["changed"], entry["policy"]) for entry in result["things"]] == [
        ("a", "protect", True, "Daily"), ("b", "none", False, "Daily"), ("c", "change_policy", True, "Weekly")]
    assert result["changed"] and result["summary"]["changed"] == 2 and result["requests"]["writes"] == 2
    assert result["diff"]["after"]["things"] == {"rg/a": {"protection_state": "Protected", "policy": "Daily"},
                                                 "rg/c": {"protection_state": "Protected", "policy": "Weekly"}}
    assert len(module.session.awaited) == 2 and {entry["job_id"] for entry in result["things"]} == {"job-1", "job-2", None}


def test_check_mode_writes_nothing_and_reports_the_plan():
    run = MemoryRun(Module(check_mode=True), [("a", "Daily")], {})
    result = run.run()
    assert run.sent == [] and result["changed"] and result["things"][0]["protection_state"] == "Protected"
    assert result["requests"]["listings"] == 1, "no listing again: nothing is written"


def test_a_write_another_run_made_meanwhile_is_not_sent_again():
    run = MemoryRun(Module(), [("a", "Daily"), ("b", "Daily")], {}, written_meanwhile={"a": protected("a")})
    result = run.run()
    assert run.sent == [("b", "protect")]
    assert result["things"][0]["action"] == "none" and "(written meanwhile by another run)" in result["things"][0]["reason"]


def test_any_error_fails_the_task_with_every_result():
    run = MemoryRun(Module(), [("a", "Daily"), ("b", "Daily")], {}, errors={"b": "refused"})
    with pytest.raises(TaskFailure) as failure:
        run.run()
    assert run.sent == [("a", "protect")]
    assert failure.value.message == "1 of 2 things failed: rg/b: refused"
    assert [entry["changed"] for entry in failure.value.details["things"]] == [True, False]


def test_all_or_nothing_writes_nothing_when_an_item_fails():
    run = MemoryRun(Module(all_or_nothing=True), [("a", "Daily"), ("b", "Daily")], {}, errors={"b": "refused"})
    with pytest.raises(TaskFailure) as failure:
        run.run()
    assert run.sent == [] and failure.value.message == "all_or_nothing: nothing was written because rg/b: refused"
    assert not failure.value.details["changed"]


def test_wait_false_awaits_only_what_a_later_step_needs():
    module = Module(wait=False)
    soft_deleted = {"id": protected("a")["id"],
                    "properties": {"protectionState": "ProtectionStopped", "policyName": "Daily", "isScheduledForDeferredDelete": True}}
    run = MemoryRun(module, [("a", "Daily")], {"a": soft_deleted})
    result = run.run()
    assert run.sent == [("a", "undelete"), ("a", "protect")]
    assert module.session.awaited == ["undelete thing rg/a"], "the undelete is awaited (protect needs it), the protect is not"
    assert result["things"][0]["action"] == "undelete_and_protect" and result["requests"]["listings"] == 2
