"""Make ``ansible_collections.azure_backup.recovery_services`` importable for plain pytest.

A plain checkout is not on an ``ansible_collections/<namespace>/<name>`` path, which the collection's
imports need. ``scripts/bootstrap.sh`` links one under ``.cache/collections``; without it (a fresh
checkout, a bare venv) this makes the same link in a temporary directory, so ``pytest tests/unit``
needs nothing but pytest, ansible-core and the Azure SDKs.
"""

import os
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]


def _collections_root():
    """A directory whose ansible_collections/azure_backup/recovery_services is this checkout."""
    bootstrapped = CHECKOUT / ".cache" / "collections"
    if (bootstrapped / "ansible_collections" / "azure_backup" / "recovery_services").resolve() == CHECKOUT:
        return bootstrapped
    root = Path(tempfile.mkdtemp(prefix="azure_backup_unit_"))
    namespace = root / "ansible_collections" / "azure_backup"
    namespace.mkdir(parents=True)
    (namespace / "recovery_services").symlink_to(CHECKOUT, target_is_directory=True)
    return root


COLLECTIONS = _collections_root()
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS))
