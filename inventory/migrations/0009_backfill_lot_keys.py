"""Lot identity keys, step 2 of 3: fill them, and stop on lots that would collide.

Two lots of one package whose numbers have the same key (``AB123`` and ``ab123``, or
``AB-123``) are one lot entered in two spellings: the very fault of issue 13 item 1, where a
recalled lot came back as a new, available one and its patients were missing from the recall
trace. This migration never merges them: lots are referenced by receipt lines, the
append-only ledger, reservations, visit records and recalls, and which row is "the" lot,
and whether the stock must now be recalled, is a pharmacist's decision, not a script's.

So it fails loudly instead: it lists every colliding group (package, key, each lot's id,
number, expiry and status) and the steps to resolve it (``inventory.lot_numbers.COLLISION_HELP``),
and changes nothing. ``manage.py lot_key_collisions`` prints the same listing from the same
function, so a deployment can be checked before it migrates. Without collisions it fills
``lot_key`` and ``lookalike_key`` of every lot, and each receipt line's
``lot_number_as_received`` with its lot's number (the only spelling known for old receipts).

The keys come from ``inventory.lot_numbers`` (pure functions, the one place the rule lives);
if that rule ever changes, a new data migration recomputes the keys.
"""

from django.db import migrations

from inventory.lot_numbers import (
    LotRow,
    describe_collisions,
    key_collisions,
    lookalike_key,
    lot_key,
)


class LotKeyCollisionError(RuntimeError):
    """Existing lots would share a key: a person must resolve them before migrating."""


def collision_report(Lot, Package):
    """The listing of colliding lots (empty when there are none), from the given models."""
    rows = [
        LotRow(pk=pk, package_id=package_id, lot_number=number, expires_on=expires_on, status=status)
        for pk, package_id, number, expires_on, status in Lot.objects.order_by("pk").values_list(
            "pk", "package_id", "lot_number", "expires_on", "status"
        )
    ]
    collisions = key_collisions(rows)
    if not collisions:
        return ""
    names = {
        package.pk: f"{package.product.brand} {package.grams_per_container:g} g (NDC {package.ndc or 'none'})"
        for package in Package.objects.filter(
            pk__in={collision.package_id for collision in collisions}
        ).select_related("product")
    }
    return describe_collisions(collisions, names)


def forward(apps, schema_editor):
    Lot = apps.get_model("inventory", "Lot")
    Package = apps.get_model("inventory", "Package")
    ReceiptLine = apps.get_model("inventory", "ReceiptLine")
    report = collision_report(Lot, Package)
    if report:
        raise LotKeyCollisionError(
            "inventory 0009: lots that differ only in letter case, blanks or separators would "
            "become one lot. Nothing was migrated.\n\n" + report
        )
    lots = list(Lot.objects.only("pk", "lot_number"))
    for lot in lots:
        lot.lot_key = lot_key(lot.lot_number)
        lot.lookalike_key = lookalike_key(lot.lot_number)
    Lot.objects.bulk_update(lots, ["lot_key", "lookalike_key"], batch_size=500)
    for line in ReceiptLine.objects.select_related("lot").only("pk", "lot__lot_number"):
        line.lot_number_as_received = line.lot.lot_number
        line.save(update_fields=["lot_number_as_received"])


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0008_lot_keys_nullable'),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
