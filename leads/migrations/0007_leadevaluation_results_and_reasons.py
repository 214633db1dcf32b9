import django.contrib.postgres.fields
from django.db import migrations, models

# Each stored outcome {"rule", "result", "reason", "required", "weight"} keeps what is the lead's own:
# the result's first letter and the reason, in the rules' order. The rule's words and terms are the
# version's.
TO_LETTERS = """
UPDATE leads_leadevaluation SET
    results = COALESCE((SELECT string_agg(left(o->>'result', 1), '' ORDER BY n)
                        FROM jsonb_array_elements(outcomes) WITH ORDINALITY AS t(o, n)), ''),
    reasons = ARRAY(SELECT o->>'reason' FROM jsonb_array_elements(outcomes) WITH ORDINALITY AS t(o, n) ORDER BY n)
"""
TO_OUTCOMES = """
UPDATE leads_leadevaluation AS e SET outcomes = COALESCE((
    SELECT jsonb_agg(jsonb_build_object(
        'rule', '', 'result', CASE substr(e.results, n::int, 1) WHEN 'h' THEN 'held' WHEN 'f' THEN 'failed'
                                   ELSE 'unknown' END,
        'reason', reason, 'required', false, 'weight', 0) ORDER BY n)
    FROM unnest(e.reasons) WITH ORDINALITY AS t(reason, n)), '[]'::jsonb)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_leadevaluation_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="leadevaluation",
            name="reasons",
            field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), default=list),
        ),
        migrations.AddField(
            model_name="leadevaluation",
            name="results",
            field=models.TextField(default=""),
        ),
        # Back to outcomes, the rules' words are gone: they are the version's, and the next
        # evaluation writes them again.
        migrations.RunSQL(TO_LETTERS, TO_OUTCOMES),
        migrations.RemoveField(
            model_name="leadevaluation",
            name="outcomes",
        ),
    ]
