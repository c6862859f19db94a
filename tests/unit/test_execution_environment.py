"""The execution environment files stay consistent with the collection they package."""

import os
import re
import shutil
import subprocess
import sys
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


def test_ansible_builder_creates_the_context_on_the_ee_minimal_base(tmp_path):
    """ansible-builder create (the release tools' venv, scripts/tool_venv.sh) on the real definition and tarball:
    the Containerfile starts from the ee-minimal base, installs the tarball, and the builder's own introspection
    of the installed collection finds the modules' Python requirements with their minimum versions."""
    builder = load("execution-environment.yml")
    assert builder["images"]["base_image"]["name"].startswith("registry.redhat.io/ansible-automation-platform-")
    assert "/ee-minimal-rhel9:" in builder["images"]["base_image"]["name"]
    tools = Path(subprocess.run([str(ROOT / "scripts" / "tool_venv.sh")], check=True, capture_output=True, text=True).stdout.strip())
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    tarball = builder["additional_build_files"][0]["src"]
    (tmp_path / "dist").mkdir()
    subprocess.run([str(galaxy), "collection", "build", "--output-path", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    shutil.copy(ROOT / "execution-environment.yml", tmp_path)
    subprocess.run([str(tools / "ansible-builder"), "create", "--output-filename", "Containerfile", "--context", "context"],
                   cwd=str(tmp_path), check=True, capture_output=True)

    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert f'ARG EE_BASE_IMAGE="{builder["images"]["base_image"]["name"]}"' in containerfile
    assert 'ARG PKGMGR="/usr/bin/microdnf"' in containerfile
    oldest_core = ".".join(load("meta/runtime.yml")["requires_ansible"].lstrip(">=").split(".")[:2])
    assert f"ansible-core>={oldest_core} ansible-runner>=2.4" in containerfile, "the EE's ansible-core minimum is requires_ansible's"
    assert (context / "_build" / "collections" / Path(tarball).name).is_file()
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8")) == builder["dependencies"]["galaxy"]

    installed = tmp_path / "installed"
    # Only the new path is searched, or ansible-galaxy finds the checkout's link in .cache/collections and installs nothing.
    subprocess.run([str(galaxy), "collection", "install", "--offline", "-p", str(installed), str(context / "_build" / "collections" / Path(tarball).name)],
                   check=True, capture_output=True, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed)))
    found = yaml.safe_load(subprocess.run([str(tools / "python"), str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(installed)],
                                          check=True, capture_output=True, text=True).stdout)
    wanted = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    assert [entry.split("#")[0].strip() for entry in found["python"]] == [line for line in wanted if line]
