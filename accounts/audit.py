"""The one way to write the audit log: ``log_action``."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts.models import AuditLogEntry, User

# Keys whose values never reach the log, whatever the caller passes (ASVS 16.2.5).
SENSITIVE_KEYS = frozenset({"password", "password1", "password2", "token", "secret", "otp"})
MASK = "********"


def mask(data: dict[str, Any]) -> dict[str, Any]:
    return {key: MASK if key.lower() in SENSITIVE_KEYS else value for key, value in data.items()}


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the peer; behind a proxy, the proxy must set it (gunicorn
    # --forwarded-allow-ips), so a client cannot forge its address with a header.
    return request.META.get("REMOTE_ADDR") or None


def log_action(
    action: str,
    *,
    actor: User | None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    patient_uuid: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one entry. ``action`` is a namespaced code such as ``accounts.login``."""
    entry = AuditLogEntry(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        patient_uuid=patient_uuid,
        data=mask(data or {}),
    )
    if request is not None:
        entry.ip_address = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
    entry.save()
    return entry
