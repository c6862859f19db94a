"""A decorator-based route table.

Resource files declare routes with ``@route(METHOD, TEMPLATE)``; ``{name}`` in a template captures
one decoded path segment into ``req.params``. Literal segments match case-insensitively (ARM is
case-insensitive on paths). When two templates match, the one with literals earlier wins, so
``.../vaults/{v}/operationStatus/{op}`` beats a hypothetical ``.../vaults/{v}/{child}/{name}``.

Route kinds:
- ``arm``: needs a bearer token and an ``api-version``; counted in the request log.
- ``aad`` / ``metadata``: no token; logged but not counted as ARM requests.
- ``control``: the emulator's own ``/_emulator`` API; never logged.

Guards: ``@route(..., when=predicate)`` serves a request only when ``predicate(req, params)`` holds,
and then wins over an unguarded route of the same template. One Azure path can serve several
workloads (a protected item is an Azure VM or a file share, told apart by its container name or
its body); each workload's file keeps its own handler instead of branching inside another's.
"""

from dataclasses import dataclass

WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})
KINDS = frozenset({"arm", "aad", "metadata", "control"})


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: object
    kind: str
    write: bool
    pattern: tuple
    when: object = None

    def match(self, segments):
        """The captured parameters if ``segments`` fits this route, else None."""
        if len(segments) != len(self.pattern):
            return None
        params = {}
        for (is_param, text), segment in zip(self.pattern, segments):
            if is_param:
                params[text] = segment
            elif text != segment.lower():
                return None
        return params

    @property
    def specificity(self):
        """Literals earlier win; at equal templates a guarded route beats an unguarded one."""
        return (tuple(not segment[0] for segment in self.pattern), self.when is not None)


_ROUTES = []


def _compile(template):
    pattern = []
    for part in template.strip("/").split("/"):
        if part.startswith("{") and part.endswith("}"):
            pattern.append((True, part[1:-1]))
        else:
            pattern.append((False, part.lower()))
    return tuple(pattern)


def route(method, template, *, kind="arm", write=None, when=None):
    """Register the decorated function as the handler of ``method template``.

    ``write`` says whether the request counts as a write in the request log; it defaults to
    True for PUT/PATCH/POST/DELETE. Declare ``write=False`` on POSTs that only read (Azure has a
    few, e.g. ``backupStatus``). ``when(req, params)``: serve only the requests it accepts.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown route kind {kind!r}")
    method = method.upper()

    def register(handler):
        is_write = method in WRITE_METHODS if write is None else write
        _ROUTES.append(Route(method, template, handler, kind, is_write, _compile(template), when))
        return handler
    return register


def match(method, segments, req=None):
    """The best route for ``method`` and decoded ``segments`` and its parameters, or (None, None).

    A guarded route is a candidate only when ``req`` is given and its guard accepts it."""
    candidates = []
    for candidate in _ROUTES:
        if candidate.method != method:
            continue
        params = candidate.match(segments)
        if params is not None and candidate.when is not None and (req is None or not candidate.when(req, params)):
            continue
        if params is not None:
            candidates.append((candidate.specificity, candidate, params))
    if not candidates:
        return None, None
    best, params = max(candidates, key=lambda entry: entry[0])[1:]
    return best, params


def path_exists(segments):
    """True when some route (any method) matches: distinguishes 405-like cases from unknown paths."""
    return any(candidate.match(segments) is not None for candidate in _ROUTES)


def all_routes():
    return list(_ROUTES)


def namespaces():
    """Lower-cased resource provider namespaces some route serves (the segment after ``providers``)."""
    found = set()
    for candidate in _ROUTES:
        literals = [text for _kind, text in candidate.pattern]
        found.update(literals[index + 1] for index, text in enumerate(literals[:-1]) if text == "providers")
    return found
