"""Estate files: the world the emulator starts with (YAML, or JSON which is YAML too).

Core reads ``tenant`` and ``principals``. Every other top-level section belongs to a resource
file: each file may define ``load_estate(store, estate)`` (called with the whole estate, in
``ESTATE_PRIORITY`` order, lower first) and list the sections it reads in ``ESTATE_SECTIONS``.
A section no file claims is reported on stderr, so a typo does not go unnoticed.
"""

import sys
from pathlib import Path

import yaml

CORE_SECTIONS = frozenset({"tenant", "principals"})


def read_estate(source):
    """An estate dict from a path or an already-parsed dict."""
    if isinstance(source, dict):
        return source
    text = Path(source).read_text(encoding="utf-8")
    estate = yaml.safe_load(text) or {}
    if not isinstance(estate, dict):
        raise ValueError(f"{source}: an estate must be a mapping at the top level")
    return estate


def check_core_sections(estate):
    if not estate.get("tenant"):
        raise ValueError("the estate needs a 'tenant' (the tenant id)")
    for index, principal in enumerate(estate.get("principals") or []):
        missing = {"client_id", "secret"} - set(principal)
        if missing:
            raise ValueError(f"principals[{index}] lacks {sorted(missing)}")


def apply_estate(estate, store, directory, modules):
    """Reset ``store`` and ``directory`` to ``estate`` using the resource ``modules``' hooks."""
    check_core_sections(estate)
    directory.load(estate["tenant"], estate.get("principals") or [])
    store.clear()
    claimed = set(CORE_SECTIONS)
    hooks = []
    for module in modules:
        claimed.update(getattr(module, "ESTATE_SECTIONS", ()))
        hook = getattr(module, "load_estate", None)
        if hook:
            hooks.append((getattr(module, "ESTATE_PRIORITY", 50), module.__name__, hook))
    for hook in [entry[2] for entry in sorted(hooks, key=lambda entry: entry[:2])]:
        hook(store, estate)
    for section in sorted(set(estate) - claimed):
        print(f"armemu: estate section {section!r} is not read by any resource file", file=sys.stderr)
