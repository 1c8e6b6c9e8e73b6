"""The one way to write the audit log: ``log_action``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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
    entry = _entry(
        action, actor=actor, request=request, obj=obj, patient_uuid=patient_uuid, data=data
    )
    entry.save()
    return entry


def log_action_per_patient(
    action: str,
    *,
    actor: User | None,
    patient_uuids: Iterable[uuid.UUID],
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> list[AuditLogEntry]:
    """Append one entry per patient (a page listing several patients' data) in one INSERT,
    so "who looked at my record" finds it for each of them."""
    entries = [
        _entry(action, actor=actor, request=request, obj=obj, patient_uuid=patient, data=data)
        for patient in dict.fromkeys(patient_uuids)
    ]
    return AuditLogEntry.objects.bulk_create(entries)


def _entry(
    action: str,
    *,
    actor: User | None,
    request: HttpRequest | None,
    obj: models.Model | None,
    patient_uuid: uuid.UUID | None,
    data: dict[str, Any] | None,
) -> AuditLogEntry:
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
    return entry
