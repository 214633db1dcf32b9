import threading

import pytest
from django.db import connection

from accounts.models import AuditEvent
from leads.models import CriteriaVersion, CriteriaVersionEvent
from leads.services.criteria import (
    create_criteria_version,
    propose_criteria_version,
    send_back_criteria_version,
    sign_criteria_version,
    update_criteria_version,
)
from smarketing.errors import Conflict, DomainError, NotAllowed
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
V = CriteriaVersion.Status
RULES = [
    {"attribute": "country", "operator": "in", "value": ["DE", "AT", "CH"], "required": True},
    {"attribute": "employees", "operator": "gte", "value": 200, "weight": 40},
    {"attribute": "buying_authority", "operator": "in", "value": ["decision_maker"], "weight": 60},
]


def draft(by, rules=RULES, **fields):
    version = create_criteria_version(by=by)
    values = {"name": "DACH mid-market", "summary": "Focus on DACH", "min_fit_score": 40, "min_engagement_score": 5}
    return update_criteria_version(by=by, version=version, rules=rules, **values | fields)


def proposed(by):
    version = draft(by)
    return propose_criteria_version(by=by, version=version)


def test_a_proposal_becomes_active_only_with_both_managers_signatures(marketer, marketing_manager, sales_manager):
    version = proposed(marketer)
    sign_criteria_version(by=marketing_manager, version=version)
    version.refresh_from_db()
    assert version.status == V.PROPOSED
    sign_criteria_version(by=sales_manager, version=version, comment="Agreed for Q3")
    version.refresh_from_db()
    assert version.status == V.ACTIVE and version.activated_at is not None
    assert sorted(version.signatures.values_list("side", flat=True)) == ["marketing", "sales"]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CRITERIA_SIGNED).count() == 2
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CRITERIA_ACTIVATED).count() == 1


def test_one_manager_signing_twice_counts_once(marketer, marketing_manager):
    version = proposed(marketer)
    sign_criteria_version(by=marketing_manager, version=version)
    sign_criteria_version(by=marketing_manager, version=version)
    version.refresh_from_db()
    assert version.status == V.PROPOSED
    assert version.signatures.count() == 1


def test_two_marketing_managers_do_not_make_up_for_the_sales_side(marketer, marketing_manager, acme):
    other = MembershipFactory(org=acme, role="marketing_manager")
    version = proposed(marketer)
    sign_criteria_version(by=marketing_manager, version=version)
    sign_criteria_version(by=other, version=version)
    version.refresh_from_db()
    assert version.status == V.PROPOSED


@pytest.mark.parametrize("persona", ["marketer", "rep", "admin"])
def test_only_managers_can_sign(request, marketer, persona):
    version = proposed(marketer)
    with pytest.raises(NotAllowed):
        sign_criteria_version(by=request.getfixturevalue(persona), version=version)
    assert not version.signatures.exists()


def test_a_draft_cannot_be_signed_and_needs_rules_to_be_proposed(marketer, marketing_manager):
    version = create_criteria_version(by=marketer)
    with pytest.raises(Conflict):
        sign_criteria_version(by=marketing_manager, version=version)
    with pytest.raises(DomainError, match="at least one rule"):
        propose_criteria_version(by=marketer, version=version)


def test_editing_a_proposed_version_withdraws_the_signatures(marketer, marketing_manager):
    version = proposed(marketer)
    sign_criteria_version(by=marketing_manager, version=version)
    update_criteria_version(
        by=marketer, version=version, name="DACH", summary="", min_fit_score=50, min_engagement_score=5, rules=RULES
    )
    assert not version.signatures.exists()
    kinds = list(version.events.values_list("kind", flat=True))
    assert kinds[-1] == CriteriaVersionEvent.Kind.SIGNATURES_WITHDRAWN


def test_sending_back_needs_a_reason_and_returns_the_version_to_draft(marketer, sales_manager):
    version = proposed(marketer)
    with pytest.raises(DomainError):
        send_back_criteria_version(by=sales_manager, version=version, comment="  ")
    send_back_criteria_version(by=sales_manager, version=version, comment="Budget rule too loose")
    version.refresh_from_db()
    assert version.status == V.DRAFT
    assert version.events.last().comment == "Budget rule too loose"


def test_activating_retires_the_version_before(marketer, marketing_manager, sales_manager):
    first = proposed(marketer)
    sign_criteria_version(by=marketing_manager, version=first)
    sign_criteria_version(by=sales_manager, version=first)
    second = create_criteria_version(by=marketer)
    assert list(second.rules.values_list("attribute", flat=True)) == ["country", "employees", "buying_authority"]
    propose_criteria_version(by=marketer, version=second)
    sign_criteria_version(by=sales_manager, version=second)
    sign_criteria_version(by=marketing_manager, version=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (V.RETIRED, V.ACTIVE)
    with pytest.raises(Conflict):
        update_criteria_version(
            by=marketer, version=second, name="x", summary="", min_fit_score=1, min_engagement_score=0, rules=RULES
        )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"attribute": "country", "operator": "gte", "value": 3, "required": True}, "does not apply"),
        ({"attribute": "country", "operator": "in", "value": [], "required": True}, "at least one value"),
        ({"attribute": "employees", "operator": "gte", "value": 200, "weight": 0}, "weight from 1 to 100"),
        ({"attribute": "employees", "operator": "between", "value": [500, 10], "weight": 5}, "lower to a higher"),
        ({"attribute": "engagement", "operator": "gte", "value": {"score": 5, "days": 900}, "weight": 5}, "1 to 365"),
        ({"attribute": "content", "operator": "engaged_with", "value": {"days": 30}, "weight": 5}, "Choose content"),
        ({"attribute": "wizardry", "operator": "in", "value": ["x"], "weight": 5}, "not a valid Attribute"),
    ],
)
def test_incomplete_rules_are_refused_with_the_reason_and_nothing_changes(marketer, rule, message):
    version = draft(marketer)
    with pytest.raises(DomainError) as refused:
        update_criteria_version(
            by=marketer, version=version, name="x", summary="", min_fit_score=1, min_engagement_score=0,
            rules=[*RULES, rule],
        )  # fmt: skip
    assert message in refused.value.fields["rules.3"][0]
    assert version.rules.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_managers_signing_at_the_same_moment_activate_exactly_once(acme):
    author = MembershipFactory(org=acme, role="marketer")
    managers = [MembershipFactory(org=acme, role=role) for role in ("marketing_manager", "sales_manager")]
    for _ in range(5):
        version = proposed(author)
        barrier, errors = threading.Barrier(2), []

        def sign(manager, version=version, barrier=barrier, errors=errors):
            barrier.wait()
            try:
                sign_criteria_version(by=manager, version=version)
            except Exception as error:  # any failure is what this test looks for
                errors.append(repr(error))
            finally:
                connection.close()

        threads = [threading.Thread(target=sign, args=(m,)) for m in managers]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert errors == []
        version.refresh_from_db()
        assert version.status == V.ACTIVE
        assert CriteriaVersion.objects.filter(org=acme, status=V.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_proposals_completed_at_the_same_moment_leave_one_active_version(acme):
    author = MembershipFactory(org=acme, role="marketer")
    marketing, sales = (MembershipFactory(org=acme, role=role) for role in ("marketing_manager", "sales_manager"))
    versions = [proposed(author), proposed(author)]
    for version in versions:
        sign_criteria_version(by=marketing, version=version)
    barrier, errors = threading.Barrier(2), []

    def sign(version):
        barrier.wait()
        try:
            sign_criteria_version(by=sales, version=version)
        except Exception as error:  # any failure is what this test looks for
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(v,)) for v in versions]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    statuses = sorted(CriteriaVersion.objects.filter(org=acme).values_list("status", flat=True))
    assert statuses == ["active", "retired"]
