from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.audit import MASK, log_action
from accounts.exceptions import AuditLogImmutableError
from accounts.models import AuditLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(nurse) -> AuditLogEntry:
    return log_action("accounts.test_event", actor=nurse, data={"note": "first"})


def test_it_masks_secrets_before_they_are_stored(nurse) -> None:
    stored = log_action(
        "accounts.test_event",
        actor=nurse,
        data={"password": "hunter2-hunter2", "token": "t", "n": 1},
    )

    stored.refresh_from_db()
    assert stored.data == {"password": MASK, "token": MASK, "n": 1}


def test_it_records_the_object_an_event_is_about(nurse, patient) -> None:
    stored = log_action("accounts.test_event", actor=nurse, obj=patient)

    assert (stored.object_type, stored.object_id) == ("accounts.user", str(patient.pk))


def test_entries_cannot_be_changed_through_the_model(entry) -> None:
    entry.action = "accounts.tampered"

    with pytest.raises(AuditLogImmutableError):
        entry.save()
    with pytest.raises(AuditLogImmutableError):
        AuditLogEntry.objects.filter(pk=entry.pk).update(action="accounts.tampered")


def test_entries_cannot_be_deleted_through_the_model(entry) -> None:
    with pytest.raises(AuditLogImmutableError):
        entry.delete()
    with pytest.raises(AuditLogImmutableError):
        AuditLogEntry.objects.all().delete()
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_an_update_even_in_raw_sql(entry) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_auditlogentry SET action = 'x' WHERE id = %s", [entry.pk])

    entry.refresh_from_db()
    assert entry.action == "accounts.test_event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's")
def test_postgresql_refuses_a_delete_even_in_raw_sql(entry) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM accounts_auditlogentry WHERE id = %s", [entry.pk])

    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_superusers_can_read_the_audit_log_in_the_admin(client_for, superuser, entry) -> None:
    response = client_for(superuser).get("/admin/accounts/auditlogentry/")

    assert response.status_code == 200
    assert "accounts.test_event" in response.content.decode()


def test_nobody_can_add_change_or_delete_entries_in_the_admin(client_for, superuser, entry) -> None:
    client = client_for(superuser)

    assert client.get("/admin/accounts/auditlogentry/add/").status_code == 403
    page = client.get(f"/admin/accounts/auditlogentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/accounts/auditlogentry/{entry.pk}/delete/").status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_other_admin_users_cannot_see_the_audit_log(client_for, inventory_admin, entry) -> None:
    client = client_for(inventory_admin)

    assert client.get("/admin/accounts/auditlogentry/").status_code == 403
    assert "auditlogentry" not in client.get("/admin/").content.decode()
