# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files the modules write on the controller: secrets and scripts, written atomically."""

from __future__ import annotations

import os
import tempfile


def write_file_atomically(path, data, mode=0o600):
    """Write ``data`` (bytes) to ``path`` with ``mode``, atomically.

    The temporary file sits in the target directory (so the rename is atomic) and gets
    ``mode`` before any byte is written, so a secret is never readable by others, even
    for a moment. A reader sees the old file or the whole new one, never half of it.
    """
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
