"""Re-apply reference data (seeded by data migrations) when a flush has emptied its tables.

Django's ``flush`` (run between transactional tests, or by an operator) empties every
table and then sends ``post_migrate``, but never re-runs data migrations: the IG catalog
and the indications would be gone until the next fresh database. Each app names its seed
migration and a model to look at; when that model is empty, the migration's own function
runs again, so the migration stays the single source of the data.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import AppConfig, apps


def reseed_after_flush(
    app_config: AppConfig, *, migration: str, function: str, probe_model: str
) -> Callable[..., None]:
    """A post_migrate receiver that re-runs ``migration.function`` if ``probe_model`` is empty."""

    def receiver(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
        if sender is not app_config:
            return
        model = apps.get_model(app_config.label, probe_model)
        if model.objects.using(using).exists():
            return
        module = importlib.import_module(f"{app_config.name}.migrations.{migration}")
        getattr(module, function)(apps, None)

    return receiver
