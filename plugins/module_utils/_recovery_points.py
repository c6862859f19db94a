# Copyright (c) azure_backup.recovery_services contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which recovery point a task means, and which tier of it Azure can use: decided here, once.

``vm_restore`` and ``file_recovery_script`` (and the restore drill through ``vm_restore``) name a point the
same way: its id, ``latest``, or the newest point taken at or before a time. A point lives in one or more
tiers (``recoveryPointTierDetails``, each with a status): the snapshot tier (``InstantRP``), the vault tier
(``HardenedRP``) and the archive tier (``ArchivedRP``). A point with a valid snapshot or vault copy can be
restored or mounted at once; one kept only in the archive must be rehydrated first (a restore can do it,
with a rehydration request; file recovery cannot). Points from before tiering carry no tier details and are
vault-tier points.

Lookups return point mappings as Azure sends them (``as_mapping``); failures are ``LookupError`` with a
message that names the VM and what to do, so each module turns them into its own failed task.
"""

from __future__ import annotations

import re

from ansible_collections.azure_backup.recovery_services.plugins.module_utils._listings import newest_point, parse_time

SNAPSHOT, VAULT, ARCHIVE = "snapshot", "vault", "archive"
# Azure's tier names -> the names the collection reports, in the order Azure prefers them for a restore.
TIERS = (("InstantRP", SNAPSHOT), ("HardenedRP", VAULT), ("ArchivedRP", ARCHIVE))
POINT_CHOICE = re.compile(r"^(latest|[0-9]+)$")


class ArchivedPoint(LookupError):
    """The chosen point is valid only in the archive tier: it must be rehydrated before it can be used."""

    def __init__(self, message, point):
        super().__init__(message)
        self.point = point


def valid_tiers(point):
    """Azure's names of the tiers in which the point is valid, e.g. ``["InstantRP", "HardenedRP"]``."""
    details = (point.get("properties") or {}).get("recoveryPointTierDetails") or []
    return [tier.get("type") for tier in details if str(tier.get("status", "")).lower() == "valid"]


def usable_tier(point):
    """The tier a restore or a mount reads: ``snapshot`` when a snapshot is valid, else ``vault``, else ``archive``.

    A point without tier details predates tiering and is a vault-tier point. None when no tier is valid.
    """
    if not (point.get("properties") or {}).get("recoveryPointTierDetails"):
        return VAULT
    tiers = valid_tiers(point)
    return next((name for azure_name, name in TIERS if azure_name in tiers), None)


def point_summary(point):
    """What a task reports about a point: id, time, type, valid tiers (Azure's names) and the tier it can use."""
    properties = point.get("properties") or {}
    return {"id": point.get("name"), "time": properties.get("recoveryPointTime"), "type": properties.get("recoveryPointType"),
            "tiers": valid_tiers(point), "usable_tier": usable_tier(point)}


def check_point_options(recovery_point, before):
    """Refusal text for the ``recovery_point`` / ``before`` options (None when they are fine); no request needed."""
    if recovery_point is not None and before is not None:
        return "recovery_point and before are mutually exclusive: name a point (an id or latest), or a time"
    if recovery_point is not None and not POINT_CHOICE.match(str(recovery_point)):
        return f"recovery_point must be 'latest' or a recovery point id (digits), got {recovery_point!r}"
    if before is not None:
        try:
            parse_time(before)
        except ValueError as error:
            return f"before: {error}"
    return None


def choose_point(recovery_point, before, list_points, get_point, vm_label, where):
    """The point the options name: ``get_point(id)`` for an id, else the newest of ``list_points()`` (at or before ``before``).

    ``get_point`` returns None for an unknown id. Raises LookupError naming ``vm_label`` and ``where`` (e.g. "vault rsv-1")
    when there is no such point. The tier is not judged here: see ``require_usable``.
    """
    if recovery_point not in (None, "latest"):
        point = get_point(str(recovery_point))
        if point is None:
            raise LookupError(f"VM {vm_label} has no recovery point {recovery_point} in {where}")
        return point
    moment = parse_time(before) if before is not None else None
    point = newest_point(list_points(), moment)
    if point is None:
        when = f" taken at or before {moment.strftime('%Y-%m-%dT%H:%M:%SZ')}" if moment else ""
        raise LookupError(f"VM {vm_label} has no recovery point{when} in {where}")
    return point


def require_usable(point, vm_label, purpose, remedy):
    """Return the tier ``purpose`` will read (snapshot or vault); raise ArchivedPoint for an archive-only point.

    ``remedy`` tells the user how to get past it (it differs: a restore can rehydrate, file recovery cannot).
    """
    tier = usable_tier(point)
    if tier in (SNAPSHOT, VAULT):
        return tier
    tiers = ", ".join(valid_tiers(point)) or "no valid tier"
    raise ArchivedPoint(f"recovery point {point.get('name')} ({(point.get('properties') or {}).get('recoveryPointTime')}) of VM {vm_label} "
                        f"is only in the archive tier ({tiers}); {purpose} needs a snapshot or vault-standard copy: {remedy}", point)
