"""Area-level access checks shared by pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
from accounts.roles import ACCESS_PATIENT_PORTAL, ACCESS_STAFF_AREA

# raise_exception: a signed-in person without the right gets 403, not a login loop.
staff_required = permission_required(ACCESS_STAFF_AREA, raise_exception=True)
patient_required = permission_required(ACCESS_PATIENT_PORTAL, raise_exception=True)


class IsStaffMember(BasePermission):
    """API access for pharmacy staff only (the API docs and schema, staff endpoints)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.user.has_perm(ACCESS_STAFF_AREA)


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, for views whose decorators already require a signed-in one."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
