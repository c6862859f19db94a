"""The execution environment files stay consistent with the collection they package."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(relative):
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def test_collection_metadata_points_at_minimum_version_requirements():
    metadata = load("meta/execution-environment.yml")
    requirements = ROOT / metadata["dependencies"]["python"]
    lines = [line.split("#")[0].strip() for line in requirements.read_text(encoding="utf-8").splitlines()]
    packages = [line for line in lines if line]
    assert packages, "requirements.txt lists the modules' Python packages"
    assert not [line for line in packages if "==" in line or "===" in line], "no exact pins in the runtime requirements"
    assert all(re.search(r">=\d", line) for line in packages), "every package has a minimum version"


def test_builder_file_installs_the_tarball_of_this_version():
    builder = load("execution-environment.yml")
    version = load("galaxy.yml")["version"]
    tarball = f"azure_backup-recovery_services-{version}.tar.gz"
    assert builder["version"] == 3
    assert builder["dependencies"]["galaxy"]["collections"] == [{"name": f"collections/{tarball}", "type": "file"}]
    assert builder["additional_build_files"] == [{"src": f"dist/{tarball}", "dest": "collections"}]
    assert builder["dependencies"]["ansible_core"]["package_pip"].startswith("ansible-core>=")
