"""Run-time settings that tests may change through ``POST /_emulator/settings``."""

from dataclasses import asdict, dataclass, field

THROTTLE_KEYS = frozenset({"reads", "writes", "deletes", "window", "retry_after"})


@dataclass
class Settings:
    """``lro_delay``: seconds an operation stays InProgress. ``retry_after``: the Retry-After
    value on 202s and in-progress polls, whole seconds only: Azure sends integers and the SDKs
    deserialise some Retry-After headers with ``int()`` (``"0.2"`` raises). ``page_size``: items per
    page on paged lists. ``throttle``: per principal and subscription budgets, off when empty,
    e.g. ``{"reads": 100, "writes": 10, "window": 60, "retry_after": 5}``."""

    lro_delay: float = 1.0
    retry_after: int = 1
    page_size: int = 50
    throttle: dict = field(default_factory=dict)

    def update(self, changes):
        """Apply a dict of changes; raise ValueError naming a bad key or value."""
        for key, value in changes.items():
            if key == "throttle":
                self.throttle = self._checked_throttle(value)
            elif key == "lro_delay":
                if not isinstance(value, (int, float)) or value < 0:
                    raise ValueError("lro_delay must be a non-negative number of seconds")
                self.lro_delay = value
            elif key in ("retry_after", "page_size"):
                setattr(self, key, self._whole_number(key, value, minimum=0 if key == "retry_after" else 1))
            else:
                raise ValueError(f"unknown setting {key!r}; known: lro_delay, retry_after, page_size, throttle")

    @staticmethod
    def _whole_number(key, value, minimum):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{key} must be an integer >= {minimum}")
        return value

    @staticmethod
    def _checked_throttle(value):
        value = value or {}
        if not isinstance(value, dict) or set(value) - THROTTLE_KEYS:
            raise ValueError(f"throttle must be an object with keys among {sorted(THROTTLE_KEYS)}")
        return dict(value)

    def retry_after_header(self, seconds=None):
        """Retry-After as Azure writes it: whole seconds."""
        return str(int(self.retry_after if seconds is None else seconds))

    def as_dict(self):
        return asdict(self)
