"""``Idempotency-Key`` for receipts: the key is claimed in the same transaction as the
receipt, so a retry (or a concurrent duplicate) gets the stored response and creates nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from accounts.models import User
from inventory.models import ReceiptIdempotencyKey, ReservationIdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReusedError(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used with a different request body. "
        "Send a new key for a new request."
    )
    default_code = "idempotency_key_reused"


def clean_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: [f"The key must be 1 to {MAX_KEY_LENGTH} characters long."]})
    return key


def fingerprint(data: Any) -> str:
    """A stable hash of the request body (key order and whitespace do not matter)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_response(
    *,
    user: User,
    key: str,
    request_fingerprint: str,
    model: type[ReceiptIdempotencyKey | ReservationIdempotencyKey] = ReceiptIdempotencyKey,
) -> tuple[int, Any] | None:
    """The response stored under ``key`` (in ``model``), or None when the key is new.

    Raises IdempotencyKeyReusedError when the key was used for another body.
    """
    record = model._default_manager.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_fingerprint != request_fingerprint:
        raise IdempotencyKeyReusedError
    return record.response_status, record.response_body
