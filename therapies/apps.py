from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TherapiesConfig(AppConfig):
    name = "therapies"

    def ready(self) -> None:
        from accounts.reference_data import reseed_after_flush

        post_migrate.connect(
            reseed_after_flush(
                self,
                migration="0002_seed_indications_and_protocols",
                function="seed",
                probe_model="Indication",
            ),
            weak=False,
            dispatch_uid="therapies.reseed_indications",
        )
