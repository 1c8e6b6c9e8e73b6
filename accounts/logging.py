"""A logging filter that masks patient identifiers before any handler writes a record.

HIPAA minimum necessary (45 CFR 164.502(b)) and ASVS 16.2.5: logs carry ids, never PHI.
The code logs uuids only; this filter is the safety net for what slips through (an
exception message quoting a form value, a dict or a model repr in a debug line). It is
installed on every handler in settings.LOGGING, so it also covers third-party loggers.

It masks:
- values of known PHI keys in ``key=value``, ``key: value``, dict and repr forms
  (names, date of birth, MRN, address lines, city, postal code, phone, email);
- reprs of patient objects (``<Patient: Doe, Jane (MRN-1)>``);
- patterns anywhere: email addresses, phone numbers (also bare runs of 10-15 digits),
  calendar dates (a date of birth is a date; timestamps with a time of day are kept),
  MRN-shaped tokens (letters, hyphen, digits, as the pharmacy system issues them).

This module must not import Django models: logging is configured before apps load.
"""

from __future__ import annotations

import logging
import re

MASK = "***"

PHI_KEYS = (
    "first_name",
    "last_name",
    "full_name",
    "given_name",
    "family_name",
    "patient_name",
    "date_of_birth",
    "birth_date",
    "dob",
    "mrn",
    "address",
    "address_line1",
    "address_line2",
    "street",
    "city",
    "postal_code",
    "zip_code",
    "zip",
    "phone",
    "phone_number",
    "mobile",
    "email",
    "email_address",
    "member_id",
)
_KEYS = "|".join(sorted(PHI_KEYS, key=len, reverse=True))
# key, optional quote, separator (=, :), then the value: a quoted string, a date/datetime
# constructor, or a bare token up to a separator.
_KEY_VALUE = re.compile(
    rf"""(?P<key>(?<![\w])['"]?(?:{_KEYS})['"]?\s*[:=]\s*)"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|datetime\.date\([^)]*\)|[^\s,;&)}\]]+)""",
    re.IGNORECASE,
)
_PATIENT_REPR = re.compile(r"<(Patient|PatientInvitation|Measurement)\b[^>]*>")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w-])(?:\+?1?[\s.-]?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}|\+?\d{10,15})(?![\w-])"
)
# A calendar date not followed by a time of day: ISO, US (MM/DD/YYYY) and DD.MM.YYYY.
_DATE = re.compile(
    r"(?<![\w-])(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\.\d{1,2}\.\d{4})"
    r"(?![\w-]|[T ]\d{2}:\d{2})"
)
_MRN = re.compile(r"(?<![\w-])[A-Z]{2,5}-\d{4,12}(?![\w-])")


def mask_phi(text: str) -> str:
    """``text`` with PHI-looking values replaced by ``***``."""
    text = _PATIENT_REPR.sub(lambda m: f"<{m.group(1)}: {MASK}>", text)
    text = _KEY_VALUE.sub(lambda m: m.group("key") + MASK, text)
    text = _EMAIL.sub(MASK, text)
    text = _PHONE.sub(MASK, text)
    text = _DATE.sub(MASK, text)
    return _MRN.sub(MASK, text)


class PHIMaskingFilter(logging.Filter):
    """Render the message, mask it, and freeze it (so no handler re-renders the args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call must not lose the record, nor leak its args
            message = f"{record.msg!s} (unformattable arguments dropped)"
        record.msg = mask_phi(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phi(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phi(record.stack_info)
        return True
