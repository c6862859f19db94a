"""``GET /subscriptions/{s}/locations`` (Microsoft.Resources, Subscriptions_ListLocations): the regions
the subscription offers, as ``{"value": [Location, ...]}`` without paging (spec example shape).
"""

from armemu.core.http import json_response
from armemu.core.routing import route
from armemu.core.validation import location_list


@route("GET", "/subscriptions/{subscriptionId}/locations")
def list_locations(req):
    return json_response(200, {"value": location_list(req.params["subscriptionId"])})
