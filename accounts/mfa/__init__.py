"""The second sign-in factor: TOTP (RFC 6238) plus single-use recovery codes (django-otp).

Every staff role and superuser must pass it before any staff page, the admin or a staff API
call (HIPAA 45 CFR 164.312(d) person authentication; OWASP ASVS 5.0 6.3.2 MFA at level 2).
Patients may turn it on for themselves; from then on their login asks for it too.

- A code is 6 digits every 30 s and single-use (ASVS 6.5.1, 6.5.5): the device remembers
  the last time step it accepted (``TOTPDevice.last_t``) and refuses it or an earlier one.
- Ten recovery codes are shown once at the first enrolment; each works once (the token row
  is deleted). The person can replace them on the devices page.
- Wrong codes are throttled per person: after ``MFA_FAILURE_LIMIT`` in ``MFA_FAILURE_WINDOW``
  the step is paused (ASVS 6.3.1). The count is read from the audit log, so it holds across
  processes and restarts; wrong emailed enrolment codes count too.
- A first device needs more than the password (issue 13 item 9): a one-time code mailed to
  the account's address (``enrolment_codes``).
- Any change to the devices (a first or another app, removing one, new recovery codes)
  needs a recent full re-authentication (``reauth``; ASVS 7.5.1), and mails the account
  holder (``notices``).
- Enrolment, success, failure, pause, recovery-code use and every device change are
  audit-logged, never a code.
- The session key is rotated once the second factor passes (ASVS 7.2.4).
- A password reset does not log anyone in (PasswordResetConfirmView's default), so the next
  login asks for the second factor again (ASVS 6.4.3).

Modules: ``devices`` (who must pass it, checking codes, enrolling and removing), ``reauth``,
``enrolment_codes``, ``notices``, ``forms`` and ``views`` (the pages and their URLs).
"""

from __future__ import annotations

from accounts.mfa.devices import (
    RECOVERY_CODE_COUNT,
    is_staff_account,
    second_factor_passed,
    second_factor_required,
)
from accounts.mfa.views import urlpatterns

__all__ = [
    "RECOVERY_CODE_COUNT",
    "is_staff_account",
    "second_factor_passed",
    "second_factor_required",
    "urlpatterns",
]
