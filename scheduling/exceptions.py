"""Domain errors of the scheduling app; the pages turn them into messages."""

from __future__ import annotations


class SchedulingError(Exception):
    """A scheduling action that is not allowed; the message says why."""


class TransitionError(SchedulingError):
    """The visit's status map does not allow that change."""


class StaleVisitError(SchedulingError):
    """The visit changed since the form was opened."""


class VisitConflictError(SchedulingError):
    """A blocking conflict stands (double booking, licence, authorization...)."""


class DocumentationError(SchedulingError):
    """The visit's documentation refused a change; the message says what is wrong."""


class RecordLockedError(DocumentationError):
    """The visit's record is signed: it only takes addenda."""
