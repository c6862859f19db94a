"""Pacing by ARM's rate-limit headers, with a fake clock: how long requests wait, thread-safely."""

import threading

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _pacing as pacing

SUB = "https://arm/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/x"


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_and_subscription_of_a_request():
    assert [pacing.bucket_of(method) for method in ("GET", "head", "PUT", "PATCH", "POST", "DELETE")] == \
        ["reads", "reads", "writes", "writes", "writes", "deletes"]
    assert pacing.subscription_of(SUB + "?api-version=1") == "00000000-0000-0000-0000-000000000001"
    assert pacing.subscription_of("https://arm/providers/Microsoft.Compute") == ""


def test_remaining_takes_the_smaller_of_subscription_and_global_headers():
    headers = {"x-ms-ratelimit-remaining-subscription-writes": "150", "x-ms-ratelimit-remaining-subscription-global-writes": "90"}
    assert pacing.remaining_from_headers(headers, "writes") == 90
    assert pacing.remaining_from_headers({}, "writes") is None


def test_nothing_waits_while_the_bucket_is_full():
    fake = FakeTime()
    pacer = pacing.RateLimitPacer(clock=fake.clock, sleep=fake.sleep)
    for dummy in range(50):
        ticket = pacer.before_request("PUT", SUB)
        pacer.after_response(ticket, {"x-ms-ratelimit-remaining-subscription-writes": "150"})
    assert not fake.slept


def test_the_old_hourly_model_is_never_paced():
    fake = FakeTime()
    pacer = pacing.RateLimitPacer(clock=fake.clock, sleep=fake.sleep)
    for remaining in range(1199, 1000, -1):
        ticket = pacer.before_request("POST", SUB)
        pacer.after_response(ticket, {"x-ms-ratelimit-remaining-subscription-writes": str(remaining)})
    assert not fake.slept


def test_an_emptying_write_bucket_paces_requests_at_its_refill_rate():
    """Azure's write bucket: 200, refilling 10/s. Serve 300 writes the way ARM would count them."""
    fake = FakeTime()
    pacer = pacing.RateLimitPacer(clock=fake.clock, sleep=fake.sleep)
    azure_tokens, last = 200.0, 0.0
    throttled = 0
    for dummy in range(300):
        ticket = pacer.before_request("POST", SUB)
        azure_tokens = min(200.0, azure_tokens + (fake.now - last) * 10)
        last = fake.now
        if azure_tokens < 1:
            throttled += 1
            continue
        azure_tokens -= 1
        pacer.after_response(ticket, {"x-ms-ratelimit-remaining-subscription-writes": str(int(azure_tokens))})
    assert throttled == 0
    # 300 writes from a full bucket of 200, keeping a reserve of 20: at least (300 - 180) / 10 s, and not much more.
    assert 11.5 <= fake.now <= 13.5


def test_buckets_are_kept_per_subscription_and_kind():
    fake = FakeTime()
    pacer = pacing.RateLimitPacer(clock=fake.clock, sleep=fake.sleep)
    ticket = pacer.before_request("GET", SUB)
    pacer.after_response(ticket, {"x-ms-ratelimit-remaining-subscription-reads": "0"})
    other = SUB.replace("0001", "0002")
    pacer.before_request("GET", other)
    pacer.before_request("DELETE", SUB)
    assert not fake.slept
    pacer.before_request("GET", SUB)
    assert fake.slept and fake.slept[0] > 0


def test_a_late_answer_does_not_overwrite_a_newer_count():
    estimate = pacing.BucketEstimate(200, 10.0, clock=lambda: 0.0)
    first, dummy = estimate.take()
    second, dummy = estimate.take()
    estimate.observe(second, 5)
    estimate.observe(first, 150)
    assert estimate.tokens == 5


def test_threads_share_one_pacer_safely():
    fake_lock = threading.Lock()
    slept = []

    def sleep(seconds):
        with fake_lock:
            slept.append(seconds)

    pacer = pacing.RateLimitPacer(clock=lambda: 0.0, sleep=sleep)
    ticket = pacer.before_request("PUT", SUB)
    pacer.after_response(ticket, {"x-ms-ratelimit-remaining-subscription-writes": "20"})

    def worker():
        for dummy in range(25):
            pacer.before_request("PUT", SUB)

    threads = [threading.Thread(target=worker) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 100 requests below the reserve: each waits one refill slot (0.1 s) longer than the one before.
    assert len(slept) == 100
    assert sorted(round(wait, 3) for wait in slept) == [round(0.1 * index, 3) for index in range(1, 101)]


def test_tasks_of_one_principal_share_their_estimates(tmp_path):
    """Two pacers (two tasks) on one estimates file: what one learnt and spent, the other paces by."""
    fake = FakeTime()
    shared = pacing.SharedEstimates.open(str(tmp_path / "ratelimit-principal.json"))
    first = pacing.RateLimitPacer(clock=fake.clock, sleep=fake.sleep, shared=shared)
    second = pacing.RateLimitPacer(clock=fake.clock, sleep=fake.sleep, shared=shared)
    url = "https://management.azure.com/subscriptions/SUB/resourceGroups/rg/providers/x/y?api-version=1"
    ticket = first.before_request("PUT", url)
    first.after_response(ticket, {"x-ms-ratelimit-remaining-subscription-writes": "25"})
    # The first task learnt 25 writes are left; the second spends them down to the reserve (20), then waits.
    for dummy in range(5):
        second.before_request("PUT", url)
    assert second.waited_seconds == 0
    second.before_request("PUT", url)
    assert second.waited_seconds == pytest.approx(0.1)
    # ... and the first task's next request goes a refill interval after the second's (at 0.1 s), as one task's would.
    first.before_request("PUT", url)
    assert first.waited_seconds == pytest.approx(0.1)
    assert fake.now == pytest.approx(0.2)


def test_estimates_path_is_per_principal(tmp_path):
    environ = {"AZURE_BACKUP_CACHE_DIR": str(tmp_path), "AZURE_CLIENT_ID": "app/1"}
    assert pacing.shared_estimates_path(environ=environ) == str(tmp_path / "ratelimit-app%2F1.json")
    assert pacing.shared_estimates_path(environ={"AZURE_BACKUP_CACHE_DIR": str(tmp_path)}) == str(tmp_path / "ratelimit-default.json")
    # The principal the task signs in with (option or profile) wins over the environment's.
    assert pacing.shared_estimates_path("app-2", environ=environ) == str(tmp_path / "ratelimit-app-2.json")


def test_unusable_estimates_file_leaves_each_task_pacing_alone(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert pacing.SharedEstimates.open(str(blocker / "sub" / "ratelimit.json")) is None
