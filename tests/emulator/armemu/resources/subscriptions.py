"""Subscriptions and tenants (Microsoft.Resources): ``GET /subscriptions[/{s}]``, ``GET /tenants``.

A principal sees only the subscriptions the estate grants it. Estate section::

    subscriptions:
      - id: 00000000-0000-0000-0000-000000000001
        displayName: Demo
        state: Enabled          # optional
"""

from armemu.core.http import json_response
from armemu.core.paging import paged_response
from armemu.core.routing import route

ESTATE_SECTIONS = ("subscriptions",)
ESTATE_PRIORITY = 10


def subscription_body(subscription_id, display_name, tenant_id, state="Enabled"):
    return {
        "id": f"/subscriptions/{subscription_id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": subscription_id,
        "tenantId": tenant_id,
        "displayName": display_name,
        "state": state,
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
    }


def load_estate(store, estate):
    for spec in estate.get("subscriptions") or []:
        subscription_id = str(spec["id"])
        body = subscription_body(subscription_id, spec.get("displayName", subscription_id), str(estate["tenant"]), spec.get("state", "Enabled"))
        store.put(body["id"], body)


@route("GET", "/subscriptions")
def list_subscriptions(req):
    visible = req.emu.store.find(lambda key, body: key.count("/") == 2 and key.startswith("/subscriptions/")
                                 and req.principal.may_access(body["subscriptionId"]))
    return paged_response(req, visible)


@route("GET", "/subscriptions/{subscriptionId}")
def get_subscription(req):
    return json_response(200, req.emu.store.get(f"/subscriptions/{req.params['subscriptionId']}"))


@route("GET", "/tenants")
def list_tenants(req):
    tenant = req.emu.tenant
    return json_response(200, {"value": [{"id": f"/tenants/{tenant}", "tenantId": tenant, "tenantCategory": "Home",
                                          "displayName": "armemu", "defaultDomain": "armemu.onmicrosoft.com"}]})
