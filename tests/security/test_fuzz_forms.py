"""Hostile input to every state-changing form, as the role that may use it (issue 8 item 7).

For each form: the page's own field values (when the form has a page) are the base, and
hypothesis replaces some of them with hostile strings (tests/security/hostile.py). Every
answer must be a re-render, a refusal or a redirect, never a server error; and no page
(the answer, the page it redirects to, the record's pages afterwards) ever contains the
hostile markup as live markup (ASVS 5.3.3: output encoding; stored XSS).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.forms import EmailAuthenticationForm
from content.forms import SubscribeForm
from inventory.forms import ReceiptForm, ReceiptLineForm
from inventory.recalls import RecallForm
from patients.forms import (
    AuthorizationForm,
    CoverageForm,
    EmergencyAccessForm,
    MeasurementForm,
    PatientForm,
    PreferencesForm,
)
from patients.invitations import hash_token
from patients.models import PatientInvitation
from scheduling.documentation import start_visit
from scheduling.documentation_forms import (
    AddendumForm,
    ChecklistForm,
    LotUseForm,
    RateStepForm,
    ReactionForm,
    SignForm,
    VitalsForm,
)
from scheduling.forms import AssignForm, CancelForm, ChangeRequestForm, GenerateForm, MoveForm
from scheduling.models import Visit
from tests.patients.factories import PatientFactory
from tests.security.conftest import COUNTS
from tests.security.harness import path_for, routes
from tests.security.hostile import MARKER, has_live_markup, hostile_form_value
from tests.security.world import World, build_world
from therapies.forms import PlanForm, RejectForm, StatusForm, VerifyForm

pytestmark = pytest.mark.django_db

EXAMPLES = 10

# (URL name, the role that may submit it, the form classes whose fields it reads)
FORMS: list[tuple[str, str, tuple[type[forms.BaseForm], ...]]] = [
    ("login", "anonymous", (EmailAuthenticationForm,)),
    ("newsletter", "anonymous", (SubscribeForm,)),
    ("patients:invitation", "anonymous", ()),
    ("patients:create", "coordinator", (PatientForm,)),
    ("patients:edit", "coordinator", (PatientForm,)),
    ("patients:measurement-create", "nurse_assigned", (MeasurementForm,)),
    ("patients:coverage-create", "coordinator", (CoverageForm,)),
    ("patients:authorization-create", "coordinator", (AuthorizationForm,)),
    ("patients:emergency-access", "nurse_unassigned", (EmergencyAccessForm,)),
    ("patients:portal-preferences", "patient", (PreferencesForm,)),
    ("patients:portal-visit-request", "patient", (ChangeRequestForm,)),
    ("therapies:plan-create", "coordinator", (PlanForm,)),
    ("therapies:plan-status", "coordinator", (StatusForm,)),
    ("therapies:plan-verify", "pharmacist", (VerifyForm,)),
    ("therapies:plan-reject", "pharmacist", (RejectForm,)),
    ("scheduling:visit-move", "coordinator", (MoveForm,)),
    ("scheduling:visit-assign", "coordinator", (AssignForm,)),
    ("scheduling:visit-cancel", "coordinator", (CancelForm,)),
    ("scheduling:plan-generate", "coordinator", (GenerateForm,)),
    ("scheduling:record-checklist", "nurse_assigned", (ChecklistForm,)),
    ("scheduling:record-vitals", "nurse_assigned", (VitalsForm,)),
    ("scheduling:record-rate", "nurse_assigned", (RateStepForm,)),
    ("scheduling:record-lot", "nurse_assigned", (LotUseForm,)),
    ("scheduling:record-reaction", "nurse_assigned", (ReactionForm,)),
    ("scheduling:record-sign", "nurse_assigned", (SignForm,)),
    ("scheduling:record-addendum", "nurse_assigned", (AddendumForm,)),
    ("inventory:receipt-create", "inventory_admin", (ReceiptForm, ReceiptLineForm)),
    ("inventory:recall-create", "pharmacist", (RecallForm,)),
]

# Pages that show what the forms store, read after each form's run (role, URL name).
SHOWN_ON = [
    ("coordinator", "patients:chart"),
    ("coordinator", "patients:list"),
    ("coordinator", "therapies:plan"),
    ("coordinator", "scheduling:visit"),
    ("coordinator", "scheduling:schedule"),
    ("nurse_assigned", "scheduling:visit"),
    ("pharmacist", "therapies:verification-queue"),
    ("patient", "patients:portal-home"),
    ("patient", "patients:portal-visit"),
    ("patient", "patients:portal-preferences"),
    ("inventory_admin", "inventory:dashboard"),
]


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's POST forms."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            if kind not in ("submit", "button", "file"):
                self.values.setdefault(name, attr.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in attr or self._select not in self.values:
                self.values[self._select] = attr.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def page_values(client: Client, path: str) -> dict[str, str]:
    response = client.get(path)
    if response.status_code != 200:
        return {}
    parser = _FormFields()
    parser.feed(response.content.decode())
    parser.values.pop("csrfmiddlewaretoken", None)
    return parser.values


def clients(world: World) -> dict[str, Client]:
    made = {}
    for role, user in world.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)  # staff pass the second factor (tests/conftest.py)
        made[role] = client
    return made


def form_path(name: str, world: World) -> str:
    if name == "patients:invitation":
        # A pending invitation for a record without a portal login; the token is the credential.
        coordinator = world.users["coordinator"]
        assert coordinator is not None
        invited = PatientFactory.create(user=None, email="invited@example.org")
        token = "fuzz-invitation-token-000000000000000000000"
        PatientInvitation.objects.create(
            patient=invited,
            token_hash=hash_token(token),
            email=invited.email,
            invited_by=coordinator,
            expires_at=timezone.now() + dt.timedelta(hours=48),
        )
        return reverse("patients:invitation", kwargs={"token": token})
    route = next(route for route in routes() if route.name == name)
    return path_for(route, world)


def shown_paths(world: World, made: dict[str, Client]) -> list[tuple[Client, str]]:
    by_name = {route.name: route for route in routes()}
    return [(made[role], path_for(by_name[name], world)) for role, name in SHOWN_ON]


def start_the_visit(world: World) -> None:
    """Documentation forms act on a started visit: confirm it and start it as its nurse."""
    nurse = world.users["nurse_assigned"]
    assert nurse is not None
    Visit.objects.filter(pk=world.visit.pk).update(status=Visit.Status.CONFIRMED)
    world.visit.refresh_from_db()
    start_visit(visit=world.visit, actor=nurse)


def assert_answer_is_safe(client: Client, response: Any, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    body = response.content.decode(errors="replace")
    assert not has_live_markup(body), f"{where}: live hostile markup in the answer"
    if response.status_code in (301, 302, 303) and response["Location"].startswith("/"):
        target = client.get(response["Location"])
        assert target.status_code < 500, f"{where} -> {response['Location']}"
        page = target.content.decode(errors="replace")
        assert not has_live_markup(page), f"{where} -> {response['Location']}: live markup"


@pytest.mark.parametrize(("name", "role", "form_classes"), FORMS, ids=[row[0] for row in FORMS])
def test_hostile_form_input_never_errors_and_never_renders_as_markup(
    name, role, form_classes
) -> None:
    # given: one patient's record and the role that may submit the form
    world = build_world()
    made = clients(world)
    if name.startswith("scheduling:record-"):
        start_the_visit(world)
    client = made[role]
    path = form_path(name, world)
    base = page_values(client, path)
    fields = sorted(set(base) | {field for form in form_classes for field in form.base_fields})
    assert fields, f"{name}: no fields found"
    answers: dict[int, int] = {}

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(hostile=st.dictionaries(st.sampled_from(fields), hostile_form_value(), min_size=1))
    def submit(hostile: dict[str, Any]) -> None:
        # when: the form is posted with some of its values replaced by hostile ones
        response = client.post(path, {**base, **hostile})

        # then: a re-render, a refusal or a redirect; the input never comes back as markup
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        assert_answer_is_safe(client, response, f"{name} as {role}")

    submit()

    # and then: what was stored never renders as markup where the record is shown
    for viewer, shown in shown_paths(world, made):
        response = viewer.get(shown)
        assert response.status_code < 500, shown
        assert not has_live_markup(response.content.decode(errors="replace")), shown
    assert 405 not in answers, f"{name} refused the method: the form was not reached"
    _count(name, len(fields), sum(answers.values()))


FUZZED: dict[str, tuple[int, int]] = {}


def _count(name: str, fields: int, posts: int) -> None:
    FUZZED[name] = (fields, posts)
    COUNTS["fuzz-forms"] = (
        f"form fuzzing: {len(FUZZED)} forms, {sum(f for f, _ in FUZZED.values())} inputs "
        f"fuzzed, {sum(p for _, p in FUZZED.values())} hostile POSTs, server errors: 0"
    )


def test_script_stored_through_a_form_is_shown_escaped_on_the_chart() -> None:
    # given: the coordinator edits a record and types markup into the allergies
    world = build_world()
    made = clients(world)
    path = form_path("patients:edit", world)
    values = page_values(made["coordinator"], path)

    # when: the form is saved with it
    response = made["coordinator"].post(path, {**values, "allergies": MARKER})

    # then: it is stored as typed, and the chart shows it as text, not as a script
    assert response.status_code == 302
    world.patient.refresh_from_db()
    assert world.patient.allergies == MARKER
    chart = made["coordinator"].get(form_path("patients:chart", world)).content.decode()
    assert "&lt;script&gt;fuzz(1)&lt;/script&gt;" in chart
    assert not has_live_markup(chart)
