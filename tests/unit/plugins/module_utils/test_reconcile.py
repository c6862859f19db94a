import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _reconcile as reconcile


def test_plan_actions():
    assert reconcile.plan(None, {"a": 1}, "present")[0] == reconcile.CREATE
    assert reconcile.plan({"a": 1}, {"a": 1}, "present")[0] == reconcile.NONE
    assert reconcile.plan({"a": 1}, {"a": 2}, "present") == (reconcile.UPDATE, {"before": {"a": 1}, "after": {"a": 2}})
    assert reconcile.plan({"a": 1}, None, "absent") == (reconcile.DELETE, {"before": {"a": 1}, "after": {}})
    assert reconcile.plan(None, None, "absent")[0] == reconcile.NONE


def test_changed_paths():
    before = {"a": 1, "tags": {"x": "1"}, "same": {"k": 1}}
    after = {"a": 2, "tags": {"x": "1", "y": "2"}, "same": {"k": 1}}
    assert reconcile.changed_paths(before, after) == ["a", "tags.y"]


class Recorder(reconcile.Resource):
    def __init__(self, current, wanted):
        self.current, self.wanted, self.calls = current, wanted, []

    def read(self):
        return self.current

    def desired(self, current):
        return dict(current or {}, **self.wanted)

    def create(self, desired):
        self.calls.append(("create", desired))

    def update(self, current, desired):
        self.calls.append(("update", desired))

    def delete(self, current):
        self.calls.append(("delete", current))


class Module:
    def __init__(self, check_mode):
        self.check_mode = check_mode


def test_check_mode_writes_nothing():
    resource = Recorder({"a": 1}, {"a": 2})
    result = reconcile.reconcile(Module(check_mode=True), resource, "present")
    assert result["changed"] and result["action"] == "update"
    assert resource.calls == []


def test_real_run_updates_once_and_reports_changes():
    resource = Recorder({"a": 1, "b": 1}, {"a": 2})
    result = reconcile.reconcile(Module(check_mode=False), resource, "present")
    assert resource.calls == [("update", {"a": 2, "b": 1})]
    assert result["changes"] == ["a"]


def test_unchanged_resource_is_not_written():
    resource = Recorder({"a": 1}, {"a": 1})
    result = reconcile.reconcile(Module(check_mode=False), resource, "present")
    assert not result["changed"] and resource.calls == []


class Refusing(Recorder):
    """Azure would refuse the planned write (e.g. deleting a policy in use)."""

    def check(self, action, current, desired):
        self.calls.append(("check", action))
        raise reconcile.Refusal("refused before any write", reason="in use")


@pytest.mark.parametrize("check_mode", [True, False])
def test_check_refuses_before_any_write_in_check_mode_too(check_mode):
    resource = Refusing({"a": 1}, {"a": 2})
    with pytest.raises(reconcile.Refusal) as caught:
        reconcile.reconcile(Module(check_mode=check_mode), resource, "present")
    assert resource.calls == [("check", "update")]
    assert caught.value.message == "refused before any write" and caught.value.details == {"reason": "in use"}


def test_check_is_not_asked_when_nothing_changes():
    resource = Refusing({"a": 1}, {"a": 1})
    assert not reconcile.reconcile(Module(check_mode=False), resource, "present")["changed"]
    assert resource.calls == []


class WaitRecorder:
    """A session that records which wait path ``finish`` took."""

    def __init__(self):
        self.calls = []

    def finish(self, operation, poller, timeout):
        self.calls.append(("poller", operation, timeout))
        return "poller result"

    def wait_for_operation(self, operation, response, timeout, confirm=None):
        self.calls.append(("202", operation, timeout, confirm))
        return {"status": "Succeeded"}


class FakePoller:
    def polling_method(self):
        return None


def test_finish_awaits_a_poller_through_the_session():
    session = WaitRecorder()
    assert reconcile.finish(session, "update vault v", FakePoller(), {"wait": True, "wait_timeout": 60}) == "poller result"
    assert session.calls == [("poller", "update vault v", 60)]


def confirm():
    return True


def test_finish_awaits_a_202_response_with_its_confirm_read():
    session = WaitRecorder()
    assert reconcile.finish(session, "write policy p", object(), {"wait": True, "wait_timeout": 30}, confirm=confirm) == {"status": "Succeeded"}
    assert session.calls == [("202", "write policy p", 30, confirm)]


def test_finish_does_not_wait_with_wait_false():
    session = WaitRecorder()
    assert reconcile.finish(session, "delete vault v", FakePoller(), {"wait": False, "wait_timeout": 60}) is None
    assert not session.calls


def test_overlay_replaces_top_level_keys_and_merges_properties():
    azure = {"id": "/v", "tags": {"a": "1"}, "properties": {"publicNetworkAccess": "Enabled", "provisioningState": "Succeeded"}}
    body = {"tags": {"b": "2"}, "properties": {"publicNetworkAccess": "Disabled"}}
    assert reconcile.overlay(azure, body) == {"id": "/v", "tags": {"b": "2"},
                                              "properties": {"publicNetworkAccess": "Disabled", "provisioningState": "Succeeded"}}
    assert reconcile.overlay(None, {"location": "westeurope"}) == {"location": "westeurope"}
    assert azure["tags"] == {"a": "1"}, "the resource read is not changed"


class AzureVault(reconcile.Resource):
    """A resource whose Azure JSON (``azure``) the writes change as Azure would; ``awaited`` says whether a write returned it."""

    def __init__(self, azure, wanted, wait=True):
        self.azure, self.wanted, self.wait, self.writes = azure, wanted, wait, 0

    def read(self):
        return None if self.azure is None else {"sku": self.azure["sku"], "tags": self.azure["tags"]}

    def desired(self, current):
        return dict(current or {"sku": "Standard", "tags": {}}, **self.wanted)

    def body(self, current, desired):
        return {key: value for key, value in desired.items() if current is None or current.get(key) != value}

    def create(self, desired):
        self.write(None, desired)

    def update(self, current, desired):
        self.write(current, desired)

    def write(self, current, desired):
        self.writes += 1
        if self.wait:  # what the awaited write returns: Azure's resource, with what Azure adds
            self.azure = dict(reconcile.overlay(self.azure or {"id": "/v"}, self.body(current, desired)), etag="2")

    def planned(self, current, desired):
        return reconcile.overlay(self.azure or {"id": "/v"}, self.body(current, desired))


class TaskModule(Module):
    def __init__(self, check_mode, wait=True):
        super().__init__(check_mode)
        self.params = {"wait": wait}


@pytest.mark.parametrize("azure", [None, {"id": "/v", "etag": "1", "sku": "Standard", "tags": {"a": "1"}}], ids=["create", "update"])
def test_the_resource_returned_has_one_shape_in_check_mode_real_mode_and_wait_false(azure):
    returned = {}
    for mode, check_mode, wait in (("check", True, True), ("real", False, True), ("wait false", False, False)):
        resource = AzureVault(dict(azure) if azure else None, {"tags": {"a": "2"}}, wait=wait)
        result = reconcile.reconcile(TaskModule(check_mode, wait), resource, "present")
        returned[mode] = reconcile.returned(TaskModule(check_mode, wait), resource, result)
        assert resource.writes == (0 if check_mode else 1)
    assert returned["check"]["tags"] == returned["real"]["tags"] == returned["wait false"]["tags"] == {"a": "2"}
    assert returned["check"] == returned["wait false"]
    assert set(returned["real"]) - set(returned["check"]) == {"etag"} - set(azure or {}), "only what Azure adds on the write differs"


def test_the_resource_returned_without_a_change_is_the_one_read():
    resource = AzureVault({"id": "/v", "sku": "Standard", "tags": {"a": "1"}}, {"tags": {"a": "1"}})
    for check_mode in (True, False):
        result = reconcile.reconcile(TaskModule(check_mode), resource, "present")
        assert reconcile.returned(TaskModule(check_mode), resource, result) is resource.azure


def test_nothing_is_returned_for_a_deleted_resource():
    resource = Recorder({"a": 1}, {})
    assert reconcile.returned(TaskModule(False), resource, reconcile.reconcile(TaskModule(False), resource, "absent")) is None
