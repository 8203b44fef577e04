"""A finished run's cash flows packed per store (RunStoreCashFlows) replace its rows per store
and day (RunStoreCashDay): the dashboard's default selection reads a row per store. Runs
summarised before are summarised again on their next view (services.ensure_run_summary)."""

import django.db.models.deletion
from django.db import migrations, models


def unsummarise(apps, schema_editor):
    apps.get_model("stores", "SimulationRun").objects.update(summarised_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0020_competition"),
    ]

    operations = [
        migrations.DeleteModel(name="RunStoreCashDay"),
        migrations.CreateModel(
            name="RunStoreCashFlows",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "first_day",
                    models.DateField(help_text="The day of the first value of each line."),
                ),
                (
                    "cents",
                    models.BinaryField(
                        help_text="Whole cents by line and day (simulation.cash.pack)."
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stores.simulationrun",
                    ),
                ),
                (
                    "store",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stores.store",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "store"), name="one_cash_flows_per_run_store"
                    )
                ],
            },
        ),
        migrations.RunPython(unsummarise, migrations.RunPython.noop),
    ]
