"""Lot identity keys (issue 13 item 1), step 1 of 3: the columns, nullable until 0009 fills them.

Also the lot number as each receipt line received it (DSCSA transaction information), since a
lot now keeps the spelling of its first receipt whatever later ones say.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0007_reservation_idempotency_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='lot',
            name='lot_key',
            field=models.CharField(editable=False, max_length=20, null=True),
        ),
        migrations.AddField(
            model_name='lot',
            name='lookalike_key',
            field=models.CharField(editable=False, max_length=20, null=True),
        ),
        migrations.AddField(
            model_name='receiptline',
            name='lot_number_as_received',
            field=models.CharField(blank=True, default='', max_length=20),
            preserve_default=False,
        ),
    ]
