"""Stored evaluations keep per rule the lead's own result and reason; the rule's words are its version's."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from leads.models import CriteriaRule, CriteriaVersion, Lead, LeadEvaluation

BEFORE = [("leads", "0006_leadevaluation_fewer_indexes")]
AFTER = [("leads", "0007_leadevaluation_results_and_reasons")]
OLD_OUTCOMES = """[
    {"rule": "Country is one of DE, AT", "result": "held", "reason": "Country DE is one of DE, AT", "required": true,
     "weight": 0},
    {"rule": "Employees ≥ 200", "result": "failed", "reason": "Employees 50 < 200", "required": false, "weight": 40},
    {"rule": "Budget is stated", "result": "unknown", "reason": "Budget unknown", "required": false, "weight": 20}
]"""


def migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_evaluations_stored_before_the_narrow_rows_read_the_same_after_the_migration(marketer):
    version = CriteriaVersion.objects.create(org=marketer.org, number=1, name="DACH", created_by=marketer)
    CriteriaRule.objects.bulk_create([
        CriteriaRule(org=marketer.org, version=version, position=0, attribute="country", operator="in",
                     value=["DE", "AT"], required=True),
        CriteriaRule(org=marketer.org, version=version, position=1, attribute="employees", operator="gte", value=200,
                     weight=40),
        CriteriaRule(org=marketer.org, version=version, position=2, attribute="budget", operator="known", weight=20),
    ])  # fmt: skip
    lead = Lead.objects.create(org=marketer.org, email="jane@initech.test", country="DE", employees=50)
    bare = Lead.objects.create(org=marketer.org, email="joe@initech.test")
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for each, outcomes in ((lead, OLD_OUTCOMES), (bare, "[]")):
                cursor.execute(
                    """INSERT INTO leads_leadevaluation (lead_id, org_id, version_id, fit_score, engagement_score,
                           qualified, outcomes, evaluated_at) VALUES (%s, %s, %s, 0, 0, false, %s::jsonb, %s)""",
                    [each.pk, marketer.org_id, version.pk, outcomes, timezone.now()],
                )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    stored = LeadEvaluation.objects.get(lead=lead)
    assert (stored.results, stored.reasons) == ("hfu", ["Country DE is one of DE, AT", "Employees 50 < 200",
                                                         "Budget unknown"])  # fmt: skip
    assert stored.outcomes == [
        {"rule": "Country is one of DE, AT", "result": "held", "reason": "Country DE is one of DE, AT",
         "required": True, "weight": 0},
        {"rule": "Employees ≥ 200", "result": "failed", "reason": "Employees 50 < 200", "required": False,
         "weight": 40},
        {"rule": "Budget is stated", "result": "unknown", "reason": "Budget unknown", "required": False, "weight": 20},
    ]  # fmt: skip
    assert stored.summary == "Country is one of DE, AT"
    assert [o["rule"] for o in stored.missed] == ["Employees ≥ 200", "Budget is stated"]
    empty = LeadEvaluation.objects.get(lead=bare)
    assert (empty.results, empty.reasons, empty.outcomes) == ("", [], [])
