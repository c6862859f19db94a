"""The operation engine's contract, independent of any resource."""

import time

import pytest

from armemu.core.errors import ArmError
from armemu.core.lro import OperationEngine, result_response, status_response
from armemu.core.settings import Settings


def test_status_is_always_200_and_result_follows_the_state():
    engine = OperationEngine(Settings(lro_delay=0.1, retry_after=2))
    done = []
    operation = engine.start("/scope", on_complete=lambda: done.append(True))
    running = status_response(engine, operation, "/scope/operationStatus/x")
    assert running.status == 200 and running.body["status"] == "InProgress" and running.headers["Retry-After"] == "2"
    assert result_response(engine, operation).status == 202
    time.sleep(0.15)
    engine.settle()
    finished = status_response(engine, operation, "/scope/operationStatus/x")
    assert finished.body["status"] == "Succeeded" and "endTime" in finished.body and "Retry-After" not in finished.headers
    assert result_response(engine, operation).status == 204
    engine.settle()
    assert done == [True]


def test_failed_operation_reports_its_error_and_skips_the_callback():
    engine = OperationEngine(Settings(lro_delay=0))
    operation = engine.start("/scope", on_complete=pytest.fail, error={"code": "UserErrorX", "message": "nope"})
    operation.settle()
    body = status_response(engine, operation, "id").body
    assert body["status"] == "Failed" and body["error"]["code"] == "UserErrorX"


def test_operations_are_scoped():
    engine = OperationEngine(Settings())
    operation = engine.start("/Subscriptions/S/vaults/A")
    assert engine.get(operation.id, "/subscriptions/s/vaults/a") is operation
    with pytest.raises(ArmError):
        engine.get(operation.id, "/subscriptions/s/vaults/b")


def test_retry_after_on_a_4xx_is_refused():
    with pytest.raises(ValueError):
        raise ArmError(404, "NotFound", "x", {"Retry-After": "1"})
    assert ArmError(429, "Throttled", "x", {"Retry-After": "1"}).status == 429


def test_an_operation_lasts_the_duration_of_its_kind():
    settings = Settings(lro_delay=0.05)
    settings.update({"durations": {"protect": 0.3}})
    engine = OperationEngine(settings)
    protect, other = engine.start("/scope", kind="protect"), engine.start("/scope", kind="refresh_containers")
    time.sleep(0.1)
    engine.settle()
    assert protect.status == "InProgress" and other.status == "Succeeded" and protect.kind == "protect"
    time.sleep(0.25)
    engine.settle()
    assert protect.status == "Succeeded"
    assert engine.start("/scope", kind="protect", delay=0).due <= time.monotonic()
