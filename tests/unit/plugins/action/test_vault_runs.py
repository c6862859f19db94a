"""vault_runs: reading the async jobs' result files on the controller, and waiting for every run in batch order."""
# The action's helpers are what is under test here; Ansible's task machinery around run() is exercised by test_site.py.
# pylint: disable=protected-access

import json
from types import SimpleNamespace

from ansible_collections.azure_backup.recovery_services.plugins.action import vault_runs


def action(transport="local"):
    """An ActionModule without Ansible's task machinery: only what _status and _wait use."""
    plugin = object.__new__(vault_runs.ActionModule)
    plugin._connection = SimpleNamespace(transport=transport)
    return plugin


def started(tmp_path, jid, content=None):
    path = tmp_path / jid
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return {"ansible_job_id": jid, "results_file": str(path), "started": True, "finished": False}


def test_status_from_the_result_file(tmp_path):
    plugin = action()
    assert plugin._status(started(tmp_path, "j1", {"started": True, "finished": False, "ansible_job_id": "j1"}), {}) == {"finished": False}
    assert plugin._status(started(tmp_path, "j2", ""), {}) == {"finished": False}  # being written
    done = plugin._status(started(tmp_path, "j3", {"changed": True, "vms": [], "invocation": {"module_args": {"vms": ["..."]}},
                                                   "_ansible_no_log": False}), {})
    assert done == {"changed": True, "vms": [], "finished": True, "ansible_job_id": "j3"}
    assert not (tmp_path / "j3").exists() and (tmp_path / "j1").exists()  # a finished run's file is removed once read
    assert plugin._status(started(tmp_path, "j4"), {})["msg"] == "could not find job"
    assert plugin._status(started(tmp_path, "j5", "{not json"), {})["failed"] is True
    timeout = plugin._status(started(tmp_path, "j6", {"failed": True, "msg": "Timeout exceeded", "child_pid": 1}), {})
    assert timeout["failed"] and timeout["finished"] and timeout["msg"] == "Timeout exceeded"


def test_wait_returns_every_run_in_batch_order(tmp_path, monkeypatch):
    plugin = action()
    monkeypatch.setattr(vault_runs.time, "sleep", lambda seconds: None)
    answers = {"ja": iter([{"finished": False}, {"finished": True, "changed": True}]), "jb": iter([{"finished": True, "changed": False}])}
    monkeypatch.setattr(plugin, "_status", lambda job, task_vars: next(answers[job["ansible_job_id"]]))
    jobs = [({"label": "rsv-a (2 VMs)"}, {"ansible_job_id": "ja"}), ({"label": "rsv-b (1 VMs)"}, {"ansible_job_id": "jb"}),
            ({"label": "rsv-c (1 VMs)"}, {"failed": True, "msg": "could not start"})]
    results = plugin._wait(jobs, timeout=60, poll=0.5, task_vars={})
    assert [(entry["item"]["label"], entry.get("changed"), entry.get("failed", False)) for entry in results] == [
        ("rsv-a (2 VMs)", True, False), ("rsv-b (1 VMs)", False, False), ("rsv-c (1 VMs)", None, True)]


def test_a_run_still_going_at_the_timeout_fails(tmp_path, monkeypatch):
    plugin = action()
    clock = iter(range(0, 10000, 100))
    monkeypatch.setattr(vault_runs.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(vault_runs.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(plugin, "_status", lambda job, task_vars: {"finished": False})
    results = plugin._wait([({"label": "rsv-a"}, {"ansible_job_id": "ja"})], timeout=60, poll=0.5, task_vars={})
    assert results[0]["failed"] and results[0]["msg"] == "the run did not finish within 60 s"


def test_outcome_names_the_failure():
    assert vault_runs.outcome({"failed": True, "msg": "vault not found"}) == "failed: vault not found"
    assert vault_runs.outcome({"changed": True}) == "changed"
    assert vault_runs.outcome({}) == "ok"
