"""The PHI mask on every log handler (accounts.logging; issue 8 item 6)."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from django.conf import settings

from accounts.logging import PHIMaskingFilter, mask_phi

NAME, SURNAME = "Zephyrine", "Quillfeather"
IDENTIFIERS = (NAME, SURNAME, "PHI-424242", "1969-07-21", "07/21/1969", "Marigold",
               "Frostburg", "21532", "zq@example.net", "410-555-0199", "4105550199")  # fmt: skip


def emitted(msg: object, *args: object, exc: BaseException | None = None) -> str:
    """What a handler carrying the filter writes for this record."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PHIMaskingFilter())
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord(
        "portal.test", logging.ERROR, __file__, 1, msg, args or None,
        (type(exc), exc, exc.__traceback__) if exc else None,
    )  # fmt: skip
    handler.handle(record)
    return stream.getvalue()


def assert_clean(text: str) -> None:
    leaked = [value for value in IDENTIFIERS if value in text]
    assert not leaked, f"{leaked} in {text!r}"


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("first_name=%s last_name=%s mrn=%s", (NAME, SURNAME, "PHI-424242")),
        (
            "patient %r",
            (
                {
                    "first_name": NAME,
                    "last_name": SURNAME,
                    "date_of_birth": dt.date(1969, 7, 21),
                    "address_line1": "77 Marigold Terrace",
                },
            ),
        ),
        ("kwargs: %s", ("first_name='Zephyrine', city=\"Frostburg\", postal_code=21532",)),
        ('{"last_name": "Quillfeather", "email": "zq@example.net", "phone": "410-555-0199"}', ()),
        ("FIRST_NAME: Zephyrine; Last_Name: Quillfeather", ()),
        ("<Patient: Quillfeather, Zephyrine (PHI-424242)>", ()),
        ("lookup for PHI-424242 born 07/21/1969 failed", ()),
        ("born 1969-07-21, call 410-555-0199 or (410) 555-0199, mail zq@example.net", ()),
        ("sms to +1 410 555 0199 and 4105550199", ()),
        ("%s", (b"mrn=PHI-424242",)),
    ],
)
def test_it_masks_phi_in_key_value_dict_repr_and_free_text(msg, args) -> None:
    text = emitted(msg, *args)

    assert_clean(text.replace("(410)", ""))
    assert "***" in text


def test_it_masks_exception_text_and_tracebacks() -> None:
    try:
        raise ValueError(f"bad value for last_name={SURNAME!r}, dob 1969-07-21")
    except ValueError as error:
        text = emitted("enrolment failed", exc=error)

    assert "Traceback" in text
    assert "ValueError" in text
    assert_clean(text)


def test_a_malformed_call_loses_neither_the_record_nor_the_mask() -> None:
    text = emitted("first_name=%s %s", NAME)  # one argument short

    assert "unformattable" in text
    assert_clean(text)


def test_it_keeps_what_operators_need() -> None:
    text = mask_phi(
        "visit 9f1c2e4a-1b2c-4d5e-8f90-123456789abc confirmed at 2026-11-25T10:00:00 "
        "by user 42 (status=confirmed, grams=70)"
    )

    assert "9f1c2e4a-1b2c-4d5e-8f90-123456789abc" in text
    assert "2026-11-25T10:00:00" in text
    assert "status=confirmed" in text
    assert "grams=70" in text


def test_a_hostile_log_injection_attempt_is_masked_too() -> None:
    text = emitted("q=%s", "x\nINFO fake line mrn=PHI-424242 email=zq@example.net")

    assert_clean(text)


def test_every_configured_handler_masks() -> None:
    handlers = settings.LOGGING["handlers"]

    assert handlers
    for name, config in handlers.items():
        assert "mask_phi" in config.get("filters", []), name
    assert settings.LOGGING["filters"]["mask_phi"]["()"] == "accounts.logging.PHIMaskingFilter"


def test_the_live_root_handler_masks_a_record(caplog) -> None:
    # The handler Django configured from settings.LOGGING, not a copy.
    (console,) = [
        h
        for h in logging.getLogger().handlers
        if h.get_name() == "console" and isinstance(h, logging.StreamHandler)
    ]
    stream = io.StringIO()
    original = console.setStream(stream)
    try:
        logging.getLogger("patients").error("first_name=%s mrn=%s", NAME, "PHI-424242")
    finally:
        console.setStream(original)

    assert "first_name=***" in stream.getvalue()
    assert_clean(stream.getvalue())


def test_django_errors_reach_the_masked_handler_and_not_mail_admins() -> None:
    django_logger = logging.getLogger("django")

    assert django_logger.handlers == []
    assert django_logger.propagate
