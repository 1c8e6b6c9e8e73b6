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

from inventory.lot_numbers import collision_report, lookalike_key, lot_key


class LotKeyCollisionError(RuntimeError):
    """Existing lots would share a key: a person must resolve them before migrating."""


def forward(apps, schema_editor):
    Lot = apps.get_model("inventory", "Lot")
    Package = apps.get_model("inventory", "Package")
    ReceiptLine = apps.get_model("inventory", "ReceiptLine")
    report = collision_report(Lot, Package)
    if report:
        raise LotKeyCollisionError(
            "inventory 0009: lots that differ only in letter case, blanks or separators would "
            "become one lot. This step changed nothing (0008 only added the empty columns).\n\n"
            + report
        )
    lots = list(Lot.objects.only("pk", "lot_number"))
    for lot in lots:
        lot.lot_key = lot_key(lot.lot_number)
        lot.lookalike_key = lookalike_key(lot.lot_number)
    Lot.objects.bulk_update(lots, ["lot_key", "lookalike_key"], batch_size=500)
    lines = list(ReceiptLine.objects.select_related("lot").only("pk", "lot__lot_number"))
    for line in lines:
        line.lot_number_as_received = line.lot.lot_number
    ReceiptLine.objects.bulk_update(lines, ["lot_number_as_received"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0008_lot_keys_nullable'),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
