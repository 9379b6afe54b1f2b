"""Every package has its number (``0002_package_sequence``): required and unique per processor.
The index on (processor, created_at) served the list, which now goes by the number."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forwarding', '0002_package_sequence'),
    ]

    operations = [
        migrations.AlterField(
            model_name='package',
            name='sequence',
            field=models.PositiveBigIntegerField(verbose_name='sequence number'),
        ),
        migrations.AddConstraint(
            model_name='package',
            constraint=models.UniqueConstraint(fields=('processor', 'sequence'), name='one_sequence_number_each'),
        ),
        migrations.RemoveIndex(
            model_name='package',
            name='forwarding__process_d3c1e5_idx',
        ),
    ]
