"""Issue 7 in Spanish, in the browser: a Spanish-preferring patient sees the next infusion
and asks to reschedule in Spanish, the coordinator finds the request on /staff/; and a
patient invited from the chart sets a password and lands on the portal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from patients.models import Patient
from scheduling.models import RescheduleRequest
from tests.e2e.test_clinical import sign_in
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_spanish_speaking_patient_asks_to_reschedule(page: Any, live_server: Any) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    Patient.objects.filter(mrn="DEMO-0001").update(preferred_language="es")
    base = live_server.url.replace("localhost", "127.0.0.1")

    # The portal is in Spanish, from the patient's preference.
    sign_in(page, base, "patient")
    page.goto(f"{base}/portal/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Su próxima infusión").is_visible()
    assert page.get_by_text("Antes de cada infusión").is_visible()
    page.watch.assert_accessible()

    # The visit page and its request form are in Spanish too.
    page.get_by_role("link", name="Ver esta infusión").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="Agregar a mi calendario").is_visible()
    page.watch.assert_accessible()
    page.get_by_label("Cambiar la fecha o la hora").check()
    page.get_by_label("¿Por qué?").fill("Tengo una cita en el hospital esa mañana.")
    page.get_by_label("¿Qué días u horarios le convienen más? (opcional)").fill("Por la tarde")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("La farmacia responderá a su solicitud pronto").is_visible()
    assert page.get_by_text("En espera de la farmacia").first.is_visible()
    page.watch.assert_accessible()

    # The preferences page, with the consent wording, in Spanish.
    page.get_by_role("link", name="Recordatorios, idioma y otras preferencias").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Mis preferencias").is_visible()
    assert page.get_by_text("Acepto que").first.is_visible()
    page.watch.assert_accessible()
    page.watch.assert_clean()

    # The coordinator's queue (English) shows the request.
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/staff/")
    assert page.get_by_role("heading", name="Patient requests 1 open").is_visible()
    assert page.get_by_text("Tengo una cita en el hospital esa mañana.").is_visible()
    assert RescheduleRequest.objects.filter(status="open").count() == 1


def test_an_invited_patient_sets_a_password_and_lands_on_the_portal(
    page: Any, live_server: Any
) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    record = PatientFactory.create(email="invited.e2e@example.org", preferred_language="es")
    base = live_server.url.replace("localhost", "127.0.0.1")

    # The coordinator invites from the chart.
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/staff/patients/{record.uuid}/")
    page.get_by_role("button", name="Invite to the portal").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The portal invitation is sent").is_visible()
    page.watch.assert_accessible()

    # The patient opens the link from the (Spanish) email and chooses a password.
    match = re.search(r"https?://\S+/portal/welcome/\S+/", str(mail.outbox[-1].body))
    assert match is not None
    page.context.clear_cookies()
    page.goto(match.group(0).replace("localhost", "127.0.0.1"))
    assert page.get_by_role("heading", name="Cree su contraseña").is_visible()
    page.watch.assert_accessible()
    page.locator("#id_new_password1").fill("harbor-violet-lantern-42")
    page.locator("#id_new_password2").fill("harbor-violet-lantern-42")
    page.get_by_role("button", name="Guardar mi contraseña").click()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith("/portal/")
    assert page.get_by_role("heading", name=re.compile("^Hola")).is_visible()
    page.watch.assert_accessible()
    page.watch.assert_clean()
    record.refresh_from_db()
    assert record.user is not None
