from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_LOGINS
from tests.e2e import login

pytestmark = pytest.mark.django_db(transaction=True)

NURSE = next(login for login in DEMO_LOGINS if login.role == "nurse")
PATIENT = next(login for login in DEMO_LOGINS if login.role == "patient")


def sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    # Password form, then a real TOTP code for staff (tests/e2e/login.py).
    login.sign_in(page, base_url, email, password)


def test_the_home_page_loads_cleanly_from_this_host_only(page: Any, live_server: Any) -> None:
    base = live_server.url.replace("localhost", "127.0.0.1")

    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Immunoglobulin infusions, close to home"
    )
    assert page.get_by_role("navigation", name="Main").is_visible()
    # The page fits a phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_clean()
    page.watch.assert_accessible()


def test_the_login_and_password_reset_pages_are_accessible(page: Any, live_server: Any) -> None:
    base = live_server.url.replace("localhost", "127.0.0.1")

    for path in ("/accounts/login/", "/accounts/password-reset/"):
        page.goto(f"{base}{path}")
        page.watch.assert_accessible()
    page.watch.assert_clean()


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    page: Any, live_server: Any
) -> None:
    page.goto(f"{live_server.url.replace('localhost', '127.0.0.1')}/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_the_demo_nurse_signs_in_and_sees_the_staff_page(page: Any, live_server: Any) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")

    sign_in(page, base, NURSE.email, NURSE.password)

    assert page.url == f"{base}/staff/"
    assert page.get_by_role("heading", name="Staff home").is_visible()
    assert page.get_by_role("heading", name="Your day").is_visible()
    page.watch.assert_clean()
    page.watch.assert_accessible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/"
    page.goto(f"{base}/staff/")
    assert page.url.startswith(f"{base}/accounts/login/")


def test_a_wrong_password_is_reported_next_to_the_form(page: Any, live_server: Any) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")

    sign_in(page, base, PATIENT.email, "not-the-password")

    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct email")
    assert page.url.startswith(f"{base}/accounts/login/")
    page.watch.assert_accessible()


def test_the_demo_patient_lands_on_the_portal(page: Any, live_server: Any) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")

    sign_in(page, base, PATIENT.email, PATIENT.password)

    assert page.url == f"{base}/portal/"
    assert page.get_by_role("heading", name="Welcome, Pat").is_visible()
    page.watch.assert_clean()
    page.watch.assert_accessible()
