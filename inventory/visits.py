"""What inventory may know about a scheduling visit, without importing scheduling.

Inventory sits below scheduling in the import order (common → accounts → patients →
inventory → therapies → content → scheduling), so it cannot read visits itself; a reservation
keeps only the visit's public uuid. Scheduling registers a *visit directory* here in its
``AppConfig.ready()``: a callable that answers, for one visit uuid, the few facts stock needs
(whose visit, which day, which product the plan names, whether it is still open) and, when
asked for a viewer, only if that person may see the visit at all.

The rule this serves (issue 13 item 2): a reservation or dispense for a visit books stock to
that visit's patient, so a recall trace names the person who was infused; the client's word
for the patient, the day or the product is checked against the directory, never trusted.

With no directory registered, every visit-bound operation is refused (fail closed): a visit
that cannot be checked is treated as a visit that does not exist.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Protocol

from accounts.models import User
from patients.models import Patient


@dataclass(frozen=True)
class VisitFacts:
    """One visit, as stock sees it.

    ``day`` is the visit's local day in the patient's time zone (the day the patient was
    given). ``product_id`` is the product the visit's therapy plan names (None: none yet).
    ``closed_as`` is empty while the visit is open (proposed, scheduled, confirmed or in
    progress, its record unsigned), else what closed it ("cancelled", "completed", "no-show",
    "signed"). ``plan_problem`` is empty when the plan is verified and names a product, else
    why its product may not be reserved.
    """

    uuid: uuid.UUID
    patient: Patient
    day: datetime.date
    product_id: int | None
    closed_as: str = ""
    plan_problem: str = ""

    @property
    def is_open(self) -> bool:
        return not self.closed_as


class VisitDirectory(Protocol):
    def __call__(
        self, visit_uuid: uuid.UUID, *, viewer: User | None = None, for_update: bool = False
    ) -> VisitFacts | None:
        """The visit's facts, or None when there is no such visit.

        With ``viewer``, None also when that person may not see the visit (the visit pages'
        object-level rule), so a caller cannot tell a hidden visit from a made-up one. With
        ``for_update``, the visit's row is locked until the transaction ends (the caller is
        inside ``transaction.atomic``), so it cannot be cancelled or signed meanwhile.
        """
        ...


_directory: VisitDirectory | None = None


def register_visit_directory(directory: VisitDirectory) -> None:
    """Called once by the app that owns visits (scheduling), from its ``ready()``."""
    global _directory  # the registry is this one module-level slot
    _directory = directory


def visit_facts(
    visit_uuid: uuid.UUID, *, viewer: User | None = None, for_update: bool = False
) -> VisitFacts | None:
    """Ask the registered directory; None when no app registered one (fail closed)."""
    if _directory is None:
        return None
    return _directory(visit_uuid, viewer=viewer, for_update=for_update)
