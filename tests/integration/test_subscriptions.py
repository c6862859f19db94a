"""Past one controller: one AWX job per subscription, each with its own credential, run side by side (docs/awx.md).

ARM's throttling buckets are per subscription and principal, so a large tenant scales out by running
``playbooks/site.yml`` as one job per subscription, each job with the Azure credential of its own
principal: the budgets add up instead of being shared. Two such jobs run here at once through
ansible-runner (as AWX runs them), against an emulator estate with the same layout in two subscriptions
(4 vaults each), each job holding only AWX's Azure variables for its subscription and principal.

Asserted from the emulator: both jobs succeed with no failed event; every VM of both subscriptions is
protected by its subscription's vault; each job's requests went to its own subscription only, signed
by its own principal (two sets of ARM buckets, one per job, none shared); and the jobs overlapped in time.
The benchmark (tests/benchmarks/vm_rollout.py) measures the same layout on Azure's costs.
"""

import os
import sys
from pathlib import Path

import ansible_runner
import pytest
import yaml

from conftest import ROOT, start_emulator
from emulator_env import emulator_environment
from test_awx import failures

sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
from vm_rollout import REGIONS, SUBSCRIPTIONS, bench_estate, site_inventory  # noqa: E402  pylint: disable=wrong-import-position

VMS_PER_VAULT = 2
PROTECTED_ITEM_IN = "/resourcegroups/rg-bench-backup-{index}/providers/microsoft.recoveryservices/vaults/rsv-bench-{index}/"


@pytest.fixture
def two_subscriptions(tmp_path, monkeypatch):
    """An emulator holding the bench layout in two subscriptions, and one inventory both jobs use."""
    for name in list(os.environ):
        if name.startswith("AZURE_") or name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    estate = bench_estate(VMS_PER_VAULT, SUBSCRIPTIONS)
    estate_path, inventory_path = tmp_path / "estate.yml", tmp_path / "inventory.yml"
    estate_path.write_text(yaml.safe_dump(estate), encoding="utf-8")
    inventory_path.write_text(yaml.safe_dump(site_inventory(VMS_PER_VAULT), sort_keys=False), encoding="utf-8")
    running = start_emulator(estate_path, extra_args=("--lro-delay", "0.3"))
    yield running, estate, inventory_path
    running.process.terminate()
    running.process.wait(timeout=10)


def credential_for(emulator, estate, subscription):
    """What AWX's Azure credential of the principal that may use ``subscription`` injects into its job."""
    principal = next(entry for entry in estate["principals"] if subscription in entry["subscriptions"])
    return dict(emulator_environment(emulator.info, dict(estate, principals=[principal])), AZURE_SUBSCRIPTION_ID=subscription)


def test_awx_one_job_per_subscription_with_its_own_credential_side_by_side(two_subscriptions, tmp_path):
    emulator, estate, inventory = two_subscriptions
    jobs = {}
    for subscription in SUBSCRIPTIONS:
        private_data_dir = tmp_path / f"job-{subscription[-1]}"
        private_data_dir.mkdir()
        envvars = dict(credential_for(emulator, estate, subscription), ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"))
        jobs[subscription] = ansible_runner.run_async(private_data_dir=str(private_data_dir), playbook=str(ROOT / "playbooks" / "site.yml"),
                                                      inventory=str(inventory), envvars=envvars, quiet=True)
    for subscription, (thread, runner) in jobs.items():
        thread.join(timeout=600)
        assert runner.status == "successful" and runner.rc == 0, (subscription, runner.status, runner.stdout.read()[-6000:])
        assert failures(runner) == [], subscription

    resources = emulator.control("GET", "state")["resources"]
    for subscription in SUBSCRIPTIONS:
        for index in range(1, len(REGIONS) + 1):
            vault = f"/subscriptions/{subscription}" + PROTECTED_ITEM_IN.format(index=index)
            items = [key for key in resources if key.startswith(vault) and "/protecteditems/vm;iaasvmcontainerv2;" in key]
            assert len(items) == VMS_PER_VAULT, (subscription, index, items)

    log = emulator.control("GET", "requests")["requests"]
    principals = {entry["principal"]: set() for entry in log if entry.get("kind", "arm") == "arm" and entry.get("bucket")}
    spans = {}
    for entry in log:
        if entry.get("kind", "arm") != "arm" or not entry.get("bucket"):
            continue
        subscription = entry["bucket"].split("/")[1]
        principals[entry["principal"]].add(subscription)
        spans.setdefault(subscription, []).append(entry["seq"])
    # Two principals, each with requests to its own subscription only: two sets of ARM buckets, nothing shared.
    assert sorted(map(sorted, principals.values())) == [[SUBSCRIPTIONS[0]], [SUBSCRIPTIONS[1]]], principals
    # The jobs ran at once: in the log (in arrival order) each one's requests began before the other's ended.
    first, second = (spans[subscription] for subscription in SUBSCRIPTIONS)
    assert min(first) < max(second) and min(second) < max(first)
