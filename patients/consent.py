"""The reminder consent wording the portal shows, versioned.

A ReminderConsent row stores the version and the exact text shown, so what the patient
agreed to can be reproduced after the wording changes. Reminders are treatment and care
coordination, not marketing (45 CFR 164.501; ivig-reference §9D), and name no diagnosis or
medication. Change the wording only with a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patients.models import ReminderConsent

REMINDER_CONSENT_VERSION = "portal-2026-1"

Channel = ReminderConsent.Channel

# Shown (and stored) in the language of the page the patient agreed on (issue 7 item 6).
_TEXTS: dict[str, Promise] = {
    Channel.EMAIL: _(
        "I agree that {pharmacy} may send reminders about my infusion visits and medication "
        "deliveries to the email address in my record. The reminders do not name my "
        "condition or my medication. I can stop them at any time on this page or by "
        "calling the pharmacy."
    ),
    Channel.SMS: _(
        "I agree that {pharmacy} may send text message reminders about my infusion visits "
        "and medication deliveries to the phone number in my record. The messages do not "
        "name my condition or my medication. Message and data rates may apply. I can stop "
        "them at any time on this page, by replying STOP, or by calling the pharmacy."
    ),
    Channel.PHONE: _(
        "I agree that {pharmacy} may call the phone number in my record to remind me of my "
        "infusion visits and medication deliveries. I can stop these calls at any time on "
        "this page or by calling the pharmacy."
    ),
}


def consent_text(channel: str) -> str:
    """The exact wording shown for a channel, with the pharmacy's name."""
    return str(_TEXTS[channel]).format(pharmacy=settings.PHARMACY_NAME)
