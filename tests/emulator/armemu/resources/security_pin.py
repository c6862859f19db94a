"""The vault's security PIN: ``POST V/backupSecurityPIN`` (api-version 2026-10-01).

Answers 200 ``{"token", "expiryTimeInUtcTicks", "securityPIN"}`` like the ``BackupSecurityPin_Get``
example: a 6-digit PIN (token and securityPIN carry the same value), valid 5 minutes,
``expiryTimeInUtcTicks`` as .NET ticks (100 ns since 0001-01-01) in an int64. This is the PIN the
portal's "Generate" button shows for MARS / MABS / DPM critical operations. Changing the security
PIN is a critical operation a resource guard may protect (``backupSecurityPIN/action``; optional body
``{"resourceGuardOperationRequests": [...]}``).

The PINs handed out are kept at ``V/backupSecurityPIN/issued`` so tests can read them back through
``GET /_emulator/state`` (no route serves that key).
"""

import secrets
from datetime import datetime, timedelta, timezone

from armemu.core.http import json_response
from armemu.core.lro import utc_now
from armemu.core.routing import route
from armemu.resources._vault_support import VAULT, require_vault
from armemu.resources.resource_guard_proxies import require_authorization

PIN_LIFETIME = timedelta(minutes=5)
DOTNET_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


def dotnet_ticks(moment):
    """.NET ticks (100-nanosecond intervals since 0001-01-01T00:00:00Z) of an aware datetime."""
    delta = moment - DOTNET_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


@route("POST", VAULT + "/backupSecurityPIN")
def generate_security_pin(req):
    vault = require_vault(req)
    body = req.json()
    require_authorization(req, vault["id"], "Microsoft.RecoveryServices/vaults/backupSecurityPIN/action",
                          body.get("resourceGuardOperationRequests"))
    pin = f"{secrets.randbelow(1_000_000):06d}"
    ticks = dotnet_ticks(utc_now() + PIN_LIFETIME)
    issued_key = f"{vault['id']}/backupSecurityPIN/issued"
    issued = req.emu.store.get(issued_key) or {"pins": []}
    issued["pins"].append({"securityPIN": pin, "expiryTimeInUtcTicks": ticks})
    req.emu.store.put(issued_key, issued)
    return json_response(200, {"token": pin, "expiryTimeInUtcTicks": ticks, "securityPIN": pin})
