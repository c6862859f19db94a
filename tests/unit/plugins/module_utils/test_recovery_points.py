"""The one recovery point choice: latest, an id, the newest at or before a time; and which tier a restore or mount reads."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils import _recovery_points as rp

BOTH = (("InstantRP", "Valid"), ("HardenedRP", "Valid"))


def point(name, when, tiers=BOTH):
    return {"name": name, "properties": {"recoveryPointTime": when, "recoveryPointType": "CrashConsistent",
                                         "recoveryPointTierDetails": [{"type": kind, "status": status} for kind, status in tiers]}}


POINTS = [point("1", "2026-11-18T00:00:00.0000000Z", (("HardenedRP", "Valid"),)), point("3", "2026-11-20T00:00:00.1234567Z"),
          point("2", "2026-11-19T12:00:00Z", (("ArchivedRP", "Valid"), ("HardenedRP", "Deleted")))]


def choose(recovery_point=None, before=None, known=None):
    return rp.choose_point(recovery_point, before, lambda: POINTS, (known or {}).get, "rg/vm-1", "vault rsv-1")


def test_latest_is_the_newest_and_before_is_inclusive():
    assert choose()["name"] == "3"
    assert choose("latest")["name"] == "3"
    assert choose(before="2026-11-19T12:00:00Z")["name"] == "2"
    assert choose(before="2026-11-19 11:59")["name"] == "1"


def test_an_id_is_read_not_listed():
    def no_listing():
        raise AssertionError("an id must not list the points")
    assert rp.choose_point("42", None, no_listing, lambda name: point(name, "2026-11-01T00:00:00Z"), "rg/vm", "vault v")["name"] == "42"


def test_no_point_names_the_vm_the_place_and_the_time():
    with pytest.raises(LookupError, match=r"VM rg/vm-1 has no recovery point taken at or before 2026-11-01T00:00:00Z in vault rsv-1"):
        choose(before="2026-11-01T00:00:00+00:00")
    with pytest.raises(LookupError, match=r"VM rg/vm-1 has no recovery point 12345 in vault rsv-1"):
        choose("12345")


def test_the_tier_used_is_snapshot_then_vault_and_an_archive_only_point_is_refused_with_the_remedy():
    assert rp.usable_tier(POINTS[1]) == rp.SNAPSHOT
    assert rp.usable_tier(POINTS[0]) == rp.VAULT
    assert rp.usable_tier(point("9", "2026-01-01T00:00:00Z", ())) == rp.VAULT  # before tiering: a vault-tier point
    assert rp.usable_tier(POINTS[2]) == rp.ARCHIVE
    assert rp.usable_tier(point("8", "2026-01-01T00:00:00Z", (("HardenedRP", "Deleted"),))) is None
    assert rp.require_usable(POINTS[1], "rg/vm-1", "a restore", "x") == rp.SNAPSHOT
    with pytest.raises(rp.ArchivedPoint, match=r"only in the archive tier \(ArchivedRP\); a restore needs .*: rehydrate") as refused:
        rp.require_usable(POINTS[2], "rg/vm-1", "a restore", "rehydrate it first")
    assert refused.value.point is POINTS[2]


def test_summary_reports_azure_tiers_and_the_usable_one():
    assert rp.point_summary(POINTS[0]) == {"id": "1", "time": "2026-11-18T00:00:00.0000000Z", "type": "CrashConsistent",
                                           "tiers": ["HardenedRP"], "usable_tier": "vault"}


@pytest.mark.parametrize("recovery_point, before, expected", [
    ("latest", "2026-01-01", "mutually exclusive"), ("newest", None, "must be 'latest' or a recovery point id"),
    (None, "last tuesday", "before: 'last tuesday' is not a date or time"), ("123", None, None), (None, "2026-01-01T10:00:00Z", None),
])
def test_options_are_checked_without_a_request(recovery_point, before, expected):
    problem = rp.check_point_options(recovery_point, before)
    assert (problem is None) if expected is None else (expected in problem)
