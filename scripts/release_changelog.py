"""Write the release of galaxy.yml's version into changelogs/changelog.yaml and CHANGELOG.md with antsibull-changelog.

    scripts/release_changelog.sh            # (re)write the release's entry from the fragments now present
    scripts/release_changelog.sh --check    # antsibull-changelog lint (fragments) and lint-changelog-yaml

Run by scripts/release_changelog.sh with the release tools' venv (antsibull-changelog, ansible-core).

Rerunnable: the entry of the version being released is dropped and written again, so fragments added
since the last run are taken (config.yaml keeps the fragments). The release date stays the one already
written unless RELEASE_DATE (YYYY-MM-DD) says otherwise; the first run uses today.

The first release: every fragment written before it describes work on modules, roles and playbooks no
user has had yet, which Ansible's changelog guidelines leave out of the log. So for the first release the
fragments' sections go to `trivial` (recorded in changelog.yaml, never shown, and not announced again by
the next release); the log shows the release summary (changelogs/fragments/<version>.yml) and the new
modules and roles antsibull-changelog finds by their version_added. Later releases use the fragments as written.

antsibull-changelog runs on a copy of the collection (the files git knows, as scripts/sanity.sh copies
them) under .../ansible_collections/azure_backup/recovery_services, so the fragments in the checkout are
never rewritten; only changelog.yaml and CHANGELOG.md are copied back.
"""

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
TOOLS = Path(sys.executable).parent
CHANGES = "changelogs/changelog.yaml"
OUTPUT = "CHANGELOG.md"


def antsibull_changelog(*args, cwd, env=None):
    subprocess.run([str(TOOLS / "antsibull-changelog"), *args], cwd=str(cwd), env=env, check=True)


def copy_collection(staging):
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=str(ROOT),
                            check=True, capture_output=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staging / relative)


def fold_into_trivial(notes_dir, keep_section, trivial_section):
    """Move every section of every fragment but the release summary into the trivial section."""
    for fragment in sorted(notes_dir.glob("*.y*ml")):
        sections = yaml.safe_load(fragment.read_text(encoding="utf-8")) or {}
        folded = {key: value for key, value in sections.items() if key == keep_section}
        trivial = [item for key, items in sections.items() if key != keep_section for item in (items if isinstance(items, list) else [items])]
        if trivial:
            folded[trivial_section] = trivial
        fragment.write_text(yaml.safe_dump(folded, sort_keys=False, width=160), encoding="utf-8")


def newer_than_release(staging, version):
    """Modules and roles whose version_added is after the release: antsibull-changelog would leave them out."""
    cache = yaml.safe_load((staging / "changelogs" / ".plugin-cache.yaml").read_text(encoding="utf-8"))
    found = []
    for category in ("plugins", "objects"):
        for kind, entries in (cache.get(category) or {}).items():
            found += [f"{kind} {name} ({entry['version_added']})" for name, entry in entries.items()
                      if entry.get("version_added") and Version(str(entry["version_added"])) > Version(version)]
    return found


def release():
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
    config = yaml.safe_load((ROOT / "changelogs" / "config.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="release-changelog-") as base:
        staging = Path(base) / "ansible_collections" / "azure_backup" / "recovery_services"
        copy_collection(staging)
        changes = yaml.safe_load((staging / CHANGES).read_text(encoding="utf-8")) or {}
        releases = changes.get("releases") or {}
        earlier_date = (releases.pop(version, None) or {}).get("release_date")
        changes["releases"] = releases
        (staging / CHANGES).write_text(yaml.safe_dump(changes, sort_keys=False), encoding="utf-8")
        if not releases:
            fold_into_trivial(staging / "changelogs" / config["notesdir"], config["prelude_section_name"], config["trivial_section_name"])
        date = os.environ.get("RELEASE_DATE") or earlier_date or datetime.date.today().isoformat()
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=base, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False")
        antsibull_changelog("release", "--version", version, "--date", str(date), "--reload-plugins",
                            "--ansible-doc-bin", str(TOOLS / "ansible-doc"), cwd=staging, env=env)
        late = newer_than_release(staging, version)
        if late:
            sys.exit(f"version_added after the release {version}, so left out of its new modules and roles: " + ", ".join(late))
        for relative in (CHANGES, OUTPUT):
            shutil.copy2(staging / relative, ROOT / relative)
    print(f"release {version} ({date}) written to {CHANGES} and {OUTPUT}")


def main():
    if "--check" in sys.argv:
        antsibull_changelog("lint", cwd=ROOT)
        antsibull_changelog("lint-changelog-yaml", CHANGES, cwd=ROOT)
        return
    release()


if __name__ == "__main__":
    main()
