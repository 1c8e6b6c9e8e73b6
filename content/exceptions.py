"""Domain errors of the content app; views and the API map them to answers."""

from __future__ import annotations


class InvalidTransitionError(Exception):
    """An article's status cannot move from its current state to the one asked for."""


class NotReadyToPublishError(InvalidTransitionError):
    """Publishing needs a medical reviewer, a review date and a next-review date."""


class InvalidTokenError(Exception):
    """A newsletter link is forged, altered, expired or no longer matches a signup."""


class EditionNotReadyError(InvalidTransitionError):
    """An edition cannot be scheduled yet (no time set) or test-sent (no address)."""
