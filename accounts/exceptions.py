from __future__ import annotations


class AuditLogImmutableError(Exception):
    """The audit log is append-only: entries are never changed or deleted."""

    def __init__(self) -> None:
        super().__init__("The audit log is append-only: entries cannot be changed or deleted.")
