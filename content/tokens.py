"""Signed newsletter links. The token names the subscriber's random UUID, never the address.

Confirmation links expire after 7 days. Unsubscribe links never expire: CAN-SPAM wants the
opt-out to keep working for at least 30 days after each message, and an old newsletter in
someone's inbox should still let them leave.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import signing

from content.exceptions import InvalidTokenError

CONFIRM_SALT = "content.newsletter.confirm"
UNSUBSCRIBE_SALT = "content.newsletter.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)


def make_confirm_token(subscriber_uuid: uuid.UUID) -> str:
    return signing.dumps(str(subscriber_uuid), salt=CONFIRM_SALT)


def make_unsubscribe_token(subscriber_uuid: uuid.UUID) -> str:
    return signing.dumps(str(subscriber_uuid), salt=UNSUBSCRIBE_SALT)


def read_confirm_token(token: str) -> uuid.UUID:
    return _read(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def read_unsubscribe_token(token: str) -> uuid.UUID:
    return _read(token, salt=UNSUBSCRIBE_SALT, max_age=None)


def _read(token: str, *, salt: str, max_age: timedelta | None) -> uuid.UUID:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
        return uuid.UUID(str(value))
    except (signing.BadSignature, ValueError) as error:  # SignatureExpired is a BadSignature
        raise InvalidTokenError from error
