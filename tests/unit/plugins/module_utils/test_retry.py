"""The client layer's pipeline policies, run in a real azure-core pipeline over a scripted transport."""

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline import Pipeline
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _retry as retry


class ScriptedResponse(HttpResponseImpl):
    def __init__(self, request, status, headers=None, body=b""):
        super().__init__(request=request, internal_response=None, status_code=status, headers=headers or {},
                         reason="scripted", content_type="application/json", stream_download_generator=None)
        self._content = body
        self._is_closed = True


class ScriptedTransport(HttpTransport):
    """Answers each request with the next scripted outcome: a status, (status, headers, body), or an exception class."""

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.requests = []
        self.authorizations = []
        self.slept = []
        self.now = 1000.0

    def clock(self):
        return self.now

    def send(self, request, **kwargs):  # pylint: disable=unused-argument
        self.requests.append(request)
        self.authorizations.append(request.headers.get("Authorization"))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, type) and issubclass(outcome, Exception):
            raise outcome("scripted connection failure")
        status, headers, body = outcome if isinstance(outcome, tuple) else (outcome, {}, b"")
        return ScriptedResponse(request, status, headers, body)

    def sleep(self, duration):
        self.slept.append(duration)
        self.now += duration

    def open(self):
        pass

    def close(self):
        pass

    def __exit__(self, *args):
        pass


def run(outcomes, method="GET", url="https://arm.local/subscriptions/s/resourceGroups/rg?api-version=1", budget=60, policies=()):
    transport = ScriptedTransport(outcomes)
    pipeline = Pipeline(transport, [retry.PatientRetryPolicy(budget, clock=transport.clock), *policies])
    response = pipeline.run(HttpRequest(method, url)).http_response
    return response, transport


THROTTLED = (429, {"Retry-After": "2"}, b"")


def test_five_consecutive_429s_are_survived_sleeping_retry_after():
    response, transport = run([THROTTLED] * 5 + [200])
    assert response.status_code == 200
    assert len(transport.requests) == 6
    assert transport.slept == [2.0] * 5


def test_retry_after_ms_is_honoured():
    response, transport = run([(503, {"retry-after-ms": "250"}, b""), 200])
    assert response.status_code == 200
    assert transport.slept == [0.25]


def test_a_wait_past_the_budget_is_not_made_and_azures_answer_is_returned():
    response, transport = run([(429, {"Retry-After": "30"}, b"")] * 3 + [200], budget=40)
    assert response.status_code == 429
    assert len(transport.requests) == 2
    assert transport.slept == [30.0]


def test_zero_budget_means_no_retry():
    response, transport = run([THROTTLED, 200], budget=0)
    assert response.status_code == 429
    assert len(transport.requests) == 1


def test_server_errors_without_retry_after_back_off_exponentially():
    response, transport = run([500, 502, 503, 504, 200])
    assert response.status_code == 200
    assert len(transport.requests) == 5
    first_retry_at_once, *waits = transport.slept  # the first retry goes at once, then 1.6 s, 3.2 s, ... +-20%
    assert len(waits) == 3
    for wait, expected in zip(waits, (1.6, 3.2, 6.4)):
        assert expected * 0.8 <= wait <= expected * 1.2
    assert first_retry_at_once == 0


@pytest.mark.parametrize("action", ["backupStatus", "backupPreValidateProtection", "backupValidateFeatures", "refreshContainers", "backup"])
def test_a_dropped_connection_on_a_safe_post_is_retried(action):
    url = f"https://arm.local/subscriptions/s/providers/Microsoft.RecoveryServices/x/{action}?api-version=1"
    response, transport = run([ServiceResponseError, 200], method="POST", url=url)
    assert response.status_code == 200
    assert len(transport.requests) == 2


def test_a_dropped_connection_on_another_post_is_not_retried():
    url = "https://arm.local/subscriptions/s/x/provisionInstantItemRecovery?api-version=1"
    with pytest.raises(ServiceResponseError):
        run([ServiceResponseError, 200], method="POST", url=url)


def test_a_429_without_retry_after_on_a_safe_post_is_retried():
    url = "https://arm.local/subscriptions/s/locations/westeurope/backupStatus?api-version=1"
    response, transport = run([429, 200], method="POST", url=url)
    assert response.status_code == 200
    assert len(transport.requests) == 2


def test_connection_errors_are_retried_on_get_until_the_budget_runs_out():
    response, transport = run([ServiceRequestError] * 3 + [200])
    assert response.status_code == 200
    assert len(transport.requests) == 4


def test_client_errors_are_not_retried():
    response, transport = run([404, 200])
    assert response.status_code == 404
    assert len(transport.requests) == 1


@pytest.mark.parametrize("url, safe", [
    ("https://h/subscriptions/s/providers/Microsoft.RecoveryServices/locations/weu/backupStatus?api-version=1", True),
    ("https://h/x/protectedItems/vm;a/BACKUP?api-version=1", True),
    ("https://h/x/protectedItems/vm;a/backup/?api-version=1", True),
    ("https://h/x/refreshContainers", True),
    ("https://h/x/revokeInstantItemRecovery?api-version=1", False),
    ("https://h/x/backupstatusX", False),
])
def test_is_safe_post(url, safe):
    assert retry.is_safe_post(url) is safe


class CountingCredential:
    def __init__(self):
        self.calls = []

    def get_token(self, *scopes, **kwargs):  # pylint: disable=unused-argument
        self.calls.append(kwargs.get("claims"))
        return AccessToken(f"token-{len(self.calls)}", 10 ** 10)


EXPIRED = (401, {"WWW-Authenticate": 'Bearer authorization_uri="https://login/t", error="invalid_token", '
                                     'error_description="The access token has expired."'},
           b'{"error": {"code": "ExpiredAuthenticationToken", "message": "The access token expiry ..."}}')


def test_an_expired_token_is_acquired_again_once_bypassing_caches():
    credential = CountingCredential()
    response, transport = run([EXPIRED, 200], policies=[retry.TokenRefreshPolicy(credential, "https://arm/.default")])
    assert response.status_code == 200
    assert transport.authorizations == ["Bearer token-1", "Bearer token-2"]
    assert credential.calls[0] is None
    assert '"nbf"' in credential.calls[1]


def test_a_second_expired_answer_is_returned_not_looped():
    credential = CountingCredential()
    response, transport = run([EXPIRED, EXPIRED, 200], policies=[retry.TokenRefreshPolicy(credential, "https://arm/.default")])
    assert response.status_code == 401
    assert len(transport.requests) == 2


def test_a_token_arm_does_not_know_is_replaced_too():
    credential = CountingCredential()
    invalid = (401, {"WWW-Authenticate": 'Bearer authorization_uri="https://login/t", error="invalid_token", '
                                         'error_description="The access token is invalid."'},
               b'{"error": {"code": "InvalidAuthenticationToken"}}')
    response, transport = run([invalid, 200], policies=[retry.TokenRefreshPolicy(credential, "https://arm/.default")])
    assert response.status_code == 200
    assert len(transport.requests) == 2


def test_another_401_is_returned_as_it_is():
    credential = CountingCredential()
    other = (401, {"WWW-Authenticate": 'Bearer authorization_uri="https://login/t"'}, b'{"error": {"code": "SomethingElse"}}')
    response, transport = run([other, 200], policies=[retry.TokenRefreshPolicy(credential, "https://arm/.default")])
    assert response.status_code == 401
    assert len(transport.requests) == 1


class UnreadBody:
    """A 401 whose body azure-core cannot give (a streamed response not read), or a broken one."""

    headers = {"WWW-Authenticate": 'Bearer authorization_uri="https://login/t"'}
    request = None

    def __init__(self, error):
        self.error = error

    def text(self):
        raise self.error


def test_an_unreadable_401_body_says_the_token_was_not_rejected():
    from azure.core.exceptions import StreamConsumedError  # pylint: disable=import-outside-toplevel

    assert retry.token_rejected(UnreadBody(StreamConsumedError(UnreadBody(None)))) is False
    assert retry.token_rejected(UnreadBody(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"))) is False


def test_a_bug_reading_the_401_is_not_hidden():
    with pytest.raises(AttributeError):
        retry.token_rejected(UnreadBody(AttributeError("a bug")))
