# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retries with patience, and a second chance for an expired token: azure-core pipeline policies.

``AzureSession`` gives every SDK client (and the cloud-metadata fetch) these policies instead of
azure-core's defaults, which give up after 3 consecutive 429/5xx answers whatever ``Retry-After`` said.

* ``PatientRetryPolicy`` retries throttling (408/429), server errors (5xx) and dropped connections
  of requests that are safe to repeat, for as long as one time budget per request allows
  (``retry_timeout``), sleeping what ``Retry-After`` / ``retry-after-ms`` asks.
* ``TokenRefreshPolicy`` answers ARM's ``401 ExpiredAuthenticationToken`` / ``InvalidAuthenticationToken``
  by acquiring a new token once, past every token cache, and repeating the request (azure-core only
  does that for claims challenges).

Imported by ``_client`` when it builds a client, so importing ``_client`` alone stays cheap.
"""

from __future__ import annotations

import random
import ssl
import time
from urllib.parse import urlparse

try:
    from azure.core.exceptions import AzureError
    from azure.core.pipeline import PipelineResponse
    from azure.core.pipeline.policies import RetryPolicy
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
except ImportError:  # pragma: no cover - modules check the SDKs (missing_required_lib) before _client imports this file
    PipelineResponse = None
    RetryPolicy = ARMChallengeAuthenticationPolicy = object
    AzureError = ImportError  # never raised here: nothing reads a response without azure-core

DEFAULT_RETRY_TIMEOUT = 300

# POST actions that change nothing when sent twice: reads Azure models as POST, discovery, and the
# on-demand backup trigger (a second trigger while one runs is refused, not run twice).
# Matched against the last path segment, case-insensitively.
SAFE_POST_ACTIONS = frozenset(action.lower() for action in (
    "backupStatus",
    "backupPreValidateProtection",
    "backupValidateFeatures",
    "refreshContainers",
    "backup",
    "checkNameAvailability",
))

# More retries than any budget allows: the time budget, not a count, ends the retries.
UNLIMITED_ATTEMPTS = 10_000

# A claims request makes azure-identity and MSAL skip their token caches, which still hold the
# token ARM has just rejected: the same mechanism azure-core uses for CAE claims challenges.
FRESH_TOKEN_CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"%d"}}}'


def is_safe_post(url):
    """True when ``url`` names a POST action that is safe to repeat (see SAFE_POST_ACTIONS)."""
    path = urlparse(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1].lower() in SAFE_POST_ACTIONS


def is_permanent(error):
    """True for a failure no retry can cure: a TLS certificate or CA bundle problem anywhere in the chain."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ssl.SSLError) or "CA certificate bundle" in str(error):
            return True
        error = getattr(error, "inner_exception", None) or error.__cause__ or error.__context__
    return False


def jittered(seconds):
    """``seconds`` spread by +-20%, so parallel threads that failed together do not retry together."""
    return seconds * random.uniform(0.8, 1.2)


class PatientRetryPolicy(RetryPolicy):
    """azure-core's RetryPolicy with a time budget per request instead of a retry count.

    What is retried: any answer carrying ``Retry-After`` (as azure-core does), 408/429/5xx and dropped
    connections on GET/HEAD/PUT/DELETE/OPTIONS and on the POST actions in SAFE_POST_ACTIONS. Other
    POSTs are retried only where azure-core would (5xx answers), never after a dropped connection,
    since Azure may have applied them. A retry whose wait would end past the budget is not made: the
    last answer (Azure's own 429/5xx error) or connection error is what the caller sees.
    """

    def __init__(self, budget_seconds=DEFAULT_RETRY_TIMEOUT, clock=time.monotonic, **kwargs):
        kwargs.setdefault("retry_backoff_factor", 0.8)
        kwargs.setdefault("retry_backoff_max", 30)
        super().__init__(retry_total=UNLIMITED_ATTEMPTS, retry_connect=UNLIMITED_ATTEMPTS, retry_read=UNLIMITED_ATTEMPTS,
                         retry_status=UNLIMITED_ATTEMPTS, **kwargs)
        self.budget_seconds = budget_seconds
        self.clock = clock

    def configure_retries(self, options):
        settings = super().configure_retries(options)
        settings["deadline"] = self.clock() + self.budget_seconds
        return settings

    def _is_method_retryable(self, settings, request, response=None):
        if request.method.upper() == "POST" and is_safe_post(request.url):
            return True
        return super()._is_method_retryable(settings, request, response=response)

    def increment(self, settings, response=None, error=None):
        if error is not None and is_permanent(error):
            return False
        if not super().increment(settings, response=response, error=error):
            return False
        answer = response if isinstance(response, PipelineResponse) else None
        retry_after = self.get_retry_after(answer) if answer is not None else None
        delay = retry_after if retry_after else jittered(self.get_backoff_time(settings))
        if self.clock() + delay > settings["deadline"]:
            return False
        settings["next_delay"] = delay
        return True

    def sleep(self, settings, transport, response=None):
        """Sleep the delay ``increment`` chose (Retry-After, else jittered exponential backoff)."""
        transport.sleep(settings.pop("next_delay", 0))


REJECTED_TOKEN_CODES = ("ExpiredAuthenticationToken", "InvalidAuthenticationToken")


def token_rejected(http_response):
    """True when a 401 says ARM did not accept the token itself: expired, revoked, or unknown to it.

    ARM says so with ``error="invalid_token"`` in its challenge, or its error code. A token can be
    rejected while its holder still thinks it good: revoked, a clock skew, or a cached token (the
    opt-in token cache) that this ARM does not know.
    """
    challenge = (http_response.headers.get("WWW-Authenticate") or "").lower()
    if 'error="invalid_token"' in challenge.replace(" ", ""):
        return True
    try:
        body = http_response.text() or ""
    except (AzureError, ValueError):  # a body not read (streamed) or not text says nothing about the token
        return False
    return any(code in body for code in REJECTED_TOKEN_CODES)


class TokenRefreshPolicy(ARMChallengeAuthenticationPolicy):
    """ARM's authentication policy, plus one new token when ARM rejects the one it was given.

    azure-core re-authorises only for CAE claims challenges, so without this the task fails with a
    401 although a new token would do. The base class sends the request again once, and returns a
    second 401 as it is.
    """

    def on_challenge(self, request, response):
        if super().on_challenge(request, response):
            return True
        if not token_rejected(response.http_response):
            return False
        self.authorize_request(request, *self._scopes, claims=FRESH_TOKEN_CLAIMS % int(time.time()))
        return True
