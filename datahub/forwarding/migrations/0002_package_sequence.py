"""Packages get their place in the order they became visible (``Package.sequence``), the API's
cursor: existing packages are numbered per processor in the order they were made available.
The column is made required in the next migration (PostgreSQL does not alter a table in the
transaction that has just updated its rows)."""

from django.db import migrations, models


def number_existing_packages(apps, schema_editor):
    package = apps.get_model("forwarding", "Package")
    processors = package.objects.order_by().values_list("processor_id", flat=True).distinct()
    for processor_id in list(processors):
        ordered = package.objects.filter(processor_id=processor_id).order_by("created_at", "id")
        numbered = []
        for number, row in enumerate(ordered.only("pk").iterator(), start=1):
            row.sequence = number
            numbered.append(row)
        package.objects.bulk_update(numbered, ["sequence"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('forwarding', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='package',
            name='sequence',
            field=models.PositiveBigIntegerField(null=True, verbose_name='sequence number'),
        ),
        migrations.RunPython(number_existing_packages, migrations.RunPython.noop),
    ]
