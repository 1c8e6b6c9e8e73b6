"""Issue 13 item 5: a nurse's calendar feed address dies with her access.

Losing the nurse role, deactivation, a new password and "log out everywhere" each revoke
the token (audit-logged, with the reason); she can issue a new address afterwards, and the
feed itself refuses a token whose owner is no longer an active nurse.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import AuditLogEntry, User
from accounts.roles import Role
from accounts.sessions import end_all_sessions
from scheduling.feeds import create_feed_token
from scheduling.models import NurseProfile
from scheduling.notification_models import CalendarFeedToken

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-passphrase"


def feed_status(token: str) -> int:
    return Client().get(f"/calendar/{token}.ics").status_code


def revocations(nurse: User) -> list[dict[str, str]]:
    return [
        entry.data
        for entry in AuditLogEntry.objects.filter(action="scheduling.calendar_feed.revoked")
        if entry.data.get("user") == str(nurse.uuid)
    ]


def assert_revoked(nurse: User, token: str, reason: str) -> None:
    assert feed_status(token) == 404
    record = CalendarFeedToken.objects.get(user=nurse)
    assert record.revoked_at is not None
    assert revocations(nurse) == [{"reason": reason, "user": str(nurse.uuid)}]


def nurse_group() -> Group:
    return Group.objects.get(name=Role.NURSE)


@pytest.fixture
def feed(nurse: User, nurse_profile: NurseProfile) -> str:
    token = create_feed_token(user=nurse)
    assert feed_status(token) == 200
    return token


# --- Losing the nurse role ------------------------------------------------------------------


@pytest.mark.parametrize(
    "take_away",
    [
        pytest.param(lambda user: user.groups.remove(nurse_group()), id="user.groups.remove"),
        pytest.param(lambda user: user.groups.clear(), id="user.groups.clear"),
        pytest.param(lambda user: user.groups.set([]), id="user.groups.set (admin form)"),
        pytest.param(lambda user: nurse_group().user_set.remove(user), id="group.user_set.remove"),
        pytest.param(lambda user: nurse_group().user_set.clear(), id="group.user_set.clear"),
    ],
)
def test_losing_the_nurse_role_revokes_her_feed(nurse, feed, take_away) -> None:
    take_away(nurse)

    assert_revoked(nurse, feed, "role_removed")


def test_losing_another_role_keeps_her_feed(nurse, feed) -> None:
    coordinators = Group.objects.get(name=Role.COORDINATOR)
    nurse.groups.add(coordinators)

    nurse.groups.remove(coordinators)

    assert feed_status(feed) == 200
    assert revocations(nurse) == []


def test_once_she_is_a_nurse_again_she_can_issue_a_new_address(nurse, feed, client_for) -> None:
    nurse.groups.remove(nurse_group())
    nurse.groups.add(nurse_group())
    # The old address stays dead: giving the role back does not revive it.
    assert feed_status(feed) == 404

    page = client_for(nurse).post("/staff/calendar-feed/", {"action": "create"})

    new_token = page.context["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert feed_status(new_token) == 200


# --- Deactivation -----------------------------------------------------------------------------


@pytest.mark.parametrize("update_fields", [None, ["is_active"]])
def test_deactivating_her_account_revokes_her_feed(nurse, feed, update_fields) -> None:
    nurse.is_active = False
    nurse.save(update_fields=update_fields)

    assert_revoked(nurse, feed, "deactivated")
    # Reactivated, the old address still does not come back.
    nurse.is_active = True
    nurse.save()
    assert feed_status(feed) == 404


def test_the_admin_deactivating_her_revokes_her_feed(nurse, feed, superuser, client_for) -> None:
    admin = client_for(superuser)
    page = admin.get(f"/admin/accounts/user/{nurse.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name != "password"
    }
    data["groups"] = [group.pk for group in nurse.groups.all()]
    data.pop("is_active", None)  # an unticked checkbox is absent from the POST

    response = admin.post(f"/admin/accounts/user/{nurse.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    nurse.refresh_from_db()
    assert not nurse.is_active
    assert_revoked(nurse, feed, "deactivated")


# --- A new password ---------------------------------------------------------------------------


def test_a_password_reset_revokes_her_feed(nurse, feed) -> None:
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(nurse.pk))
    token = default_token_generator.make_token(nurse)
    form_url = client.get(f"/accounts/reset/{uid}/{token}/", follow=True).redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert_revoked(nurse, feed, "password_changed")


def test_a_password_set_anywhere_revokes_her_feed(nurse, feed) -> None:
    nurse.set_password(NEW_PASSWORD)
    nurse.save()

    assert_revoked(nurse, feed, "password_changed")


def test_disabling_her_password_revokes_her_feed(nurse, feed) -> None:
    nurse.set_unusable_password()
    nurse.save()

    assert_revoked(nurse, feed, "password_changed")


def test_a_login_that_upgrades_the_password_hash_keeps_her_feed(nurse, feed, settings) -> None:
    from tests.accounts.factories import PASSWORD

    # The stored hash is MD5 (the tests' hasher); with PBKDF2 preferred, the next login
    # re-hashes the same password. That is not a change of password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old_hash = User.objects.get(pk=nurse.pk).password

    response = Client().post("/accounts/login/", {"username": nurse.email, "password": PASSWORD})

    assert response.status_code == 302
    assert User.objects.get(pk=nurse.pk).password != old_hash
    assert feed_status(feed) == 200


def test_saving_her_name_keeps_her_feed(nurse, feed) -> None:
    nurse.first_name = "Nora"
    nurse.save()

    assert feed_status(feed) == 200
    assert revocations(nurse) == []


# --- Log out everywhere ----------------------------------------------------------------------


def test_logging_out_everywhere_revokes_her_feed(nurse, feed, client_for) -> None:
    response = client_for(nurse).post("/accounts/logout/everywhere/")

    assert response.status_code == 302
    assert_revoked(nurse, feed, "sessions_ended")
    entry = AuditLogEntry.objects.get(action="scheduling.calendar_feed.revoked")
    assert entry.actor == nurse


def test_an_admin_ending_her_sessions_revokes_her_feed(nurse, feed, superuser) -> None:
    end_all_sessions(nurse, actor=superuser, reason="admin")

    assert_revoked(nurse, feed, "sessions_ended")
    entry = AuditLogEntry.objects.get(action="scheduling.calendar_feed.revoked")
    assert entry.actor == superuser


def test_after_logging_out_everywhere_she_can_issue_a_new_address(nurse, feed, client_for) -> None:
    client_for(nurse).post("/accounts/logout/everywhere/")
    nurse.refresh_from_db()

    page = client_for(nurse).post("/staff/calendar-feed/", {"action": "create"})

    new_token = page.context["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert feed_status(new_token) == 200
    assert feed_status(feed) == 404


def test_other_nurses_feeds_are_untouched(nurse, feed, make_user) -> None:
    from tests.scheduling.factories import NurseProfileFactory

    colleague = NurseProfileFactory.create().user
    theirs = create_feed_token(user=colleague)

    nurse.groups.remove(nurse_group())
    end_all_sessions(nurse, actor=nurse, reason="user")

    assert feed_status(theirs) == 200


# --- At read time, whatever changed the account ---------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda user: User.objects.filter(pk=user.pk).update(is_active=False),
            id="bulk-deactivated",
        ),
        pytest.param(
            lambda user: User.groups.through.objects.filter(user=user).delete(),
            id="role rows deleted without signals",
        ),
        pytest.param(
            lambda user: NurseProfile.objects.filter(user=user).update(is_active=False),
            id="nurse profile deactivated",
        ),
    ],
)
def test_the_feed_refuses_a_token_whose_owner_is_no_longer_an_active_nurse(
    nurse, feed, change
) -> None:
    change(nurse)

    assert feed_status(feed) == 404
    # The token itself was not revoked by these paths; the read-time check alone refused.
    assert CalendarFeedToken.objects.get(user=nurse).revoked_at is None
