from django.db import migrations, models
from django.db.models import F


def last_active_at_start(apps, schema_editor):
    """Sessions from before this field: their last activity is not known, their start is."""
    session = apps.get_model("deliveries", "UploadSession")
    session.objects.update(updated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("deliveries", "0004_notified_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="uploadsession",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True),
        ),
        migrations.RunPython(last_active_at_start, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="uploadsession",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]
