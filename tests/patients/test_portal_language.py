"""Spanish (issue 7 item 6): the patient's language on every patient-facing page and email.

The catalog tests read locale/es/LC_MESSAGES/django.po directly (no polib): every string of
the patient-facing templates and modules must be translated, none fuzzy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils.translation.template import templatize

from patients.models import Patient, ReminderConsent
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Every page and email a patient (or a visitor about to sign in) reads.
PATIENT_TEMPLATES = (
    "base.html",
    "includes/_nav.html",
    "scheduling/portal/home.html",
    "scheduling/portal/visit.html",
    "scheduling/portal/_request_status.html",
    "patients/portal_preferences.html",
    "patients/portal_no_record.html",
    "patients/invitation_accept.html",
    "patients/invitation_invalid.html",
    "patients/email/invitation_subject.txt",
    "patients/email/invitation_body.txt",
    "content/_my_education.html",
    "content/portal_education.html",
    "registration/login.html",
    "registration/locked_out.html",
    "registration/password_reset_form.html",
    "registration/password_reset_done.html",
    "registration/password_reset_confirm.html",
    "registration/password_reset_complete.html",
    "registration/password_reset_email.html",
    "registration/password_reset_subject.txt",
)
# Python modules whose strings patients read (labels, messages, consent wording).
PATIENT_MODULES = (
    "patients/consent.py",
    "patients/invitations.py",
    "scheduling/selectors.py",
    "scheduling/portal.py",
    "scheduling/reschedule.py",
    "content/selectors.py",
    "scheduling/ics.py",
)


@dataclass
class Entry:
    msgid: str = ""
    msgstr: str = ""
    msgctxt: str = ""
    is_fuzzy: bool = False
    locations: list[str] = field(default_factory=list)


def parse_catalog() -> list[Entry]:
    """The catalog's entries (the header and obsolete entries are skipped)."""
    entries = []
    for block in CATALOG.read_text(encoding="utf-8").split("\n\n"):
        entry = Entry()
        current = ""
        for line in block.splitlines():
            if line.startswith("#:"):
                entry.locations += [item.rsplit(":", 1)[0] for item in line[2:].split()]
            elif line.startswith("#,"):
                entry.is_fuzzy = entry.is_fuzzy or "fuzzy" in line
            elif line.startswith("#~"):
                current = ""
            elif match := re.match(r'^(msgctxt|msgid|msgstr)\s+"(.*)"$', line):
                current = match.group(1)
                setattr(entry, current, match.group(2))
            elif line.startswith('"') and current:
                setattr(entry, current, getattr(entry, current) + line[1:-1])
        if entry.msgid:
            entries.append(entry)
    return entries


def test_the_catalog_compiles_cleanly():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("gettext's msgfmt is required (make install compiles the catalogs)")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr


def test_every_patient_facing_string_is_translated_and_none_is_fuzzy():
    watched = {f"templates/{name}" for name in PATIENT_TEMPLATES} | set(PATIENT_MODULES)

    missing = [
        entry.msgid
        for entry in parse_catalog()
        if watched & set(entry.locations) and (not entry.msgstr or entry.is_fuzzy)
    ]

    assert missing == []


@pytest.mark.parametrize("name", PATIENT_TEMPLATES)
def test_the_catalog_knows_every_string_of_the_template(name):
    # templatize turns {% translate %} / {% blocktranslate %} into gettext() calls, as
    # makemessages does; a string added to a template without makemessages fails here.
    code = templatize((TEMPLATES / name).read_text(encoding="utf-8"))
    used = {
        text.replace("\\'", "'") for text in re.findall(r"gettext\(u'((?:[^'\\]|\\.)*)'\)", code)
    }
    known = {entry.msgid.replace('\\"', '"') for entry in parse_catalog()}

    assert used - known == set()


@pytest.fixture
def spanish(patient) -> Patient:
    return PatientFactory.create(user=patient, preferred_language="es", email="ana@example.org")


def test_a_spanish_preferring_patient_gets_spanish_pages(client_for, patient, spanish):
    response = client_for(patient).get("/portal/")
    html = response.content.decode()

    assert '<html lang="es">' in html
    assert "Su próxima infusión" in html
    assert "Saltar al contenido principal" in html
    assert "Cerrar sesión" in html
    assert "Your next infusion" not in html
    assert response["Content-Language"] == "es"


def test_the_preference_wins_over_the_browser(client_for, patient, spanish):
    html = client_for(patient).get("/portal/preferences/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "Mis preferencias" in html.decode()


def test_an_english_preferring_patient_gets_english_whatever_the_browser(client_for, patient):
    PatientFactory.create(user=patient, preferred_language="en")

    html = client_for(patient).get("/portal/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Your next infusion" in html


def test_choosing_spanish_switches_the_next_pages(client_for, patient):
    PatientFactory.create(user=patient, preferred_language="en")
    client = client_for(patient)

    response = client.post(
        "/portal/preferences/",
        {"preferred_language": "es", "preferred_site_of_care": "home"},
        follow=True,
    )

    html = response.content.decode()
    assert "Sus preferencias se guardaron." in html
    assert "Mis preferencias" in html


def test_the_consent_is_recorded_in_the_language_it_was_shown_in(client_for, patient, spanish):
    client_for(patient).post(
        "/portal/preferences/",
        {"preferred_language": "es", "preferred_site_of_care": "home",
         "reminder_channels": ["email"]},
    )  # fmt: skip

    consent = ReminderConsent.objects.get(patient=spanish)
    assert consent.text.startswith("Acepto que")


def test_visitors_get_their_browsers_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    html = response.content.decode()

    assert "Iniciar sesión" in html
    assert "¿Olvidó su contraseña?" in html
    assert "Accept-Language" in response["Vary"]


def test_visitors_without_a_spanish_browser_get_english(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Forgot your password?" in html


def test_staff_pages_stay_in_english(client_for, coordinator):
    html = client_for(coordinator).get("/staff/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="en"' in html
    assert "Sign out" in html


def test_the_password_reset_email_follows_the_browser(client, make_user, password_reset_mail):
    make_user(email="paciente@example.org")

    client.post(
        "/accounts/password-reset/",
        {"email": "paciente@example.org"},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert mail.outbox[-1].subject == "Restablezca su contraseña"
    assert "Alguien pidió restablecer la contraseña" in mail.outbox[-1].body


def test_the_invitation_page_follows_the_browser(client):
    html = client.get("/portal/welcome/unknown/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Este enlace de invitación no es válido" in html


def test_dates_are_written_the_spanish_way(client_for, patient, spanish):
    from tests.accounts.factories import UserFactory
    from tests.scheduling.factories import VisitFactory
    from tests.therapies.factories import PlanFactory

    plan = PlanFactory.create(patient=spanish, status="active", verified_by=UserFactory.create())
    visit = VisitFactory.create(plan=plan)

    html = client_for(patient).get("/portal/").content.decode()

    local = visit.local_start
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip
    assert f"{local.day} de {months[local.month - 1]}" in html
    assert "AM" not in html


def test_the_calendar_file_is_in_spanish(client_for, patient, spanish):
    from tests.accounts.factories import UserFactory
    from tests.scheduling.factories import VisitFactory
    from tests.therapies.factories import PlanFactory

    plan = PlanFactory.create(patient=spanish, status="active", verified_by=UserFactory.create())
    visit = VisitFactory.create(plan=plan)

    ics = client_for(patient).get(f"/portal/visits/{visit.uuid}/calendar.ics").content.decode()

    assert "SUMMARY:Visita de infusión a domicilio" in ics
    assert "DESCRIPTION:¿Preguntas o cambios? Llame al" in ics
