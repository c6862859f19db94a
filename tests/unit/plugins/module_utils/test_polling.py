"""Adaptive polling: the interval between polls when Azure sends no Retry-After."""

import itertools

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _polling as polling


def test_poll_delays_start_short_and_grow_to_the_cap():
    delays = list(itertools.islice(polling.poll_delays(), 10))
    assert delays[:4] == [1.0, 1.5, 2.25, 3.375]
    assert delays == sorted(delays)
    assert delays[-1] == polling.MAX_POLL_SECONDS


def test_a_20_second_operation_costs_few_polls():
    elapsed, polls = 0.0, 0
    for delay in polling.poll_delays():
        elapsed += delay
        polls += 1
        if elapsed >= 20:
            break
    assert polls <= 7
    assert elapsed < 30


@pytest.mark.parametrize("headers, seconds", [
    ({"Retry-After": "7"}, 7.0),
    ({"retry-after-ms": "250"}, 0.25),
    ({"x-ms-retry-after-ms": "1500"}, 1.5),
    ({"Retry-After": "0"}, None),
    ({}, None),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
])
def test_retry_after_seconds(headers, seconds):
    assert polling.retry_after_seconds(headers) == seconds


class FakeHttpResponse:
    def __init__(self, headers):
        self.headers = headers


class FakePipelineResponse:
    def __init__(self, headers):
        self.http_response = FakeHttpResponse(headers)


def test_sdk_polling_falls_back_to_adaptive_delays_and_honours_retry_after():
    method = polling.adaptive_polling()
    method._pipeline_response = FakePipelineResponse({})  # pylint: disable=protected-access
    assert [method._extract_delay() for dummy in range(3)] == [1.0, 1.5, 2.25]  # pylint: disable=protected-access
    method._pipeline_response = FakePipelineResponse({"Retry-After": "4"})  # pylint: disable=protected-access
    assert method._extract_delay() == 4.0  # pylint: disable=protected-access
