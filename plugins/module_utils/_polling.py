# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How long to wait between polls of a long-running operation when Azure does not say.

Azure's Backup operations answer 202 and in-progress polls without ``Retry-After``; azure-core
would then sleep its fixed ``polling_interval`` (30 s by default) between polls. Operations take
from under a second (emulator) to ~20 s (a protection on Azure) to hours (a backup job), so the
interval starts short and grows to a cap: quick operations finish quickly, long ones cost few polls.
``Retry-After``, when Azure sends it, always wins.
"""

from __future__ import annotations

FIRST_POLL_SECONDS = 1.0
POLL_GROWTH = 1.5
MAX_POLL_SECONDS = 15.0


def poll_delays(first=FIRST_POLL_SECONDS, growth=POLL_GROWTH, cap=MAX_POLL_SECONDS):
    """Endless delays between polls: ``first``, then each ``growth`` times the last, up to ``cap``."""
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * growth)


def retry_after_seconds(headers, default=None):
    """Read ``Retry-After`` (seconds) or ``retry-after-ms`` / ``x-ms-retry-after-ms``; ``default`` when absent or 0."""
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001), ("Retry-After", 1.0)):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value) * scale
            except ValueError:
                continue
            if seconds > 0:
                return seconds
    return default


def adaptive_polling():
    """A fresh azure-mgmt-core ARMPolling that falls back to ``poll_delays`` (one per operation).

    The class is defined here so that importing this file does not import azure-mgmt-core.
    """
    from azure.mgmt.core.polling.arm_polling import ARMPolling  # pylint: disable=import-outside-toplevel

    class AdaptiveARMPolling(ARMPolling):
        """ARMPolling whose wait without ``Retry-After`` follows ``poll_delays`` instead of a fixed interval."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._fallback_delays = poll_delays()

        def _extract_delay(self):
            return retry_after_seconds(self._pipeline_response.http_response.headers, default=None) or next(self._fallback_delays)

    return AdaptiveARMPolling()
