"""Log out everywhere (ASVS 7.4.1/7.4.2/7.4.3/7.4.5): every session of a person ends at once."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def is_signed_out(client: Client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_signing_out_everywhere_ends_the_sessions_on_every_device(client_for, nurse) -> None:
    # given: the nurse is signed in on a laptop and on a phone
    laptop, phone = client_for(nurse), client_for(nurse)
    assert laptop.get("/staff/").status_code == 200
    assert phone.get("/staff/").status_code == 200

    # when: she signs out everywhere from the laptop
    response = laptop.post("/accounts/logout/everywhere/")

    # then: both sessions are over, and the audit log says who did it
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert is_signed_out(phone)
    assert is_signed_out(laptop)
    entry = AuditLogEntry.objects.get(action="accounts.sessions.ended_all")
    assert entry.actor == nurse
    assert entry.object_id == str(nurse.pk)
    assert entry.data == {"reason": "user"}
    assert AuditLogEntry.objects.get(action="accounts.logout").data == {"reason": "everywhere"}


def test_other_peoples_sessions_survive(client_for, nurse, coordinator) -> None:
    coordinator_client = client_for(coordinator)

    client_for(nurse).post("/accounts/logout/everywhere/")

    assert coordinator_client.get("/staff/").status_code == 200


def test_signing_in_again_afterwards_works(client_for, nurse) -> None:
    client_for(nurse).post("/accounts/logout/everywhere/")
    nurse.refresh_from_db()  # a real login reads the user afresh, with the new epoch

    assert client_for(nurse).get("/staff/").status_code == 200


def test_it_only_accepts_post(client_for, patient) -> None:
    client = client_for(patient)

    assert client.get("/accounts/logout/everywhere/").status_code == 405
    assert client.get("/portal/").status_code == 200


def test_the_button_is_in_the_menu_of_signed_in_people(client_for, patient) -> None:
    html = client_for(patient).get("/portal/").content.decode()

    assert 'action="/accounts/logout/everywhere/"' in html
    assert "End all my sessions" in html


def test_an_admin_can_end_every_session_of_a_user(client_for, nurse, superuser) -> None:
    # given: the nurse reports a lost phone that is still signed in
    phone = client_for(nurse)
    admin_client = client_for(superuser)

    # when: an administrator uses the action on the user list
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "end_sessions", "_selected_action": [nurse.pk]},
    )

    # then
    assert response.status_code == 302
    assert is_signed_out(phone)
    assert admin_client.get("/admin/").status_code == 200  # the admin's own session lives on
    entry = AuditLogEntry.objects.get(action="accounts.sessions.ended_all")
    assert entry.actor == superuser
    assert entry.object_id == str(nurse.pk)
    assert entry.data == {"reason": "admin"}


def test_disabling_a_user_ends_their_sessions(client_for, nurse) -> None:
    phone = client_for(nurse)

    nurse.is_active = False
    nurse.save(update_fields=["is_active"])

    assert is_signed_out(phone)


def test_a_password_change_still_ends_other_sessions(client_for, nurse) -> None:
    phone = client_for(nurse)

    nurse.set_password("a-new-long-passphrase-for-nina")
    nurse.save(update_fields=["password"])

    assert is_signed_out(phone)
