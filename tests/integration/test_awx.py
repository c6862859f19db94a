"""playbooks/site.yml the way AWX runs it: through ansible-runner, with only the Azure credential's variables.

AWX's "Azure Resource Manager" credential injects AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID,
AZURE_SECRET, AZURE_TENANT and (when set) AZURE_CLOUD_ENVIRONMENT; the emulator's CA comes in
REQUESTS_CA_BUNDLE as a custom CA would. Every other AZURE_* variable is removed first.

The assertions are about outcomes, so they hold as site.yml grows: the run succeeds, no event
failed, two concurrent runs (AWX job slicing, or two overlapping jobs) both succeed and leave no
duplicate resources, and a further run changes nothing and writes nothing (they converged).

Every test name contains "awx"; run them alone with ``.venv/bin/pytest -q tests/integration -k awx``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import ansible_runner
import pytest
import yaml

from conftest import ROOT
from emulator_env import emulator_environment
from request_log import classify, per_vault


SITE = ROOT / "playbooks" / "site.yml"
INVENTORY = ROOT / "playbooks" / "inventories" / "emulator"
DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"
AWX_VARIABLES = ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_CLOUD_ENVIRONMENT")
FAILED_EVENTS = ("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed")


@pytest.fixture
def demo_world(emulator):
    """The emulator reset to the demo estate the emulator inventory describes."""
    emulator.reset(DEMO_ESTATE)
    yield emulator
    emulator.reset()


@pytest.fixture
def awx_environment(demo_world, monkeypatch):
    """The job's environment: AWX's Azure variables and the CA bundle, nothing else Azure-related."""
    for name in list(os.environ):
        if name.startswith("AZURE_") or name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    with open(DEMO_ESTATE, encoding="utf-8") as handle:
        variables = emulator_environment(demo_world.info, yaml.safe_load(handle))
    assert set(variables) == set(AWX_VARIABLES) | {"REQUESTS_CA_BUNDLE"}
    return variables


def run_site(tmp_path, name, envvars, limit=None, block=True):
    """One AWX-like job: ansible-runner with its own private data dir."""
    private_data_dir = tmp_path / name
    private_data_dir.mkdir()
    settings = dict(
        private_data_dir=str(private_data_dir),
        playbook=str(SITE),
        inventory=str(INVENTORY),
        envvars=dict(envvars, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections")),
        quiet=True,
        limit=limit,
    )
    if block:
        return ansible_runner.run(**settings)
    return ansible_runner.run_async(**settings)


def failures(runner):
    return [event for event in runner.events
            if event.get("event") in FAILED_EVENTS and not event.get("event_data", {}).get("ignore_errors")]


def changed_tasks(runner):
    return [event["event_data"].get("task") for event in runner.events
            if event.get("event") in ("runner_on_ok", "runner_item_on_ok") and event.get("event_data", {}).get("res", {}).get("changed")]


def describe(runner):
    return "\n".join(event.get("stdout", "") for event in runner.events if event.get("stdout"))[-6000:]


def assert_succeeded(runner):
    assert runner.status == "successful" and runner.rc == 0, describe(runner)
    assert failures(runner) == [], describe(runner)


def inventory_hosts():
    listing = subprocess.run([str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(INVENTORY), "--list"],
                             capture_output=True, text=True, check=True)
    return sorted(json.loads(listing.stdout)["_meta"]["hostvars"]) or ["localhost"]


def job_slices(count=2):
    """Host limits as AWX job slicing makes them (host i goes to slice i mod n); one slice per host at most.

    With fewer hosts than slices AWX launches fewer slices; two overlapping jobs on the same hosts
    are then the remaining concurrency case, so each slice covers everything (limit None).
    """
    hosts = inventory_hosts()
    if len(hosts) < count:
        return [None] * count
    return [",".join(hosts[index::count]) for index in range(count)]


def resources(emulator):
    return emulator.control("GET", "state")["resources"]


def assert_no_duplicates(state):
    """One record per ARM id (ids compare case-insensitively) and no VM protected twice.

    Only VM items count: the databases of a SQL Server VM are items whose sourceResourceId is that VM too.
    """
    ids = [body["id"].lower() for body in state.values() if isinstance(body, dict) and body.get("id")]
    assert len(ids) == len(set(ids)), sorted(item for item in ids if ids.count(item) > 1)
    protected_sources = [(body.get("properties") or {}).get("sourceResourceId", "").lower() for key, body in state.items()
                         if "/protecteditems/" in key and isinstance(body, dict)
                         and (body.get("properties") or {}).get("protectedItemType") == "Microsoft.Compute/virtualMachines"]
    protected_sources = [source for source in protected_sources if source]
    assert len(protected_sources) == len(set(protected_sources)), protected_sources


def test_awx_site_runs_clean_with_the_awx_credential_environment(demo_world, awx_environment, tmp_path):
    runner = run_site(tmp_path, "job", awx_environment)
    assert_succeeded(runner)
    assert any(event.get("event") == "playbook_on_stats" for event in runner.events)
    assert awx_environment["AZURE_SECRET"] not in describe(runner)
    assert_no_duplicates(resources(demo_world))


def test_awx_concurrent_slices_converge_then_a_rerun_changes_nothing(demo_world, awx_environment, tmp_path):
    """Two slices of one inventory start at the same moment on an empty estate.

    Only one slice holds localhost; the other must still find (or make) its vaults first,
    which site.yml does by running the vault play once per job for whatever hosts it has.
    """
    jobs = [run_site(tmp_path, f"slice{index + 1}", awx_environment, limit=limit, block=False)
            for index, limit in enumerate(job_slices())]
    for thread, _runner in jobs:
        thread.join(timeout=900)
    for thread, runner in jobs:
        assert not thread.is_alive(), "a slice did not finish in 15 minutes"
        assert_succeeded(runner)
    assert_no_duplicates(resources(demo_world))

    demo_world.control("POST", "requests/reset")
    rerun = run_site(tmp_path, "rerun", awx_environment)
    assert_succeeded(rerun)
    assert changed_tasks(rerun) == []
    log = demo_world.control("GET", "requests")
    assert log["writes"] == 0
    # The converged estate costs listings only: no request about one VM, a few reads per vault.
    counts = classify(log)
    assert per_vault(counts, "per-vm") == {}, [entry["path"] for entry in log["requests"]]
    assert max(count for scope, count in per_vault(counts).items() if scope != "subscription") <= 24, per_vault(counts)
