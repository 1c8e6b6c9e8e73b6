"""Recent full authentication before any change to a person's second-factor devices.

OWASP ASVS 5.0 7.5.1 (level 2): "Verify that the application requires full
re-authentication before allowing modifications to sensitive account attributes which may
affect authentication such as email address, phone number, MFA configuration, or other
information used in account recovery."

"Full" means every factor the account has: the password, and a code from the app (or a
recovery code) when the person has a device. The session remembers when that last
happened (``SESSION_FULL_AUTH_AT``): at a login that asked for everything the account has
(the password of someone without a device; the second step after the password of someone
with one), or on the re-authentication page. A device change is allowed while that moment
is at most ``MFA_REAUTHENTICATION`` old (10 minutes by default: time to fetch an emailed
code and scan a QR code, shorter than the staff idle logoff), otherwise the person is sent
to re-authenticate first. An unattended or stolen session therefore cannot add, remove or
replace a device.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

SESSION_FULL_AUTH_AT = "mfa_full_auth_at"


def mark_fully_authenticated(request: HttpRequest) -> None:
    request.session[SESSION_FULL_AUTH_AT] = time.time()


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_FULL_AUTH_AT)
    if not isinstance(at, int | float):
        return False
    age = time.time() - at
    return 0 <= age <= settings.MFA_REAUTHENTICATION.total_seconds()
