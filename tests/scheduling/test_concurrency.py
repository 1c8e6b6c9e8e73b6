"""Two coordinators booking the same nurse for overlapping visits at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from scheduling.exceptions import VisitConflictError
from scheduling.models import Visit
from scheduling.services import assign_nurse
from tests.accounts.factories import UserFactory
from tests.inventory.factories import ProductFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at
from therapies.models import Indication

THREADS = 2


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_two_concurrent_overlapping_bookings_succeeds() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has no row locks.")
    # given: two visits of two patients, an hour apart, and one free nurse
    day = timezone.localdate() + dt.timedelta(days=5)
    nurse = NurseProfileFactory.create()
    # Its own indication and product: an earlier transactional test's flush may have removed
    # the ones the data migrations seed.
    indication = Indication.objects.create(slug="race-test", name="Race test")
    product = ProductFactory.create()
    visits = [
        VisitFactory.create(
            starts_at=at(day, 9 + n), plan__indication=indication, plan__product=product
        )
        for n in range(THREADS)
    ]
    coordinators = [UserFactory.create() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(visit: Visit, coordinator) -> None:
        try:
            barrier.wait()
            assign_nurse(visit=visit, nurse=nurse, actor=coordinator, expected_version=1)
            result = "ok"
        except VisitConflictError:
            result = "refused"
        except Exception as error:  # any other failure is reported below
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    # when
    threads = [
        threading.Thread(target=book, args=pair) for pair in zip(visits, coordinators, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert sorted(outcomes) == ["ok", "refused"]
    assert Visit.objects.filter(nurse=nurse).count() == 1
