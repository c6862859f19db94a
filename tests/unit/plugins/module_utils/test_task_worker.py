"""The task worker's pure parts: the switch, its directory's safety, code checks, messages, and where modules hand over.

The worker itself (fork, sockets, a real task) is exercised end to end by tests/integration/test_task_worker.py.
"""

import ast
import json
import os
import socket
import stat
import time
import zipfile
from pathlib import Path

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _task_worker as worker

MODULES = Path(__file__).resolve().parents[4] / "plugins" / "modules"


@pytest.mark.parametrize("value, expected", [("true", True), ("1", True), ("Yes", True), ("on", True),
                                             ("", False), ("false", False), ("0", False), ("no", False)])
def test_the_switch_is_an_explicit_opt_in(value, expected):
    assert worker.switched_on({worker.SWITCH_VARIABLE: value}) is expected


def test_the_switch_is_off_when_absent():
    assert worker.switched_on({}) is False


@pytest.mark.parametrize("value, expected", [("5", 5.0), ("0.5", 0.5), ("", 30), ("-1", 30), ("0", 30), ("soon", 30)])
def test_idle_seconds_fall_back_to_the_default_on_anything_but_a_positive_number(value, expected):
    assert worker.idle_seconds({worker.IDLE_VARIABLE: value}) == expected


def test_the_directory_is_created_private(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(worker.tempfile, "tempdir", None)
    path = worker.state_directory()
    assert path == str(tmp_path / f"azure-backup-worker-{os.getuid()}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_a_directory_others_can_enter_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(worker.tempfile, "tempdir", None)
    shared = tmp_path / f"azure-backup-worker-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o755)
    assert worker.state_directory() is None


def test_a_symlinked_directory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(worker.tempfile, "tempdir", None)
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    (tmp_path / f"azure-backup-worker-{os.getuid()}").symlink_to(target)
    assert worker.state_directory() is None


def test_one_worker_per_interpreter_and_ansible_version():
    key = worker.worker_key("/usr/bin/python3.11", "2.19.14")
    assert key == worker.worker_key("/usr/bin/python3.11", "2.19.14")
    assert key != worker.worker_key("/usr/bin/python3.12", "2.19.14")
    assert key != worker.worker_key("/usr/bin/python3.11", "2.20.0")


def payload(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return str(path)


def test_checksums_cover_python_files_but_not_the_payloads_own_sitecustomize(tmp_path):
    first = worker.payload_checksums(payload(tmp_path / "a.zip", {"a.py": "x = 1", "sitecustomize.py": "sys.path.insert(0, 'a.zip')", "data.txt": "x"}))
    second = worker.payload_checksums(payload(tmp_path / "b.zip", {"a.py": "x = 1", "sitecustomize.py": "sys.path.insert(0, 'b.zip')"}))
    assert set(first) == {"a.py"}
    assert first == second


def test_only_files_both_payloads_hold_with_other_content_make_the_worker_stale():
    loaded = {"basic.py": 1, "_client.py": 2, "rsv_vault.py": 3}
    assert worker.stale_files(loaded, {"basic.py": 1, "_client.py": 2, "_jobs.py": 9}) == []
    assert worker.stale_files(loaded, {"basic.py": 1, "_client.py": 7}) == ["_client.py"]


def test_a_message_and_three_descriptors_cross_a_socket_pair():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right, open(os.devnull, "rb") as one, open(os.devnull, "wb") as two, open(os.devnull, "wb") as three:
        body = b"x" * 300000  # bigger than a socket buffer: sent while the other side reads
        import threading
        sender = threading.Thread(target=worker.send_message, args=(left, body, (one.fileno(), two.fileno(), three.fileno())))
        sender.start()
        received, fds = worker.receive_message(right, with_fds=True)
        sender.join()
        assert received == body
        assert len(fds) == 3
        for fd in fds:
            os.close(fd)
        worker.send_message(right, b'{"rc": 0}')
        assert worker.receive_message(left)[0] == b'{"rc": 0}'


def test_a_closed_connection_is_an_error_not_an_empty_message():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with right:
        left.sendall(b"\x00\x00")
        left.close()
        with pytest.raises(ConnectionError):
            worker.receive_message(right)


def test_an_imported_module_never_hands_over(monkeypatch):
    """ansible-doc, sanity and unit tests import modules: with the switch on, not even the worker's directory is looked at."""
    def must_not_be_called():
        raise AssertionError("an imported module looked for the worker")

    monkeypatch.setenv(worker.SWITCH_VARIABLE, "true")
    monkeypatch.setattr(worker, "state_directory", must_not_be_called)
    assert worker.hand_over("ansible_collections.azure_backup.recovery_services.plugins.modules.rsv_vault") is None
    with pytest.raises(AssertionError):
        worker.hand_over("__main__")  # the same call as the module run by Ansible does look


def test_a_module_run_outside_ansiballz_runs_in_its_own_process(monkeypatch, tmp_path):
    monkeypatch.setenv(worker.SWITCH_VARIABLE, "true")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(worker.tempfile, "tempdir", None)
    assert worker.hand_over("__main__") is None  # pytest's __main__ has no _module_fqn / _modlib_path
    assert not list(tmp_path.glob("azure-backup-worker-*/*"))


def azure_module_files():
    return sorted(path for path in MODULES.glob("*.py") if "AzureBackupModule" in path.read_text(encoding="utf-8"))


def test_every_azure_module_hands_over_before_it_imports_the_rest_of_the_collection():
    """A module that imported _client, _validation ... first would compile them in every task: the saving is gone."""
    files = azure_module_files()
    assert len(files) >= 20
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        body = [node for node in tree.body if not (isinstance(node, ast.Assign) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)))]
        collection_imports = [index for index, node in enumerate(body)
                              if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ansible_collections.")]
        first = body[collection_imports[0]]
        assert first.module.endswith("module_utils._task_worker") and [alias.name for alias in first.names] == ["hand_over"], path.name
        call = body[collection_imports[0] + 1]
        assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call) and call.value.func.id == "hand_over", path.name
        assert [argument.id for argument in call.value.args] == ["__name__"], path.name


def test_the_task_side_imports_only_the_standard_library():
    tree = ast.parse(Path(worker.__file__).read_text(encoding="utf-8"))
    top_level = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    top_level |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    assert top_level <= {"__future__", "hashlib", "json", "os", "socket", "struct", "sys", "tempfile", "zipfile"}


def hand_over_to_a_child(tmp_path, go):
    """Fork a worker's child on one end of a socket pair and play the task's side; True when the task's module ran."""
    marker = tmp_path / "ran"
    code = payload(tmp_path / "task.zip", {"marker_module.py": f"open({str(marker)!r}, 'w').close()\nraise SystemExit(0)\n"})
    task_side, child_side = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:  # the worker's child: never returns
        task_side.close()
        worker._run_child(child_side, str(tmp_path / "worker.zip"), {}, -1)  # pylint: disable=protected-access
    child_side.close()
    request = {"module_fqn": "marker_module", "modlib_path": code, "checksums": {}, "arguments": "{}", "profile": None,
               "environment": dict(os.environ), "cwd": str(tmp_path), "umask": 0o022}
    with task_side, open(os.devnull, "rb") as stdin, open(os.devnull, "wb") as stdout:
        worker.send_message(task_side, json.dumps(request).encode(), fds=(stdin.fileno(), stdout.fileno(), stdout.fileno()))
        assert worker.receive_exactly(task_side, 1) == worker.TAKEN
        if go:
            task_side.sendall(worker.GO)
            assert json.loads(worker.receive_message(task_side)[0]) == {"rc": 0}
        else:
            time.sleep(1)  # long enough for a child that did not wait for GO to have run the module
    os.waitpid(pid, 0)
    return marker.exists()


def test_the_child_runs_the_task_once_the_task_says_go(tmp_path):
    assert hand_over_to_a_child(tmp_path, go=True)


def test_the_child_does_not_start_before_go_so_a_task_that_gave_up_waiting_is_never_run_twice(tmp_path):
    """A task that stops waiting for TAKEN runs in its own process and closes the connection without GO."""
    assert not hand_over_to_a_child(tmp_path, go=False)


def test_a_child_that_finds_other_code_answers_stale_and_signals_only_its_own_worker(tmp_path):
    """Here the child's parent is pytest, not the worker (-1): it must not be signalled (an orphan's parent is init)."""
    task_side, child_side = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        task_side.close()
        worker._run_child(child_side, str(tmp_path / "worker.zip"), {"ansible/module_utils/basic.py": 1}, -1)  # pylint: disable=protected-access
    child_side.close()
    request = {"module_fqn": "x", "modlib_path": "x.zip", "checksums": {"ansible/module_utils/basic.py": 2}, "arguments": "{}", "profile": None,
               "environment": {}, "cwd": str(tmp_path), "umask": 0o022}
    with task_side, open(os.devnull, "rb") as stdin, open(os.devnull, "wb") as stdout:
        worker.send_message(task_side, json.dumps(request).encode(), fds=(stdin.fileno(), stdout.fileno(), stdout.fileno()))
        assert worker.receive_exactly(task_side, 1) == worker.STALE
    os.waitpid(pid, 0)


def test_a_worker_removes_its_keys_leftover_payload_copies_only(tmp_path):
    socket_path = str(tmp_path / "aaaa.sock")
    for name in ("code-aaaa-old.zip", "code-aaaa-mine.zip", "code-bbbb-other.zip", "aaaa.sock.lock"):
        (tmp_path / name).write_text("x")
    worker._remove_leftover_copies(str(tmp_path / "code-aaaa-mine.zip"), socket_path)  # pylint: disable=protected-access
    assert sorted(path.name for path in tmp_path.iterdir()) == ["aaaa.sock.lock", "code-aaaa-mine.zip", "code-bbbb-other.zip"]
    assert worker.code_prefix(socket_path) == "code-aaaa-"
