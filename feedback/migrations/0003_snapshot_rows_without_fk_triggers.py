# The hand-off facts are derived rows, rebuilt by the dashboard refresh: the table is recreated
# keyed by its hand-off (one index less to maintain) and without foreign-key triggers; the next
# refresh (every few minutes; in full when the facts are missing) fills it again.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_audit_leads_exported"),
        ("feedback", "0002_checkinnote_funnelday_handofffact"),
        ("leads", "0005_handoff_assets_before_handoff_first_touch_seconds_and_more"),
    ]

    operations = [
        migrations.AlterField(
            model_name="funnelday",
            name="org",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
            ),
        ),
        migrations.DeleteModel(name="HandoffFact"),
        migrations.CreateModel(
            name="HandoffFact",
            fields=[
                (
                    "handoff",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="fact",
                        serialize=False,
                        to="leads.handoff",
                    ),
                ),
                ("day", models.DateField()),
                ("campaign_key", models.BigIntegerField(default=0)),
                ("source", models.CharField(blank=True, max_length=80)),
                ("rep_key", models.BigIntegerField(default=0)),
                ("version_key", models.BigIntegerField(default=0)),
                ("fit_score", models.SmallIntegerField(null=True)),
                ("accepted", models.BooleanField(default=False)),
                ("rejected", models.BooleanField(default=False)),
                ("reject_reason", models.CharField(blank=True, max_length=20)),
                ("worked", models.BooleanField(default=False)),
                ("won", models.BooleanField(default=False)),
                ("lost", models.BooleanField(default=False)),
                ("response_seconds", models.IntegerField(null=True)),
                ("first_touch_seconds", models.IntegerField(null=True)),
                ("quality_fit", models.SmallIntegerField(null=True)),
                ("refreshed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "org",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["org", "day"], name="handofffact_org_day_idx")]},
        ),
    ]
