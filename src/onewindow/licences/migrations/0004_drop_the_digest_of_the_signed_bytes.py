"""The SM3 digest of a licence's signed bytes is dropped.

Those bytes hold the holder's resident ID number in clear, so an unkeyed digest of them let anyone
who saw it (the QR code carried it; a database dump still would) test guesses of the masked
birth-date digits offline. Nothing reads it: the signature is checked over bytes rebuilt from the
row and its sealed personal values.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("licences", "0003_seal_personal_data_and_random_serials"),
    ]

    operations = [
        # A default, so that going back can add the column again to the rows that exist.
        migrations.AlterField(
            model_name="licence",
            name="digest",
            field=models.CharField(default="", max_length=64, verbose_name="SM3摘要"),
        ),
        migrations.RemoveField(model_name="licence", name="digest"),
    ]
