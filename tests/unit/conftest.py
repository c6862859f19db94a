"""Make ``ansible_collections.azure_backup.recovery_services`` importable for plain pytest."""

import sys
from pathlib import Path

COLLECTIONS = Path(__file__).resolve().parents[2] / ".cache" / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
