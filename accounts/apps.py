from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # post_migrate is sent once per app; permissions of every app exist only by the last.
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from accounts.roles import sync_roles

    sync_roles(using=using)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        from accounts import (
            mfa,  # noqa: F401  (connects the second-factor login receiver)
            signals,  # noqa: F401  (connects the audit receivers)
        )

        # After every migrate and every flush (the test suite flushes between transactional
        # tests), so the roles always exist with their permissions.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
