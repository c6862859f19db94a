"""Run-time settings that tests may change through ``POST /_emulator/settings``, and the two cost profiles.

``fast`` (the default) keeps the suite quick: no throttling, no added latency, every operation
lasts ``lro_delay``. ``azure`` makes the emulator cost what Azure costs: ARM's token buckets,
per-request latency and Azure's operation durations. docs/emulator.md ("Cost profile") gives the
source of every number below.
"""

import copy
from dataclasses import asdict, dataclass, field

BUCKET_KINDS = ("reads", "writes", "deletes")
LATENCY_KINDS = ("read", "write")
TOKEN_LIFETIME = 3599

# ARM's token buckets since 2024 ("Request limits and throttling", Azure Resource Manager docs):
# per subscription, per principal and per operation type; the same numbers at tenant scope.
AZURE_BUCKETS = {"reads": {"bucket": 250, "refill": 25}, "writes": {"bucket": 200, "refill": 10},
                 "deletes": {"bucket": 200, "refill": 10}}

# Seconds each kind of long-running operation takes on Azure (see docs/emulator.md, "Cost profile").
AZURE_DURATIONS = {
    "vault_create": 10, "vault_update": 10, "vault_delete": 10,
    "refresh_containers": 12, "protect": 92, "unprotect": 30, "undelete": 30,
    "backup_trigger": 1, "backup_job": 2400, "restore_trigger": 1, "restore_job": 1800, "cancel_job": 5,
    "policy_update": 30, "policy_delete": 5, "ilr_mount": 60, "ilr_unmount": 20,
    "resource_group_delete": 30,
}
OPERATION_KINDS = frozenset(AZURE_DURATIONS)

# In the fast profile a kind lasts this many ``lro_delay``s (a Backup job outlives the trigger operation).
FAST_MULTIPLES = {"backup_job": 2, "restore_job": 3}

PROFILES = {
    "fast": {"throttle": {}, "latency": {"read": 0.0, "write": 0.0}, "durations": {}, "token_lifetime": TOKEN_LIFETIME},
    "azure": {"throttle": AZURE_BUCKETS, "latency": {"read": 0.2, "write": 0.5}, "durations": AZURE_DURATIONS,
              "token_lifetime": TOKEN_LIFETIME},
}
KNOWN = ("profile", "lro_delay", "retry_after", "page_size", "throttle", "latency", "durations", "token_lifetime")


@dataclass
class Settings:
    """``lro_delay``: seconds an operation of a kind without its own duration stays InProgress.
    ``retry_after``: the Retry-After value on 202s and in-progress polls, whole seconds only: Azure
    sends integers and the SDKs deserialise some Retry-After headers with ``int()`` (``"0.2"``
    raises). ``page_size``: items per page on paged lists. ``throttle``: token buckets per kind
    (``{"writes": {"bucket": 200, "refill": 10}}``), a kind without one is never throttled.
    ``latency``: seconds added to each ARM read / write. ``durations``: seconds per operation
    kind. ``token_lifetime``: seconds an AAD access token lives (``expires_in``)."""

    profile: str = "fast"
    lro_delay: float = 1.0
    retry_after: int = 1
    page_size: int = 50
    throttle: dict = field(default_factory=dict)
    latency: dict = field(default_factory=lambda: {"read": 0.0, "write": 0.0})
    durations: dict = field(default_factory=dict)
    token_lifetime: int = TOKEN_LIFETIME

    def update(self, changes):
        """Apply a dict of changes (a ``profile`` first, then the other keys), all or nothing;
        raise ValueError naming a bad key or value."""
        trial = copy.deepcopy(self)
        trial.apply_changes(changes)
        self.__dict__.update(trial.__dict__)

    def apply_changes(self, changes):
        unknown = set(changes) - set(KNOWN)
        if unknown:
            raise ValueError(f"unknown setting {sorted(unknown)[0]!r}; known: {', '.join(KNOWN)}")
        if "profile" in changes:
            self.apply_profile(changes["profile"])
        for key, value in changes.items():
            if key == "throttle":
                self.throttle = checked_buckets(value)
            elif key == "latency":
                self.latency = {**self.latency, **_seconds_map("latency", value, LATENCY_KINDS)}
            elif key == "durations":
                self.durations = {**self.durations, **_seconds_map("durations", value, OPERATION_KINDS)}
            elif key == "lro_delay":
                self.lro_delay = _seconds("lro_delay", value)
            elif key in ("retry_after", "page_size", "token_lifetime"):
                setattr(self, key, _whole_number(key, value, minimum=0 if key == "retry_after" else 1))

    def apply_profile(self, name):
        if name not in PROFILES:
            raise ValueError(f"profile must be one of {sorted(PROFILES)}")
        profile = PROFILES[name]
        self.profile = name
        self.throttle = {kind: dict(bucket) for kind, bucket in profile["throttle"].items()}
        self.latency = dict(profile["latency"])
        self.durations = dict(profile["durations"])
        self.token_lifetime = profile["token_lifetime"]

    def duration(self, kind):
        """Seconds an operation of ``kind`` stays InProgress."""
        if kind in self.durations:
            return self.durations[kind]
        return self.lro_delay * FAST_MULTIPLES.get(kind, 1)

    def retry_after_header(self, seconds=None):
        """Retry-After as Azure writes it: whole seconds."""
        return str(int(self.retry_after if seconds is None else seconds))

    def as_dict(self):
        return asdict(self)


def checked_buckets(value):
    """``{"reads": {"bucket": n, "refill": r}, ...}`` checked; ``{}`` (or None) turns throttling off."""
    value = value or {}
    if not isinstance(value, dict) or set(value) - set(BUCKET_KINDS):
        raise ValueError(f"throttle must be an object with keys among {list(BUCKET_KINDS)}")
    checked = {}
    for kind, bucket in value.items():
        if not isinstance(bucket, dict) or set(bucket) != {"bucket", "refill"}:
            raise ValueError(f"throttle.{kind} must be {{\"bucket\": tokens, \"refill\": tokens per second}}")
        size = _whole_number(f"throttle.{kind}.bucket", bucket["bucket"], minimum=1)
        refill = bucket["refill"]
        if isinstance(refill, bool) or not isinstance(refill, (int, float)) or refill <= 0:
            raise ValueError(f"throttle.{kind}.refill must be a positive number of tokens per second")
        checked[kind] = {"bucket": size, "refill": refill}
    return checked


def _seconds(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{key} must be a non-negative number of seconds")
    return value


def _seconds_map(key, value, allowed):
    if not isinstance(value, dict) or set(value) - set(allowed):
        raise ValueError(f"{key} must be an object with keys among {sorted(allowed)}")
    return {name: _seconds(f"{key}.{name}", seconds) for name, seconds in value.items()}


def _whole_number(key, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key} must be an integer >= {minimum}")
    return value
