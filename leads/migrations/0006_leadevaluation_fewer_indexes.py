import django.db.models.deletion
from django.db import migrations, models

# Only the indexes go: Django's own AlterField would also drop and re-add (and so re-check over
# every row) both foreign keys.
DROP = [
    ("leads_leadevaluation_org_id_9888abac", "org_id"),
    ("leads_leadevaluation_version_id_a102d572", "version_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_audit_figures_exported"),
        ("leads", "0005_handoff_assets_before_handoff_first_touch_seconds_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="leadevaluation",
                    name="org",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="leadevaluation",
                    name="version",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.criteriaversion",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "leads_leadevaluation" ("{column}")',
                )
                for name, column in DROP
            ],
        ),
    ]
