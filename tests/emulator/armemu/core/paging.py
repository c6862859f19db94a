"""Server-side paging: ``{"value": [...], "nextLink": "<absolute url with $skiptoken>"}``.

The page size is a setting, so tests can force many pages with a handful of resources. The
skip token is opaque to clients (base64 of the offset), as Azure's are.
"""

import base64
import binascii

from .errors import ArmError
from .http import json_response

SKIP_TOKEN = "$skiptoken"


def _encode(offset):
    return base64.urlsafe_b64encode(f"offset:{offset}".encode("ascii")).decode("ascii").rstrip("=")


def _decode(token):
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        label, offset = text.split(":")
        if label != "offset" or int(offset) < 0:
            raise ValueError(text)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError) as err:
        raise ArmError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.") from err


def paged_response(req, items, page_size=None, render=None):
    """One page of ``items`` for ``req``, with an absolute ``nextLink`` when more remain.

    ``render`` (optional) turns one item into what the page shows; it runs on the page's items only,
    so a listing can pass the store's shared bodies (``Store.find_shared``) and copy just one page.
    """
    size = page_size or req.emu.settings.page_size
    token = req.query_value(SKIP_TOKEN)
    offset = _decode(token) if token else 0
    page = items[offset:offset + size]
    body = {"value": [render(item) for item in page] if render else page}
    if offset + size < len(items):
        query = {key: value for key, value in req.query.items() if key.lower() != SKIP_TOKEN}
        query[SKIP_TOKEN] = _encode(offset + size)
        body["nextLink"] = req.url_for(req.path, query)
    return json_response(200, body)
