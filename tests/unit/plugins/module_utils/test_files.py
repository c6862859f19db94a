import os
import stat

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._files import write_file_atomically


def test_replaces_the_file_with_the_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "secret.VaultCredentials"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    write_file_atomically(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["secret.VaultCredentials"]


def test_scripts_can_be_executable(tmp_path):
    target = tmp_path / "script.py"
    write_file_atomically(str(target), b"one", 0o700)
    write_file_atomically(str(target), b"two", 0o700)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o700


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "pin.json"
    target.write_bytes(b"old")
    try:
        write_file_atomically(str(target), "not bytes")
    except TypeError:
        pass
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["pin.json"]
