# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The opt-in task worker: a task runs in a fork of a process that has already imported the Azure SDKs.

Why it exists: Ansible starts a new Python for every task. An unchanged task of this collection
spends most of its own time importing azure-core, requests, urllib3 and azure-identity (about
0.25 s on a 2-core machine), while the Azure request itself takes milliseconds. With
``AZURE_BACKUP_TASK_WORKER=true`` in the environment the module runs in, the first task starts a
worker in the background and runs as usual; later tasks hand over to the worker, which forks a
child that already has those imports, and the child runs the module exactly as AnsiballZ would
(``runpy`` with the same arguments), writing the result straight to the task's own stdout.
It is the idea of cloud.common's turbo mode (kubernetes.core), but a fork per task: each task
runs in its own process, in parallel, with its own arguments and environment, and exits.

What it keeps safe:
- One worker per user, interpreter and ansible-core version, in ``$TMPDIR/azure-backup-worker-<uid>``
  (mode 0700, owned by the user, else no worker; a TMPDIR too long for a socket path, over about
  70 characters, means no worker either); its socket is 0600 and the worker serves only
  connections from the same user (``SO_PEERCRED``).
- The worker itself never reads a task's arguments or environment, so it never holds a
  credential: it accepts and forks, and the child reads the request. The worker is started with
  a minimal environment (no ``AZURE_*``), and its command line holds no secret.
- A task only hands over when the worker has the same code: the request carries the CRC of each
  file of its AnsiballZ payload, and a worker that loaded a different version of any of them
  says so, exits, and the task runs in its own process.
- Anything that goes wrong before the child confirms it has taken the task makes the task run in
  its own process, as without the worker; after that, the task's result is the child's.
- The worker exits after ``AZURE_BACKUP_TASK_WORKER_IDLE`` seconds (default 30) without a task.

Linux only (fork, ``SO_PEERCRED``, passing file descriptors); elsewhere the switch is ignored.
Kept to the standard library: the task side must import nothing heavy, or there is nothing to save.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import sys
import tempfile
import zipfile

SWITCH_VARIABLE = "AZURE_BACKUP_TASK_WORKER"
IDLE_VARIABLE = "AZURE_BACKUP_TASK_WORKER_IDLE"
DEFAULT_IDLE_SECONDS = 30

# What the worker imports before it serves: what every task would otherwise import itself.
PRELOAD = (
    "ansible.module_utils.basic",
    "runpy",
    "netrc",
    "ansible.module_utils._internal._json._profiles._module_legacy_c2m",
    "ansible.module_utils._internal._json._profiles._module_legacy_m2c",
    "azure.core.pipeline.transport",
    "azure.core.pipeline.transport._requests_basic",
    "azure.core.rest",
    "azure.core.rest._requests_basic",
    "azure.mgmt.core",
    "azure.mgmt.core.tools",
    "azure.identity",
    "azure.mgmt.recoveryservices",
    "azure.mgmt.recoveryservicesbackup",
    "azure.mgmt.compute",
    "azure.mgmt.monitor",
)

# The worker's environment: enough to find the interpreter's packages, nothing that can hold a credential.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")

# The hand-over's last three bytes: the child answers TAKEN (or STALE), and runs the task only once the task's
# process says GO. A task that gave up waiting for the answer (and so runs in its own process) never sends GO:
# a task never runs twice.
TAKEN = b"T"
STALE = b"S"
GO = b"G"

_LENGTH = struct.Struct("!I")

# The longest path a Unix socket can have on Linux (sun_path is 108 bytes with its NUL): a longer TMPDIR means no worker.
SOCKET_PATH_LIMIT = 107

# True in a worker's child: the module runs here and must not hand over again.
_in_worker = False


def switched_on(environment=None):
    """True when the environment asks for the worker and the platform can run one."""
    value = (environment if environment is not None else os.environ).get(SWITCH_VARIABLE, "")
    return value.strip().lower() in ("1", "true", "yes", "on") and hasattr(socket, "SO_PEERCRED") and hasattr(socket, "send_fds")


def idle_seconds(environment=None):
    """The worker's idle timeout from the environment: a positive number, else the default."""
    raw = (environment if environment is not None else os.environ).get(IDLE_VARIABLE, "")
    try:
        seconds = float(raw)
    except ValueError:
        return DEFAULT_IDLE_SECONDS
    return seconds if seconds > 0 else DEFAULT_IDLE_SECONDS


def state_directory():
    """The user's worker directory, created 0700; None when it exists but is not safe to use."""
    path = os.path.join(tempfile.gettempdir(), f"azure-backup-worker-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    status = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        return None
    return path


def worker_key(executable, ansible_version):
    """One worker per interpreter and ansible-core version (the user is in the directory's name)."""
    return hashlib.sha256(f"{executable}\0{ansible_version}".encode()).hexdigest()[:16]


def payload_checksums(zip_path):
    """``{file: CRC}`` of the Python files in an AnsiballZ payload (its sitecustomize.py names the payload itself)."""
    with zipfile.ZipFile(zip_path) as payload:
        return {info.filename: info.CRC for info in payload.infolist() if info.filename.endswith(".py") and info.filename != "sitecustomize.py"}


def stale_files(loaded, requested):
    """The files both payloads hold with different content: any means the worker runs other code."""
    return sorted(name for name, crc in requested.items() if name in loaded and loaded[name] != crc)


def send_message(connection, payload, fds=()):
    data = _LENGTH.pack(len(payload)) + payload
    if fds:
        socket.send_fds(connection, [data[:_LENGTH.size]], list(fds))
        connection.sendall(data[_LENGTH.size:])
    else:
        connection.sendall(data)


def receive_exactly(connection, size):
    chunks = []
    while size:
        chunk = connection.recv(size)
        if not chunk:
            raise ConnectionError("the task worker closed the connection")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive_message(connection, with_fds=False):
    fds = []
    if with_fds:
        head, fds, dummy, dummy = socket.recv_fds(connection, _LENGTH.size, 3)
        if len(head) < _LENGTH.size:
            head += receive_exactly(connection, _LENGTH.size - len(head))
    else:
        head = receive_exactly(connection, _LENGTH.size)
    return receive_exactly(connection, _LENGTH.unpack(head)[0]), fds


# --- the task's side ---------------------------------------------------------------------------------

def hand_over(module_name):
    """Run this task in the worker and exit with its result, or return to run it in this process.

    Each Azure module calls it with its ``__name__`` before importing anything else of the
    collection, so that a task the worker runs has imported nothing but this file. Returns (the
    task runs here) when the module is imported rather than run (ansible-doc, sanity, unit tests),
    when the switch is off, in a worker's child, outside AnsiballZ (e.g. ``python -m``), when no
    worker answers (one is started for the next task) or when the worker runs other code.
    """
    if module_name != "__main__" or _in_worker or not switched_on():
        return
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel  # already imported by the module

    main = sys.modules.get("__main__")
    module_fqn, modlib_path = getattr(main, "_module_fqn", None), getattr(main, "_modlib_path", None)
    arguments = getattr(basic, "_ANSIBLE_ARGS", None)
    directory = state_directory()
    if not (module_fqn and modlib_path and arguments is not None and directory and os.path.isfile(modlib_path)):
        return
    from ansible.module_utils.ansible_release import __version__ as ansible_version  # pylint: disable=import-outside-toplevel

    socket_path = os.path.join(directory, worker_key(sys.executable, ansible_version) + ".sock")
    if len(os.fsencode(socket_path)) > SOCKET_PATH_LIMIT:
        return
    request = {
        "module_fqn": module_fqn, "modlib_path": modlib_path, "checksums": payload_checksums(modlib_path),
        "arguments": arguments.decode("utf-8", "surrogateescape") if isinstance(arguments, bytes) else arguments,
        "profile": getattr(basic, "_ANSIBLE_PROFILE", None),
        "environment": dict(os.environ), "cwd": os.getcwd(), "umask": _current_umask(),
    }
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(5)
        try:
            connection.connect(socket_path)
        except OSError:
            _start_worker(directory, socket_path, modlib_path)
            return
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            send_message(connection, json.dumps(request).encode("utf-8", "surrogateescape"), fds=(0, 1, 2))
            answer = receive_exactly(connection, 1)
        except OSError:
            return
        if answer != TAKEN:
            return
        try:
            connection.sendall(GO)
        except OSError:
            return  # the child cannot have started: it waits for GO
        # From here on the task is the child's: it writes the result to this task's stdout itself.
        connection.settimeout(None)
        try:
            status = json.loads(receive_message(connection)[0])["rc"]
        except (OSError, ValueError, KeyError):
            sys.stdout.write(json.dumps({"failed": True, "msg": "the azure_backup task worker ended without a result "
                                                                "(unset AZURE_BACKUP_TASK_WORKER to run tasks in their own process)"}))
            sys.stdout.flush()
            status = 1
    finally:
        connection.close()
    raise SystemExit(status)


def _current_umask():
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _start_worker(directory, socket_path, modlib_path):
    """Start a worker in the background from a private copy of this payload (AnsiballZ deletes its own)."""
    import shutil  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel

    handle, code_copy = tempfile.mkstemp(prefix=code_prefix(socket_path), suffix=".zip", dir=directory)
    os.close(handle)
    shutil.copyfile(modlib_path, code_copy)
    environment = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    environment[IDLE_VARIABLE] = str(idle_seconds())
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from ansible_collections.azure_backup.recovery_services.plugins.module_utils._task_worker import serve; "
            "serve(sys.argv[1], sys.argv[2])")
    try:
        subprocess.Popen([sys.executable, "-c", boot, code_copy, socket_path], env=environment, cwd=directory,  # pylint: disable=consider-using-with
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except OSError:
        os.unlink(code_copy)


# --- the worker's side -------------------------------------------------------------------------------

def serve(code_path, socket_path):
    """The worker: preload, then fork a child per connection until idle. Only one worker per socket runs."""
    import fcntl  # pylint: disable=import-outside-toplevel
    import importlib  # pylint: disable=import-outside-toplevel
    import signal  # pylint: disable=import-outside-toplevel

    lock = open(socket_path + ".lock", "a+b")  # pylint: disable=consider-using-with
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.unlink(code_path)
        return
    listener, worker_pid = None, os.getpid()
    try:
        _remove_leftover_copies(code_path, socket_path)
        loaded = payload_checksums(code_path)
        prefix = "ansible_collections/azure_backup/recovery_services/plugins/module_utils/"
        ours = [name[:-3].replace("/", ".") for name in loaded if name.startswith(prefix) and not name.endswith("__init__.py")]
        for name in PRELOAD + tuple(ours):
            try:
                importlib.import_module(name)
            except Exception:  # pylint: disable=broad-exception-caught  # a missing SDK: its tasks import it themselves
                pass
        _warm_up()
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_mask = os.umask(0o177)
        try:
            listener.bind(socket_path)
        finally:
            os.umask(old_mask)
        listener.listen(64)
        listener.settimeout(idle_seconds())
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
        signal.signal(signal.SIGTERM, _end_worker)  # a child that found other code ends the worker, which cleans up
        while os.path.exists(code_path):
            try:
                connection, dummy = listener.accept()
            except socket.timeout:
                break
            if _peer_uid(connection) != os.getuid():
                connection.close()
                continue
            if os.fork() == 0:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _run_child(connection, code_path, loaded, worker_pid)
            connection.close()
    finally:
        if listener is not None:
            listener.close()
            _remove(socket_path)
        _remove(code_path)
        lock.close()


def _warm_up():
    """Fill the per-process caches every request fills (ABC subclass checks, mostly) once, for all children."""
    try:
        import requests  # pylint: disable=import-outside-toplevel

        with requests.Session() as session:
            session.prepare_request(requests.Request("GET", "https://management.azure.invalid/subscriptions", params={"api-version": "x"},
                                                     headers={"Accept": "application/json"}, json={}))
    except Exception:  # pylint: disable=broad-exception-caught  # only an optimisation
        pass


def _end_worker(signal_number, frame):  # pylint: disable=unused-argument
    raise SystemExit(0)


def code_prefix(socket_path):
    """The name prefix of a worker's payload copies: one per socket, so a worker removes only its own key's leftovers."""
    return "code-" + os.path.basename(socket_path)[:-len(".sock")] + "-"


def _remove_leftover_copies(code_path, socket_path):
    """Remove the payload copies of this key's earlier workers (one killed with SIGKILL cannot remove its own)."""
    directory = os.path.dirname(socket_path)
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.startswith(code_prefix(socket_path)) and name.endswith(".zip") and path != code_path:
            _remove(path)


def _peer_uid(connection):
    dummy, uid, dummy = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return uid


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _run_child(connection, code_path, loaded, worker_pid):
    """In the forked child: read the request, run the module as AnsiballZ would, report its exit status. Never returns."""
    global _in_worker  # pylint: disable=global-statement
    status, taken = 1, False
    try:
        raw, fds = receive_message(connection, with_fds=True)
        request = json.loads(raw.decode("utf-8", "surrogateescape"))
        if len(fds) != 3 or stale_files(loaded, request["checksums"]):
            connection.sendall(STALE)
            if len(fds) == 3 and os.getppid() == worker_pid:
                os.kill(worker_pid, 15)  # the worker runs other code: it ends, the next task starts a fresh one
            os._exit(0)
        connection.sendall(TAKEN)
        if receive_exactly(connection, 1) != GO:
            os._exit(0)
        _in_worker = True
        _watch_task(connection)
        for number, fd in enumerate(fds):
            os.dup2(fd, number)
            os.close(fd)
        taken = True
        os.chdir(request["cwd"])
        os.umask(request["umask"])
        os.environ.clear()
        os.environ.update(request["environment"])
        status = _run_module(request, code_path)
    except BaseException as error:  # pylint: disable=broad-exception-caught  # the child must always end here
        status = 1
        if taken:
            os.write(1, json.dumps({"failed": True, "msg": f"the azure_backup task worker could not run the task: {type(error).__name__}"}).encode())
    finally:
        try:
            send_message(connection, json.dumps({"rc": status}).encode())
        except OSError:
            pass
        os._exit(0)


def _watch_task(connection):
    """End the child when its task's process goes away (Ansible's task timeout, a killed run)."""
    import threading  # pylint: disable=import-outside-toplevel

    def watch():
        try:
            connection.recv(1)
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _run_module(request, code_path):
    """Run the module from the task's payload, as the AnsiballZ loader does; return its exit status."""
    import runpy  # pylint: disable=import-outside-toplevel

    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

    modlib_path = request["modlib_path"]
    sys.path.insert(0, modlib_path)
    for module in list(sys.modules.values()):  # packages loaded from the worker's copy also search the task's payload
        package_path = getattr(module, "__path__", None)
        if isinstance(package_path, list) and package_path and package_path[0].startswith(code_path + os.sep):
            package_path.insert(0, modlib_path + package_path[0][len(code_path):])
    basic._ANSIBLE_ARGS = request["arguments"].encode("utf-8", "surrogateescape")  # pylint: disable=protected-access
    if request["profile"] is not None:
        basic._ANSIBLE_PROFILE = request["profile"]  # pylint: disable=protected-access
    try:
        runpy.run_module(request["module_fqn"], init_globals={"_module_fqn": request["module_fqn"], "_modlib_path": modlib_path},
                         run_name="__main__", alter_sys=True)
    except SystemExit as ended:
        code = ended.code
        status = 0 if code is None else code if isinstance(code, int) else 1
    except Exception as error:  # pylint: disable=broad-exception-caught  # reported like AnsiballZ reports it
        sys.stdout.write(json.dumps({"failed": True, "msg": f"{type(error).__name__}: {error}"}))
        status = 1
    else:
        sys.stdout.write(json.dumps({"failed": True, "msg": "the module did not exit"}))
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return status
