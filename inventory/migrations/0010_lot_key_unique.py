"""Lot identity keys, step 3 of 3: required, never empty, and unique per package.

``inventory_lot_key_unique`` (package, lot_key) replaces ``inventory_lot_unique_per_package``
(package, lot_number), which it implies: equal numbers have equal keys.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0009_backfill_lot_keys'),
    ]

    operations = [
        migrations.AlterField(
            model_name='lot',
            name='lot_key',
            field=models.CharField(editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='lot',
            name='lookalike_key',
            field=models.CharField(editable=False, max_length=20),
        ),
        migrations.RemoveConstraint(
            model_name='lot',
            name='inventory_lot_unique_per_package',
        ),
        migrations.AddConstraint(
            model_name='lot',
            constraint=models.UniqueConstraint(fields=('package', 'lot_key'), name='inventory_lot_key_unique'),
        ),
        migrations.AddConstraint(
            model_name='lot',
            constraint=models.CheckConstraint(condition=models.Q(('lot_key', ''), _negated=True), name='inventory_lot_key_not_empty'),
        ),
        migrations.AddIndex(
            model_name='lot',
            index=models.Index(fields=['package', 'lookalike_key'], name='inventory_lot_lookalike'),
        ),
    ]
