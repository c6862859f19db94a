import sys

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _python
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._python import (
    MINIMUM_PYTHON,
    python_version_problem,
    require_python,
)


class FailedModule(Exception):
    pass


class RecordingModule:
    def __init__(self):
        self.failure = None

    def fail_json(self, **result):
        self.failure = result
        raise FailedModule()


def test_the_minimum_is_the_oldest_python_the_matrix_tests():
    assert MINIMUM_PYTHON == (3, 11)


@pytest.mark.parametrize("version", [(3, 11, 0, "final", 0), (3, 12, 1), (3, 13, 0), (4, 0, 0)])
def test_recent_pythons_pass(version):
    assert python_version_problem(version, "/usr/bin/python3") is None


@pytest.mark.parametrize("version, found", [((3, 10, 13, "final", 0), "3.10.13"), ((3, 8, 18), "3.8.18"), ((2, 7, 18), "2.7.18")])
def test_an_old_python_is_named_with_the_minimum_and_the_way_out(version, found):
    message = python_version_problem(version, "/usr/bin/python3")
    assert f"/usr/bin/python3 is Python {found}" in message
    assert "need Python 3.11 or later" in message
    assert "ansible_python_interpreter" in message


def test_require_python_fails_the_module_with_both_versions(monkeypatch):
    monkeypatch.setattr(_python.sys, "version_info", (3, 9, 18, "final", 0))
    module = RecordingModule()
    with pytest.raises(FailedModule):
        require_python(module)
    assert module.failure["python_version"] == "3.9.18"
    assert module.failure["python_minimum"] == "3.11"
    assert f"{sys.executable} is Python 3.9.18" in module.failure["msg"]


def test_require_python_lets_the_running_python_through():
    module = RecordingModule()
    require_python(module)
    assert module.failure is None
