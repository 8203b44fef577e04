"""Drop the foreign keys' own indexes where a composite index already serves their lookups.

A simulated year writes about two million orders, and every index is updated for each one:
Order's store and run are covered by (store, placed_date) and (run, store), DailyFunnel's by
(store, date) and (run, store). Only shoppers' orders have a customer, so that index becomes
partial and skips the synthetic ones.

The fields change only in Django's state; the database loses just the indexes (DROP INDEX),
where letting AlterField run would rebuild the order table on SQLite, several times over.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, Django's name for the field's index): the same on SQLite and PostgreSQL.
COVERED = [
    ("stores_order", "store_id", "stores_order_store_id_19131a35"),
    ("stores_order", "run_id", "stores_order_run_id_dd3e86f5"),
    ("stores_order", "customer_id", "stores_order_customer_id_2eab6705"),
    ("stores_dailyfunnel", "store_id", "stores_dailyfunnel_store_id_0bfc5730"),
    ("stores_dailyfunnel", "run_id", "stores_dailyfunnel_run_id_e55b623a"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0004_store_live_cursor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in COVERED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="dailyfunnel",
                    name="run",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="funnel_days",
                        to="stores.simulationrun",
                    ),
                ),
                migrations.AlterField(
                    model_name="dailyfunnel",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="funnel_days",
                        to="stores.store",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="orders",
                        to="stores.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="run",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="stores.simulationrun",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="orders",
                        to="stores.store",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("customer__isnull", False)),
                fields=["customer"],
                name="order_customer",
            ),
        ),
    ]
