"""Resource files: one module per Azure resource family, imported automatically.

Importing a module registers its ``@route`` handlers. A module may also define
``load_estate(store, estate)``, ``ESTATE_SECTIONS`` and ``ESTATE_PRIORITY`` (see core/estate.py).
"""

import importlib
import pkgutil


def load_all():
    """Import every module of this package (once) and return them in name order."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
