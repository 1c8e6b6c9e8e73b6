"""Reading newsletter links out of the test outbox."""

from __future__ import annotations

import re

from django.core import mail


def link_from_outbox(kind: str) -> str:
    """The path of the only confirm/unsubscribe link of ``kind`` in the last message."""
    message = mail.outbox[-1]
    match = re.search(rf"http://testserver(/newsletter/{kind}/[^/\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)
