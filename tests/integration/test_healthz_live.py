from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reaches_the_real_database_cache_and_broker(client, settings) -> None:
    # The integration marker keeps the Redis cache from settings (see tests/conftest.py).
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
