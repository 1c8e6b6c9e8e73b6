from __future__ import annotations


class MeasurementMissingError(Exception):
    """Dosing needs a recent weight: none was recorded, or the latest is too old."""


class InvitationError(Exception):
    """A portal invitation cannot be sent or used; the message says why, for the reader."""


class EmergencyAccessError(Exception):
    """A break-glass request is refused; the message says why, for the reader."""
