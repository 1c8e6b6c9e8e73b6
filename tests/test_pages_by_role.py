from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_home_page_is_public_and_names_the_pharmacy(client, settings) -> None:
    settings.PHARMACY_NAME = "Lakeside Infusion Pharmacy"
    settings.PHARMACY_PHONE = "+1 555 010 9999"

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Lakeside Infusion Pharmacy" in html
    assert "+1 555 010 9999" in html
    assert "Myasthenia gravis" in html


def test_every_page_has_landmarks_a_skip_link_and_a_language(client) -> None:
    html = client.get("/").content.decode()

    assert re.search(r'<html lang="en', html)
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav aria-label="Main">' in html
    assert "<footer" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_pages_load_scripts_and_styles_only_from_our_own_static_files(client) -> None:
    html = client.get("/").content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(not re.match(r"^(https?:)?//", source) for source in sources), sources


def test_anonymous_visitors_are_sent_to_login_from_staff_pages(client) -> None:
    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/"


def test_a_patient_cannot_open_the_staff_pages(client_for, patient) -> None:
    assert client_for(patient).get("/staff/").status_code == 403


@pytest.mark.parametrize("persona", ["nurse", "coordinator", "pharmacist", "inventory_admin"])
def test_staff_cannot_open_the_patient_portal(client_for, request, persona) -> None:
    user = request.getfixturevalue(persona)

    assert client_for(user).get("/portal/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "section"),
    [
        ("nurse", "Your day"),
        ("coordinator", "Team board"),
        ("pharmacist", "Therapy plans to verify"),
        ("inventory_admin", "Inventory"),
    ],
)
def test_the_staff_home_speaks_to_each_role(client_for, request, persona, section) -> None:
    user = request.getfixturevalue(persona)

    response = client_for(user).get("/staff/")

    assert response.status_code == 200
    assert f">{section}</h2>" in response.content.decode()


def test_the_nurse_does_not_see_other_roles_sections(client_for, nurse) -> None:
    html = client_for(nurse).get("/staff/").content.decode()

    assert "Team board" not in html
    assert "Therapy plans to verify" not in html


def test_the_patient_portal_greets_the_patient(client_for, patient) -> None:
    response = client_for(patient).get("/portal/")

    assert response.status_code == 200
    assert f"Welcome, {patient.first_name}" in response.content.decode()


def test_navigation_shows_only_the_areas_a_role_may_open(
    client_for, nurse, patient, inventory_admin
) -> None:
    nurse_nav = client_for(nurse).get("/staff/").content.decode()
    patient_nav = client_for(patient).get("/portal/").content.decode()
    admin_nav = client_for(inventory_admin).get("/staff/").content.decode()

    assert 'href="/staff/"' in nurse_nav
    assert 'href="/portal/"' not in nurse_nav
    assert 'href="/admin/"' not in nurse_nav
    assert 'href="/portal/"' in patient_nav
    assert 'href="/staff/"' not in patient_nav
    assert 'href="/admin/"' in admin_nav


def test_signed_in_people_are_sent_on_from_the_login_page(client_for, nurse) -> None:
    response = client_for(nurse).get("/accounts/login/")

    assert response.status_code == 302


def test_unknown_pages_answer_404_with_our_page(client_for, nurse) -> None:
    response = client_for(nurse).get("/staff/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_pages_refuse_methods_they_do_not_handle(client_for, nurse) -> None:
    client: Client = client_for(nurse)

    assert client.post("/staff/").status_code == 405
    assert client.post("/").status_code in (403, 405)
