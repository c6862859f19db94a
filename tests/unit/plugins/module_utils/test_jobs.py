"""Awaiting many writes through a vault's jobs listing (plugins/module_utils/_jobs.py)."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _jobs as job_helpers
from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _names as names


def job(name, container, status, start="2026-11-30T08:00:00Z", errors=()):
    return {"name": name, "properties": {"containerName": container, "status": status, "startTime": start,
                                         "errorDetails": [{"errorString": text} for text in errors]}}


def test_short_container_name_is_how_jobs_name_the_container():
    assert names.short_container_name("IaasVMContainer;iaasvmcontainerv2;RG-App;vm-01") == "iaasvmcontainerv2;rg-app;vm-01"
    assert names.short_container_name("iaasvmcontainerv2;rg;vm") == "iaasvmcontainerv2;rg;vm"


def test_the_newest_job_of_each_container_counts():
    jobs = [job("old", "iaasvmcontainerv2;rg;vm1", "Failed", start="2026-11-30T07:59:00Z"),
            job("new", "IaasVMContainerV2;rg;vm1", "InProgress", start="2026-11-30T08:01:00Z"),
            job("other", "iaasvmcontainerv2;rg;vm2", "Completed")]
    newest = job_helpers.newest_job_by_container(jobs)
    assert {key: value["name"] for key, value in newest.items()} == {"iaasvmcontainerv2;rg;vm1": "new", "iaasvmcontainerv2;rg;vm2": "other"}


@pytest.mark.parametrize("status, outcome", [
    ("InProgress", None), ("Cancelling", None), ("Completed", ("j", None)), ("CompletedWithWarnings", ("j", None)),
    ("Failed", ("j", "job j Failed: no agent")), ("Cancelled", ("j", "job j Cancelled: no agent"))])
def test_job_outcome(status, outcome):
    assert job_helpers.job_outcome(job("j", "c", status, errors=["no agent"])) == outcome


def test_one_listing_per_round_settles_every_write(monkeypatch):
    rounds = iter([
        [job("a", "iaasvmcontainerv2;rg;vm1", "InProgress")],
        [job("a", "iaasvmcontainerv2;rg;vm1", "Completed"), job("b", "iaasvmcontainerv2;rg;vm2", "Failed", errors=["refused"])],
    ])
    monkeypatch.setattr(job_helpers, "list_jobs_since", lambda *args: next(rounds))
    monkeypatch.setattr(job_helpers.time, "sleep", lambda seconds: None)
    watch = job_helpers.JobWatch(None, "rsv", "rg", "ConfigureBackup", None)
    outcomes = watch.await_all({"iaasvmcontainerv2;rg;vm1": 0, "iaasvmcontainerv2;rg;vm2": 1}, deadline=float("inf"), first_pause=1)
    assert outcomes == {0: ("a", None), 1: ("b", "job b Failed: refused")}
    assert watch.rounds == 2


def test_a_failed_listing_round_is_retried_and_the_deadline_ends_the_wait(monkeypatch):
    def failing(*args):
        raise job_helpers.AzureOperationError("list jobs", "busy", status=503)

    clock = iter(range(0, 1000, 5))
    monkeypatch.setattr(job_helpers, "list_jobs_since", failing)
    monkeypatch.setattr(job_helpers.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(job_helpers.time, "monotonic", lambda: next(clock))
    watch = job_helpers.JobWatch(None, "rsv", "rg", "ConfigureBackup", None)
    assert watch.await_all({"c": 0}, deadline=30, first_pause=1) == {}
    assert 1 <= watch.rounds <= 6


def test_items_whose_job_never_shows_are_settled_from_the_item_listing(monkeypatch):
    monkeypatch.setattr(job_helpers, "list_jobs_since", lambda *args: [job("a", "iaasvmcontainerv2;rg;vm1", "Completed")])
    monkeypatch.setattr(job_helpers.time, "sleep", lambda seconds: None)
    asked = []

    def settled(keys):
        asked.append(set(keys))
        return keys

    watch = job_helpers.JobWatch(None, "rsv", "rg", "ConfigureBackup", None)
    outcomes = watch.await_all({"iaasvmcontainerv2;rg;vm1": 0, "iaasvmcontainerv2;rg;vm2": 1}, deadline=float("inf"), first_pause=1, settled=settled)
    assert outcomes == {0: ("a", None), 1: (None, None)}
    assert asked == [{1}] and watch.rounds == job_helpers.JobWatch.ROUNDS_BEFORE_FALLBACK
