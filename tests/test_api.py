from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_api_is_default_deny() -> None:
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "rest_framework.permissions.IsAuthenticated"
    ]


def test_anonymous_api_callers_get_403_not_a_login_redirect(client) -> None:
    response = client.get("/api/v1/me/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


def test_it_tells_a_signed_in_caller_who_they_are(client_for, nurse) -> None:
    response = client_for(nurse).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "uuid": str(nurse.uuid),
        "email": nurse.email,
        "first_name": nurse.first_name,
        "last_name": nurse.last_name,
        "roles": ["nurse"],
    }


def test_me_is_read_only(client_for, nurse) -> None:
    assert client_for(nurse).post("/api/v1/me/", {}).status_code == 405


def test_the_openapi_schema_is_for_staff_only(client_for, nurse, patient) -> None:
    response = client_for(nurse).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Infusion Portal API"
    assert "/api/v1/me/" in response.json()["paths"]
    assert client_for(patient).get("/api/schema/").status_code == 403
