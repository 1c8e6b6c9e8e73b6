from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_uses_the_email_address_as_the_login() -> None:
    user = User.objects.create_user("Nurse.Jane@Example.ORG", "a-long-enough-password")

    assert User.USERNAME_FIELD == "email"
    assert user.email == "nurse.jane@example.org"
    assert User.objects.get_by_natural_key("NURSE.JANE@example.org") == user


def test_it_refuses_a_second_account_with_the_same_email_in_another_case() -> None:
    User.objects.create_user("jane@example.org", "a-long-enough-password")

    with pytest.raises(ValidationError):
        User.objects.create_user("JANE@example.org", "a-long-enough-password")
    with pytest.raises(IntegrityError):
        User(email="Jane@Example.org").save()


def test_it_requires_an_email_address() -> None:
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", "a-long-enough-password")


def test_it_creates_superusers_with_admin_access() -> None:
    admin = User.objects.create_superuser("root@example.org", "a-long-enough-password")

    assert admin.is_superuser
    assert admin.is_staff
    assert admin.is_staff_member


def test_it_gives_every_user_an_opaque_uuid_for_urls(make_user) -> None:
    first, second = make_user(), make_user()

    assert first.uuid != second.uuid
