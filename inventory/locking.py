"""Row locks for stock changes, always taken in one order so two workers cannot deadlock.

Every service that reads a balance and then writes a movement holds the lock of each lot it
touches, taken here by ascending primary key, for the whole transaction. On PostgreSQL
(READ COMMITTED) each later statement sees what the previous holder committed, so a
balance read after the lock is current. SQLite serializes writers and ignores the lock.
Receiving also locks the packages it receives, always before their lots (parent, then child).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from inventory.models import Lot, Package


def packages_for_update(package_ids: Iterable[int]) -> None:
    """Lock the packages (by ascending pk), before any lot: receiving holds them while it
    checks the lot numbers of a package and creates lots. Call inside ``atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("packages_for_update must be called inside transaction.atomic().")
    ids = sorted(set(package_ids))
    list(Package.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def lots_for_update(lot_ids: Iterable[int]) -> dict[int, Lot]:
    """Lock the lots (by ascending pk) and return them fresh. Call inside ``atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lots_for_update must be called inside transaction.atomic().")
    ids = sorted(set(lot_ids))
    locked = Lot.objects.select_for_update().select_related("package__product")
    return {lot.pk: lot for lot in locked.filter(pk__in=ids).order_by("pk")}


def lot_for_update(lot: Lot) -> Lot:
    """Lock one lot and return it re-read from the database."""
    return lots_for_update([lot.pk])[lot.pk]
