from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InventoryConfig(AppConfig):
    name = "inventory"

    def ready(self) -> None:
        from accounts.reference_data import reseed_after_flush

        post_migrate.connect(
            reseed_after_flush(
                self, migration="0003_seed_ig_catalog", function="forward", probe_model="Product"
            ),
            weak=False,
            dispatch_uid="inventory.reseed_catalog",
        )
