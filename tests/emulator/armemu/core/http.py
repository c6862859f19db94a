"""The request and response objects handlers work with (no sockets here)."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .errors import ArmError

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Response:
    """What a handler returns. ``body`` is JSON-serialisable, raw bytes, or None (no body)."""

    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    drop: bool = False

    def encoded_body(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


def json_response(status, body, headers=None):
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def empty_response(status, headers=None):
    return Response(status, None, dict(headers or {}))


def error_response(err):
    return json_response(err.status, err.body(), err.headers)


def dropped_connection():
    """A sentinel: the server closes the connection without answering."""
    return Response(0, drop=True)


class Request:
    """One incoming request, with its path split into percent-DECODED segments.

    Segments are decoded one by one so that an encoded ``/`` stays inside its segment while
    ``%3B`` becomes the ``;`` that backup container and item names contain.
    """

    def __init__(self, emu, method, target, headers, body):
        self.emu = emu
        self.method = method.upper()
        split = urlsplit(target)
        self.segments = [unquote(part) for part in split.path.split("/") if part]
        self.path = "/" + "/".join(self.segments)
        self.query = {key: values[0] for key, values in parse_qs(split.query, keep_blank_values=True).items()}
        self.headers = headers
        self.raw_body = body
        self.params = {}
        self.route = None
        self.principal = None
        self.ratelimit = None  # (scope, bucket kind, tokens left) once ARM's throttle let the request in
        self.throttled = False

    def query_value(self, name, default=None):
        """A query parameter, matched case-insensitively as ARM does."""
        for key, value in self.query.items():
            if key.lower() == name.lower():
                return value
        return default

    @property
    def api_version(self):
        return self.query_value("api-version")

    def json(self):
        """The JSON body (an empty dict when there is none); malformed JSON is a 400 like ARM's."""
        if not self.raw_body:
            return {}
        try:
            return json.loads(self.raw_body)
        except ValueError as err:
            raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{err}'.") from err

    def url_for(self, path, query=None):
        """An absolute URL on this emulator for a decoded ``path`` (ARM puts absolute URLs in polling headers)."""
        suffix = "?" + urlencode(query) if query else ""
        return f"{self.emu.endpoint}{quote_path(path)}{suffix}"


def quote_path(path):
    """Percent-encode each segment of a decoded path, as the SDKs do (``;`` becomes ``%3B``)."""
    return "/".join(quote(segment, safe="") for segment in path.split("/"))
