from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        # Inventory checks every visit-bound reservation, dispense and return against the
        # visit (issue 13 item 2) but may not import scheduling: it asks this directory.
        from inventory.visits import register_visit_directory
        from scheduling.visit_directory import visit_facts

        register_visit_directory(visit_facts)

        from accounts.revocation import access_revoked
        from scheduling.feeds import revoke_on_access_revoked

        # A nurse's calendar feed address ends with her access (issue 13 item 5).
        access_revoked.connect(revoke_on_access_revoked, dispatch_uid="scheduling.feeds.revoke")
