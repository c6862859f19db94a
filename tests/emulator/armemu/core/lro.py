"""Long-running operations, the way ARM resource providers expose them.

An operation starts InProgress and completes ``delay`` seconds later. Completion runs the
operation's ``on_complete`` callback once, so the resource changes at the moment the operation
says it succeeded (and not when the 202 is sent). Completion is settled at the start of every
request (``OperationEngine.settle``), so a client that never polls still sees the final state.

Two kinds of polling URL exist and must not be confused (contract §1.4, §8.5):
- *status* URLs (``Azure-AsyncOperation``): ALWAYS 200 with a JSON body carrying ``status``;
- *result* URLs (``Location``): the HTTP status is the state: 202 while running, then 200 with
  the result body or 204.
"""

import base64
import contextvars
import threading
import time
import uuid
from datetime import datetime, timezone

from .errors import ArmError
from .http import empty_response, json_response


_COMPLETING_AT = contextvars.ContextVar("completing_at", default=None)


def utc_now():
    """Now; while an operation completes, the moment it was due. What the operation changes (a job's
    endTime, a recovery point's time) then follows the operation's own clock, not the moment some
    request happened to settle it (on Azure, jobs advance whether or not anyone reads them)."""
    return _COMPLETING_AT.get() or datetime.now(timezone.utc)


def iso(moment):
    """ISO-8601 with 7 fractional digits and a Z, as .NET services write it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def new_operation_id():
    """A long url-safe id like the base64 ones Azure hands out."""
    raw = f"{uuid.uuid4()};{uuid.uuid4()}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class Operation:
    """One asynchronous operation.

    ``scope`` is the lower-cased id of the resource the operation belongs to; polling routes
    refuse ids from another scope. ``result`` (optional) is called when the finished operation's
    result URL is read and returns a Response (default: 204). ``properties`` is added to the
    finished status body (the Backup RP puts job ids there). ``kind`` (e.g. ``protect``,
    ``refresh_containers``) picks the operation's duration from the settings.
    """

    def __init__(self, scope, delay, on_complete=None, error=None, result=None, properties=None, kind=None):
        self.id = new_operation_id()
        self.kind = kind
        self.scope = scope.lower()
        self.started = utc_now()
        self.ended = None
        self.due = time.monotonic() + delay
        self.due_wall = time.time() + delay  # the same deadline on the wall clock, for a state file
        self.on_end = None  # set by the engine while a state file journals operations
        self.saved_effect = None  # what it will write when it completes, kept by a state file
        self.on_complete = on_complete
        self.error = error
        self.result = result
        self.properties = properties
        self._lock = threading.Lock()

    @property
    def done(self):
        return self.ended is not None

    @property
    def status(self):
        if not self.done:
            return "InProgress"
        return "Failed" if self.error else "Succeeded"

    def settle(self, now=None):
        """Complete the operation if it is due; run ``on_complete`` exactly once."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self.done or now < self.due:
                return
            due_at = datetime.fromtimestamp(min(time.time(), self.due_wall), timezone.utc)
            token = _COMPLETING_AT.set(due_at)
            try:
                if self.on_complete and not self.error:
                    self.on_complete()
                self.ended = utc_now()
            finally:
                _COMPLETING_AT.reset(token)
        if self.on_end:
            self.on_end(self)

    def status_body(self, status_id, placeholder_end_time=False):
        """The Azure-AsyncOperation body: ``{id, name, status, startTime, endTime[, error][, properties]}``.

        ``placeholder_end_time`` writes ``0001-01-01T00:00:00Z`` while running, as the Backup RP does.
        """
        body = {"id": status_id, "name": self.id, "status": self.status, "startTime": iso(self.started)}
        if self.done:
            body["endTime"] = iso(self.ended)
        elif placeholder_end_time:
            body["endTime"] = "0001-01-01T00:00:00Z"
        if self.error and self.done:
            body["error"] = dict(self.error)
        if self.properties and self.done:
            body["properties"] = self.properties
        return body


class OperationEngine:
    """All operations of one emulator, by id."""

    def __init__(self, settings):
        self.settings = settings
        self._operations = {}
        self._lock = threading.Lock()
        self.journal = None  # a list that collects new and ended operations while a state file is kept

    def start(self, scope, on_complete=None, delay=None, error=None, result=None, properties=None, kind=None):
        """Begin an operation lasting the settings' duration for ``kind``; ``delay`` overrides it."""
        delay = self.settings.duration(kind) if delay is None else delay
        operation = Operation(scope, delay, on_complete, error, result, properties, kind)
        self.add(operation)
        return operation

    def add(self, operation):
        """Register an operation (a new one, or one read back from a state file)."""
        with self._lock:
            self._operations[operation.id] = operation
            if self.journal is not None:
                self.journal.append(operation)
                operation.on_end = self.journal.append

    def operations(self):
        with self._lock:
            return list(self._operations.values())

    def get(self, operation_id, scope):
        """The operation, if it exists and belongs to ``scope``; else 404 like the RP."""
        with self._lock:
            operation = self._operations.get(operation_id)
        if operation is None or operation.scope != scope.lower():
            raise ArmError(404, "ResourceNotFound", f"The operation '{operation_id}' was not found.")
        operation.settle()
        return operation

    def settle(self):
        now = time.monotonic()
        with self._lock:
            pending = [op for op in self._operations.values() if not op.done]
        for operation in pending:
            operation.settle(now)

    def clear(self):
        with self._lock:
            self._operations.clear()

    def retry_after(self):
        return {"Retry-After": self.settings.retry_after_header()}


def accepted(engine, operation, status_url, result_url, body=None):
    """The 202 that starts an LRO: ``Azure-AsyncOperation`` + ``Location`` + ``Retry-After``.

    Either URL may be None when the service sends only the other one.
    """
    headers = engine.retry_after()
    if status_url:
        headers["Azure-AsyncOperation"] = status_url
    if result_url:
        headers["Location"] = result_url
    if body is None:
        return empty_response(202, headers)
    return json_response(202, body, headers)


def status_response(engine, operation, status_id, placeholder_end_time=False):
    """The answer on a status URL: always 200, with Retry-After while InProgress."""
    headers = {} if operation.done else engine.retry_after()
    return json_response(200, operation.status_body(status_id, placeholder_end_time), headers)


def result_response(engine, operation, running_headers=None):
    """The answer on a result URL: 202 (+ Retry-After and ``running_headers``) while running,
    then the operation's result (default 204); a failed operation answers its error."""
    if not operation.done:
        return empty_response(202, {**(running_headers or {}), **engine.retry_after()})
    if operation.error:
        raise ArmError(400, operation.error.get("code", "OperationFailed"), operation.error.get("message", ""))
    if operation.result:
        return operation.result()
    return empty_response(204)
