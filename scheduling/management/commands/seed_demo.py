from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import seed_demo_users
from content.demo import seed_demo_content
from inventory.demo import seed_demo_inventory
from patients.demo import seed_demo_patients
from scheduling.demo import seed_demo_schedule
from therapies.demo import seed_demo_plans


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins. Development only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options.get("force"):
            # Demo accounts have published passwords: never create them in production.
            raise CommandError("seed_demo runs only with DJANGO_DEBUG=1.")
        logins = seed_demo_users()
        seed_demo_content()
        seed_demo_patients()
        seed_demo_inventory()
        seed_demo_plans()
        seed_demo_schedule()
        self.stdout.write("Demo logins (role, email, password):")
        for login in logins:
            self.stdout.write(f"{login.role}, {login.email}, {login.password}")
        if settings.STAFF_MFA_REQUIRED:
            self.stdout.write(
                "Staff MFA is on: staff set up an authenticator app at their first sign-in."
            )
        else:
            self.stdout.write(
                "Staff MFA is off in this local demo (STAFF_MFA_REQUIRED=0); "
                "production always asks staff for an authenticator code."
            )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (tests)."
        )
