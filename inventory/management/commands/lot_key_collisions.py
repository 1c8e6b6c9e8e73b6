"""List lots that would share a lot key (inventory.lot_numbers), as migration 0009 does.

Run it before ``migrate`` on a database that has lots: 0009 stops on the same listing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from inventory.lot_numbers import collision_report
from inventory.models import Lot, Package


class Command(BaseCommand):
    help = "List lots of one package whose numbers differ only in case, blanks or separators."

    def handle(self, *args: Any, **options: Any) -> None:
        report = collision_report(Lot, Package)
        if report:
            # A non-zero exit, so a deployment script stops before it migrates.
            raise CommandError("Lots that would become one lot:\n\n" + report)
        self.stdout.write("No two lots of a package share a lot key.")
