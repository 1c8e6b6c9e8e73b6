from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from accounts.revocation import access_revoked
        from scheduling.feeds import revoke_on_access_revoked

        # A nurse's calendar feed address ends with her access (issue 13 item 5).
        access_revoked.connect(revoke_on_access_revoked, dispatch_uid="scheduling.feeds.revoke")
