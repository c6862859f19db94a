"""Tags merge by default (azure.azcollection's append_tags); append_tags=false or purge_tags=true replace; contradictions are refused."""

import pytest

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._tags import check_tag_options, desired_tags, purges_tags

CURRENT = {"owner": "platform", "set_by_policy": "yes"}


def params(tags=None, append_tags=None, purge_tags=None):
    return {"tags": tags, "append_tags": append_tags, "purge_tags": purge_tags}


@pytest.mark.parametrize("append_tags, purge_tags", [(None, None), (True, None), (None, False), (True, False)])
def test_tags_are_merged_unless_asked_otherwise(append_tags, purge_tags):
    wanted = desired_tags(CURRENT, params({"owner": "backup-team", "env": "prod"}, append_tags, purge_tags))
    assert wanted == {"owner": "backup-team", "set_by_policy": "yes", "env": "prod"}


@pytest.mark.parametrize("append_tags, purge_tags", [(False, None), (None, True), (False, True)])
def test_append_tags_false_or_purge_tags_true_replace_the_tags(append_tags, purge_tags):
    assert desired_tags(CURRENT, params({"env": "prod"}, append_tags, purge_tags)) == {"env": "prod"}


@pytest.mark.parametrize("append_tags, purge_tags", [(False, None), (None, True), (True, None), (None, None)])
def test_unset_tags_leave_the_tags_alone(append_tags, purge_tags):
    assert desired_tags(CURRENT, params(None, append_tags, purge_tags)) == CURRENT


def test_empty_tags_with_append_tags_false_remove_every_tag():
    assert not desired_tags(CURRENT, params({}, append_tags=False))


def test_values_become_strings_and_a_missing_current_set_is_empty():
    assert desired_tags(None, params({"cost_center": 42})) == {"cost_center": "42"}


@pytest.mark.parametrize("value", [True, False])
def test_contradicting_switches_are_refused_naming_both(value):
    with pytest.raises(Refusal) as caught:
        check_tag_options(params({"env": "prod"}, append_tags=value, purge_tags=value))
    word = str(value).lower()
    assert f"append_tags={word} and purge_tags={word} contradict each other" in str(caught.value)


def test_contradiction_is_refused_even_without_tags():
    with pytest.raises(Refusal):
        purges_tags(params(None, append_tags=True, purge_tags=True))


def test_bad_tags_are_refused_by_the_same_check():
    with pytest.raises(Refusal) as caught:
        check_tag_options(params({"team/owner": "x"}))
    assert "tag name 'team/owner' contains /" in str(caught.value)
