"""Domain errors of the therapies app."""

from __future__ import annotations


class DosingInputError(ValueError):
    """An input to the dosing calculation is missing, malformed or implausible.

    `field` names the offending input (the JSON key of the dose-calculation endpoint where there
    is one, e.g. ``weight_kg``), so the API can answer 400 with that field and the form can attach
    the message to it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class PlanError(Exception):
    """A therapy-plan action that is not allowed; the message says why."""


class PlanPermissionError(PlanError):
    """The person's role does not do this to a plan (authoring or verifying)."""


class FourEyesError(PlanError):
    """The person who entered a plan cannot verify it."""


class StalePlanError(PlanError):
    """The plan changed since the form was opened."""
