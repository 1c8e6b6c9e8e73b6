from __future__ import annotations


class MeasurementMissingError(Exception):
    """Dosing needs a recent weight: none was recorded, or the latest is too old."""
