"""Backup item kinds beside Azure VMs: who serves a generic Backup route for a non-VM container or filter.

Not a resource file (the leading underscore keeps it out of route discovery). Azure serves every
kind of backup item on the same paths (``.../protectionContainers/{c}/protectedItems/{i}``, its
``/backup`` and ``/recoveryPoints/{rp}/restore``, ``V/backupProtectableItems``,
``V/backupProtectionContainers``, ``V/backupPolicies/{p}``); what differs is the container's name
(``IaasVMContainer;...`` for a VM, ``VMAppContainer;Compute;rg;vm`` for SQL in a VM,
``StorageContainer;Storage;rg;account`` for Azure Files) or the request's
``backupManagementType``. The VM files own those routes and ask here first, as
``_passive_stamp`` does for the secondary region, so they need no knowledge of the other kinds:

- ``for_container(req, view)``: the handler another kind registered for ``view`` when the request's
  ``containerName`` starts with that kind's prefix (before the first ``;``), else None;
- ``for_management_type(view, value)``: the handler registered for ``view`` and a
  ``backupManagementType`` (``$filter`` term or body field), else None.

Views: ``item.put``, ``item.backup``, ``point.restore``, ``points.list`` (by container);
``protectableItems.list``, ``containers.list``, ``policy.check`` (by management type).
"""

_BY_CONTAINER = {}
_BY_MANAGEMENT_TYPE = {}


def register_container_kind(prefix, view, handler):
    """Serve ``view`` with ``handler(req)`` for containers named ``{prefix};...`` (any casing)."""
    _BY_CONTAINER[(view, prefix.lower())] = handler


def register_management_type(management_type, view, handler):
    """Serve ``view`` with ``handler`` for requests about ``management_type`` (any casing)."""
    _BY_MANAGEMENT_TYPE[(view, management_type.lower())] = handler


def for_container(req, view):
    prefix = (req.params.get("containerName") or "").split(";", 1)[0].lower()
    return _BY_CONTAINER.get((view, prefix))


def for_management_type(view, management_type):
    return _BY_MANAGEMENT_TYPE.get((view, (management_type or "").lower()))
