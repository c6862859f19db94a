"""ARM-shaped errors.

Every ARM error body is ``{"error": {"code", "message", "target", "details", "innerError"}}``
(the Backup RP sends ``innerError: null`` and ``details: null`` too). ``Retry-After`` must never
ride on a 4xx other than 429: azure-core retries *any* status >= 400 that carries it.
"""


class ArmError(Exception):
    """An error answered in ARM's JSON error format."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        if "Retry-After" in self.headers and 400 <= status < 500 and status != 429:
            raise ValueError("Retry-After on a 4xx other than 429 makes azure-core retry it")

    def body(self):
        return {"error": {"code": self.code, "message": self.message, "target": None, "details": None, "innerError": None}}


def resource_not_found(resource_type, name, resource_group):
    """ARM's 404 for a missing resource inside an existing resource group."""
    return ArmError(
        404, "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def resource_group_not_found(resource_group):
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")


def bad_request(message, code="BadRequest"):
    return ArmError(400, code, message)
