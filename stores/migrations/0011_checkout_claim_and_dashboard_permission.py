"""One order per cart (a claimed idempotency key), and who may open the dashboard.

- CheckoutClaim: a cart's key, inserted in the order's transaction; a second submission of the
  same cart hits the unique key.
- Store's "view_dashboard" permission, and a "Trainer" group that has it. Django creates
  permissions after the last migration, so this one creates it itself when missing.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

TRAINER_GROUP = "Trainer"


def create_trainer_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="stores", model="store")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_dashboard",
        defaults={"name": "Can view the comparison dashboard and its exports"},
    )
    group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
    group.permissions.add(permission)


def remove_trainer_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=TRAINER_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0010_run_summaries"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="store",
            options={
                "ordering": ["name"],
                "permissions": [
                    ("view_dashboard", "Can view the comparison dashboard and its exports")
                ],
            },
        ),
        migrations.CreateModel(
            name="CheckoutClaim",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=64, unique=True)),
                ("order_number", models.CharField(blank=True, max_length=40)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("store", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="stores.store")),
            ],
        ),
        # "/s/<slug>/" lost its placeholder in the admin, which prints help texts as HTML.
        migrations.AlterField(
            model_name="store",
            name="slug",
            field=models.SlugField(
                help_text="Used in the storefront URL /s/your-slug/.", max_length=60, unique=True
            ),
        ),
        migrations.RunPython(create_trainer_group, remove_trainer_group),
    ]
