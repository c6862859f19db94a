# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Resource tags, defined once: ``TAGS_ARGUMENT_SPEC`` goes with the ``azure_backup.recovery_services.tags`` doc fragment.

Tags are merged by default, as azure.azcollection's ``append_tags`` does: a tag another tool set stays unless the
task asks to remove it (``append_tags: false``, or this collection's ``purge_tags: true``). The two options say
the same thing in opposite words, so a task that sets both to contradicting values is refused before any request.
"""

from __future__ import annotations

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._reconcile import Refusal
from ansible_collections.azure_backup.recovery_services.plugins.module_utils._validation import check_tags

# No defaults on the two switches: a default could not be told apart from a value the user set (purges_tags).
TAGS_ARGUMENT_SPEC = dict(
    tags=dict(type="dict"),
    append_tags=dict(type="bool"),
    purge_tags=dict(type="bool"),
)


def purges_tags(params):
    """Whether tags missing from ``tags`` are removed; refuses ``append_tags`` and ``purge_tags`` that contradict each other."""
    append, purge = params.get("append_tags"), params.get("purge_tags")
    if append is not None and purge is not None and append == purge:
        value = str(append).lower()
        raise Refusal(f"append_tags={value} and purge_tags={value} contradict each other: append_tags=true keeps the tags that "
                      "tags does not list, purge_tags=true removes them (append_tags=false is purge_tags=true); set only one of them")
    return purge is True or append is False


def desired_tags(current_tags, params):
    """The tags the resource should carry: ``current_tags`` when ``tags`` is unset, else ``tags`` merged in or in place of them."""
    tags = check_tags(params.get("tags"))
    if tags is None:
        return dict(current_tags or {})
    return tags if purges_tags(params) else dict(current_tags or {}, **tags)


def check_tag_options(params):
    """Everything about the tag options that can be refused before the first request."""
    check_tags(params.get("tags"))
    purges_tags(params)
