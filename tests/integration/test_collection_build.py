"""What a Galaxy user gets: the built tarball, installed into a fresh path, runs its playbooks by name.

`ansible-galaxy collection build` into a temporary folder, `ansible-galaxy collection install` of that
tarball into another, empty one, then `ansible-playbook azure_backup.recovery_services.site` and
`.audit` against the emulator's demo estate with ANSIBLE_COLLECTIONS_PATH naming only the fresh path
and the working directory outside the checkout, with the demo inventory the tarball ships. The other
two playbooks are shown to resolve by name too, to the installed copy (`--syntax-check` loads them
with their roles). The idempotent re-run is test_site's; here one run proves the installed copy works.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, playbook_env, start_emulator

BIN = Path(sys.executable).parent
COLLECTION = "azure_backup.recovery_services"
DEMO_ESTATE = ROOT / "tests" / "emulator" / "estates" / "demo.yml"
CHECKOUT_ONLY = (".venv/", ".cache/", ".ci/", ".gitignore", "requirements-test", "execution-environment.yml", "scripts/test.sh",
                 "scripts/bootstrap.sh", "scripts/docs.py", "scripts/release_changelog.py", "scripts/tools/", "dist/")


def run(command, cwd, env=None):
    result = subprocess.run([str(arg) for arg in command], cwd=str(cwd), env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command}\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("build")
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", build_dir, ROOT], cwd=build_dir)
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
    return build_dir / f"azure_backup-recovery_services-{version}.tar.gz"


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    """The fresh collections path the tarball is installed into."""
    fresh = tmp_path_factory.mktemp("collections")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(fresh))
    run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", fresh, tarball], cwd=tarball.parent, env=env)
    return fresh


@pytest.fixture(scope="module")
def demo():
    running = start_emulator(DEMO_ESTATE, extra_args=("--lro-delay", "0.2"))
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def fresh_env(emulator, fresh):
    env = playbook_env(emulator)
    env.update(ANSIBLE_COLLECTIONS_PATH=str(fresh), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False")
    return env


def installed_root(fresh):
    return fresh / "ansible_collections" / "azure_backup" / "recovery_services"


def playbook(fresh, workdir, emulator, name, *args):
    inventory = installed_root(fresh) / "playbooks" / "inventories" / "emulator"
    return run([BIN / "ansible-playbook", f"{COLLECTION}.{name}", "-i", inventory, *args], cwd=workdir, env=fresh_env(emulator, fresh))


def test_the_tarball_ships_the_collection_and_not_the_checkout_tooling(tarball):
    listing = run(["tar", "tzf", tarball], cwd=tarball.parent).split()
    for shipped in ("LICENSE", "README.md", "meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "playbooks/site.yml",
                    "playbooks/templates/backup-audit.html.j2", "tests/emulator/armemu/__main__.py", "tests/integration/conftest.py",
                    "scripts/emulator_env.py", "roles/vault/meta/argument_specs.yml"):
        assert shipped in listing, shipped
    leaked = [name for name in listing if name.startswith(CHECKOUT_ONLY) or "__pycache__" in name]
    assert not leaked, leaked


def test_the_installed_collection_is_the_only_one_found(installed, tmp_path):
    fresh = installed
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(fresh), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False")
    listing = json.loads(run([BIN / "ansible-galaxy", "collection", "list", "--format", "json"], cwd=tmp_path, env=env))
    holding_it = [path for path, collections in listing.items() if COLLECTION in collections]
    assert holding_it == [str(fresh / "ansible_collections")], "the checkout's .cache/collections link is not on the path"


def test_site_and_audit_run_by_name_from_the_installed_collection(installed, demo, tmp_path):
    fresh = installed
    output = playbook(fresh, tmp_path, demo, "site")
    assert "failed=0" in output and "TASK [Print the backup coverage per vault]" in output
    assert demo.control("GET", "requests")["writes"] > 0, "the rollout wrote to the emulator"

    dest = tmp_path / "reports" / "audit"
    dest.parent.mkdir()
    playbook(fresh, tmp_path, demo, "audit", "-e", f"azure_backup_audit_dest={dest}")
    report = json.loads((dest.parent / "audit.json").read_text(encoding="utf-8"))
    assert {vault["vault"]: vault["totals"]["protected"] for vault in report["vaults"]} == {"rsv-demo-neu": 2, "rsv-demo-weu": 4}
    assert "<h1>Azure Backup audit</h1>" in (dest.parent / "audit.html").read_text(encoding="utf-8"), "the template resolves when installed"


@pytest.mark.parametrize("name", ["file_recovery", "restore_drill"])
def test_the_other_playbooks_resolve_by_name(installed, demo, tmp_path, name):
    fresh = installed
    output = playbook(fresh, tmp_path, demo, name, "--syntax-check")
    assert f"playbook: {installed_root(fresh)}/playbooks/{name}.yml" in output
