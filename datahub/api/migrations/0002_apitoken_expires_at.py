"""Institutions' API tokens expire (``expires_at``). Those made before get one year from this migration, not
from when they were made: none stops working at once, and the systems using them have a year to
change to a new token. The column is made required in the next migration (PostgreSQL does not
alter a table in the transaction that has just updated its rows)."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

#: The validity every existing token gets, counted from the migration.
GRACE = dt.timedelta(days=365)


def give_existing_tokens_a_year(apps, schema_editor):
    token = apps.get_model("api", "ApiToken")
    token.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + GRACE)


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(null=True, verbose_name='expires'),
        ),
        migrations.RunPython(give_existing_tokens_a_year, migrations.RunPython.noop),
    ]
