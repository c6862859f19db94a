"""The Backup RP's passive stamp: the secondary (paired) region's view of a vault, for cross-region restore.

Not a resource file (the leading underscore keeps it out of route discovery). Azure serves the
secondary region's protected items and recovery points on the *same paths* as the primary ones
(``V/backupProtectedItems/``, ``I/recoveryPoints/``, ``I/recoveryPoints/{rp}``) but under the passive
stamp's api-versions (``2018-12-20`` and ``2021-11-15``, the CRR swagger's ``RecoveryPointsCrr_*`` and
``BackupProtectedItemsCrr_List``). The primary routes ask ``passive_handler`` (recovery points: the
secondary answers) or ``check_passive`` (protected items: the same list, once the vault is known to have
a secondary region) first; backup_crr.py registers the secondary views here, so the primary files need
no knowledge of CRR.
"""

PASSIVE_STAMP_VERSIONS = ("2018-12-20", "2021-11-15")
_HANDLERS = {}


def is_passive_stamp(req):
    """True for a request made with one of the passive stamp's api-versions (``-preview`` included)."""
    version = (req.api_version or "").lower()
    return any(version.startswith(known) for known in PASSIVE_STAMP_VERSIONS)


def register(view, handler):
    """Serve ``view`` (e.g. ``"recoveryPoints.list"``) with ``handler(req)`` for passive-stamp requests."""
    _HANDLERS[view] = handler


def passive_handler(req, view):
    """The registered secondary-region handler of ``view`` when ``req`` is a passive-stamp request, else None."""
    return _HANDLERS.get(view) if is_passive_stamp(req) else None


def check_passive(req, view):
    """For a view the secondary region serves like the primary (the protected items): run its registered
    check (it raises when the vault has no secondary view) and let the primary route answer."""
    check = passive_handler(req, view)
    if check:
        check(req)
