# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Resource tags, merged by default (azure.azcollection's append_tags); the spec is TAGS_ARGUMENT_SPEC in _tags.py."""

    DOCUMENTATION = r"""
options:
  tags:
    description:
      - Tags of the resource, names to values.
      - Merged into the tags the resource has by default, so tags set by another tool or in the portal stay; a listed tag
        whose value differs is updated. To make O(tags) the complete set, set O(append_tags=false) or O(purge_tags=true).
      - Left unset, the resource's tags are not managed and never change, whatever O(append_tags) and O(purge_tags) say.
        To remove every tag, set O(tags) to V({}) with O(append_tags=false).
      - At most 50 tags; names of 1 to 512 characters without the characters Azure reserves (C(<>%&\?/)); values up to 256 characters.
    type: dict
  append_tags:
    description:
      - As in azure.azcollection. V(true) merges O(tags) into the resource's tags; V(false) removes the tags O(tags) does not list.
      - When neither O(append_tags) nor O(purge_tags) is set, tags are merged (as with V(true)).
      - Setting both to contradicting values (O(append_tags=true) with O(purge_tags=true), or both V(false)) is refused before any request.
    type: bool
  purge_tags:
    description:
      - The opposite of O(append_tags), in the words of amazon.aws and earlier releases of this collection.
        V(true) removes the tags O(tags) does not list; V(false) merges.
      - Unset, tags are merged unless O(append_tags=false).
    type: bool
"""
