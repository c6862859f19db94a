"""Small ARM conventions shared by resource files."""

import copy
from urllib.parse import quote

from .errors import resource_group_not_found
from .lro import iso, utc_now


def normalise_location(location):
    """ARM echoes locations normalised: ``"West Europe"`` becomes ``"westeurope"``."""
    return "".join(str(location).split()).lower()


def weak_etag():
    """An etag in the Recovery Services form ``W/"datetime'2026-11-24T12%3A00%3A00.1234567Z'"``."""
    return 'W/"datetime\'' + quote(iso(utc_now()), safe="") + '\'"'


def resource_group_id(subscription_id, resource_group):
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def require_resource_group(store, subscription_id, resource_group):
    """The resource group body, or ARM's 404 ResourceGroupNotFound."""
    body = store.get(resource_group_id(subscription_id, resource_group))
    if body is None:
        raise resource_group_not_found(resource_group)
    return body


def system_data(principal, previous=None):
    """``systemData`` for a write by ``principal``, keeping the creation fields of ``previous``."""
    now = iso(utc_now())
    who = principal.client_id if principal else "armemu"
    created = {"createdBy": who, "createdByType": "Application", "createdAt": now}
    if previous:
        created = {key: previous[key] for key in ("createdBy", "createdByType", "createdAt") if key in previous}
    return {**created, "lastModifiedBy": who, "lastModifiedByType": "Application", "lastModifiedAt": now}


def deep_merge(base, changes):
    """``base`` updated by ``changes`` recursively (a PATCH's merge semantics); inputs are not modified."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
