"""Every module that takes the Azure options is in the `all` action group, and nothing else is."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def azure_modules():
    names = set()
    for path in (ROOT / "plugins" / "modules").glob("*.py"):
        if "- azure_backup.recovery_services.azure\n" in path.read_text(encoding="utf-8"):
            names.add(path.stem)
    return names


def test_action_group_all_holds_exactly_the_azure_modules():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    group = set(runtime["action_groups"]["all"])
    assert group == azure_modules()
    assert len(group) >= 15
