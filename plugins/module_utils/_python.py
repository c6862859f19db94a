# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Python the collection's modules need, checked before they touch the Azure SDKs.

ansible-core runs a module with whatever ``ansible_python_interpreter`` says, which can be older
than the Python the collection is tested on. There the Azure SDKs are usually missing (they need
3.10+), and the task would fail with a misleading "missing required library" message, or later
with a traceback. The Azure modules check first and say which Python they found and which they
need. The controller's own Python is ansible-core's concern: every supported ansible-core already
needs 3.11+ there.

Kept to syntax that every Python ansible-core runs modules on (3.8+) parses, so an old interpreter
shows this message rather than a SyntaxError.
"""

from __future__ import annotations

import sys

# The oldest Python the support matrix tests (README "Support matrix").
MINIMUM_PYTHON = (3, 11)


def _dotted(version):
    return ".".join(str(part) for part in tuple(version)[:3])


def python_version_problem(version_info=None, executable=None):
    """The failure message for a Python older than MINIMUM_PYTHON, or None when it is recent enough."""
    version = tuple(version_info or sys.version_info)
    if version[:2] >= MINIMUM_PYTHON:
        return None
    return ("azure_backup.recovery_services modules need Python {minimum} or later; {executable} is Python {found}. "
            "Set ansible_python_interpreter to a Python {minimum}+ that has the Azure SDKs (requirements.txt) for the host "
            "that runs the task (the controller, for Azure tasks)."
            ).format(minimum=_dotted(MINIMUM_PYTHON), executable=executable or sys.executable, found=_dotted(version))


def require_python(module):
    """Fail ``module`` (an AnsibleModule) with a clear message when its Python is too old."""
    problem = python_version_problem()
    if problem:
        module.fail_json(msg=problem, python_version=_dotted(sys.version_info), python_minimum=_dotted(MINIMUM_PYTHON))
