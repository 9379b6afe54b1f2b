"""Every token has its expiry (``0006_processortoken_expires_at``): required."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forwarding', '0006_processortoken_expires_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='processortoken',
            name='expires_at',
            field=models.DateTimeField(verbose_name='expires'),
        ),
    ]
