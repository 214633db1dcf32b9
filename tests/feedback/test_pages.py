"""Sales' side of the loop in the pages: follow-ups, lead quality feedback, closing, and the lists managers keep."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import FollowUp, LossReason, Objection, ObjectionReason, Outcome, PainPointHeard, QualityFeedback
from feedback.services import close_lead, ensure_default_lists, log_follow_up
from leads.models import ContentAsset, Lead, LeadStatusChange
from leads.services.handoff import accept_lead, reject_lead
from tests.leads.test_handoff_pages import OUTCOMES, brief_url, handed, messages_of, mql

pytestmark = pytest.mark.django_db
S = Lead.Status
LISTS = reverse("feedback:lists")


@pytest.fixture
def accepted(marketer, rep) -> Lead:
    """A lead handed to Rita and accepted by her; the organization has the usual lists."""
    ensure_default_lists(org=marketer.org)
    lead = mql(marketer.org, "jane@initech.com", marketer=marketer)
    handed(lead, marketer, rep)
    return accept_lead(lead=lead, by=rep)


def working(lead: Lead, rep) -> Lead:
    log_follow_up(lead=lead, by=rep, kind="call", outcome="connected", occurred_at=timezone.now())
    return Lead.objects.get(pk=lead.pk)


def reason_id(org, name: str, kind=ObjectionReason) -> int:
    return kind.objects.get(org=org, name=name).pk


def follow_up_data(**values) -> dict:
    data = {"kind": "call", "outcome": "connected", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "notes": "", "pain_points": "", **values}  # fmt: skip
    return {f"follow_up-{name}": value for name, value in data.items()}


# Follow-ups


def test_brief_offers_a_follow_up_dated_now_in_the_orgs_time_zone_with_the_objection_list(client_for, rep, accepted):
    ObjectionReason.objects.filter(org=rep.org, name="Timing").update(is_active=False)
    response = client_for(rep).get(brief_url(accepted))
    form = response.context["follow_up_form"]
    when = form.initial["occurred_at"]
    assert str(when.tzinfo) == "Europe/Berlin" and abs(when - timezone.now()) < timedelta(minutes=2)
    assert [row["name"] for row in form.objection_rows()] == ["Competitor", "Missing feature", "No authority",
                                                             "No need", "Price"]  # fmt: skip
    assert 'type="datetime-local"' in response.text and "In their words (optional)" in response.text


def test_rep_logs_a_follow_up_with_objections_and_pain_points_and_the_lead_is_worked(client_for, rep, accepted):
    org = rep.org
    price, authority = reason_id(org, "Price"), reason_id(org, "No authority")
    data = follow_up_data(
        kind="meeting", outcome="meeting_booked", occurred_at="2026-03-02T10:30", notes="Demo next week",
        objections=[price, authority], pain_points="slow reports, churn, Slow reports",
    )  # fmt: skip
    data[f"follow_up-objection_text_{price}"] = "Twice what they pay now"
    data[f"follow_up-objection_text_{reason_id(org, 'Timing')}"] = "not ticked, not stored"
    response = client_for(rep).post(reverse("feedback:follow_up", args=[accepted.pk]), data, follow=True)
    assert "Follow-up logged (Meeting: meeting booked, 2 objections)." in messages_of(response)
    follow_up = FollowUp.objects.get(lead=accepted)
    assert (follow_up.kind, follow_up.outcome, follow_up.notes) == ("meeting", "meeting_booked", "Demo next week")
    assert follow_up.occurred_at.isoformat() == "2026-03-02T09:30:00+00:00", "10:30 in Berlin"
    heard = {o.reason.name: o.text for o in Objection.objects.filter(follow_up=follow_up)}
    assert heard == {"Price": "Twice what they pay now", "No authority": ""}
    assert sorted(PainPointHeard.objects.filter(lead=accepted).values_list("text", flat=True)) == [
        "churn",
        "slow reports",
    ]
    lead = Lead.objects.get(pk=accepted.pk)
    assert lead.status == S.WORKING and lead.first_touch_at == follow_up.occurred_at
    assert "Twice what they pay now" in response.text and "Mark as opportunity" in response.text


def test_a_follow_up_in_the_future_is_refused_and_nothing_is_logged(client_for, rep, accepted):
    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = follow_up_data(occurred_at=later, notes="Will call")
    data["follow_up-objections"] = [reason_id(rep.org, "Price")]
    response = client_for(rep).post(reverse("feedback:follow_up", args=[accepted.pk]), data)
    assert response.status_code == 200
    assert "In the future." in response.text and "Will call</textarea>" in response.text
    assert 'name="follow_up-objections" value="{}" id'.format(reason_id(rep.org, "Price")) in response.text
    assert not FollowUp.objects.exists() and Lead.objects.get(pk=accepted.pk).status == S.ACCEPTED


def test_a_follow_up_without_kind_or_with_an_objection_off_the_list_is_refused(client_for, rep, accepted, globex):
    ensure_default_lists(org=globex)
    client = client_for(rep)
    missing = client.post(reverse("feedback:follow_up", args=[accepted.pk]), follow_up_data(kind=""))
    assert "This field is required." in missing.text
    theirs = reason_id(globex, "Price")
    foreign = client.post(reverse("feedback:follow_up", args=[accepted.pk]), follow_up_data(objections=[theirs]))
    assert "Select a valid choice." in foreign.text
    assert not FollowUp.objects.exists()


def test_a_follow_up_on_a_lead_not_accepted_says_so(client_for, marketer, rep):
    ensure_default_lists(org=marketer.org)
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    response = client_for(rep).post(reverse("feedback:follow_up", args=[lead.pk]), follow_up_data(), follow=True)
    assert "Follow-ups are logged on accepted leads; this one is handed off." in messages_of(response)
    assert not FollowUp.objects.exists()


# Lead quality feedback


def test_rep_rates_an_accepted_lead_and_may_correct_it(client_for, rep, accepted):
    client = client_for(rep)
    url = reverse("feedback:quality", args=[accepted.pk])
    data = {"quality-fit": "4", "quality-ready_to_talk": "yes", "quality-brief_useful": "no",
            "quality-wrong_criteria": [OUTCOMES[1]["rule"], "Not in the brief"],
            "quality-comment": "Too early"}  # fmt: skip
    response = client.post(url, data, follow=True)
    assert "Select a valid choice." in response.text, "only the brief's criteria can be wrong"
    data["quality-wrong_criteria"] = [OUTCOMES[1]["rule"]]
    response = client.post(url, data, follow=True)
    assert "Thank you: marketing sees your verdict" in messages_of(response)[0]
    verdict = QualityFeedback.objects.get(lead=accepted)
    assert (verdict.fit, verdict.ready_to_talk, verdict.brief_useful, verdict.wrong_criteria, verdict.comment) == (
        4, True, False, ["Employees ≥ 200"], "Too early",
    )  # fmt: skip
    assert "You rated it 4/5" in response.text and "Update feedback" in response.text
    client.post(url, {**data, "quality-fit": "2"})
    assert QualityFeedback.objects.get(lead=accepted).fit == 2


def test_quality_feedback_without_a_fit_changes_nothing(client_for, rep, accepted):
    response = client_for(rep).post(reverse("feedback:quality", args=[accepted.pk]), {"quality-ready_to_talk": "yes"})
    assert "Rate the fit from 1 (no fit) to 5 (perfect)." in response.text
    assert not QualityFeedback.objects.exists()


def test_rep_rates_a_lead_they_rejected_though_it_is_no_longer_theirs(client_for, marketer, rep):
    lead = mql(marketer.org, "jane@initech.com")
    handed(lead, marketer, rep)
    reject_lead(lead=lead, by=rep, reason="not_a_fit")
    data = {"quality-fit": "1", "quality-ready_to_talk": "no", "quality-brief_useful": "yes"}
    client_for(rep).post(reverse("feedback:quality", args=[lead.pk]), data)
    assert QualityFeedback.objects.get(lead=lead).fit == 1


# Closing


def test_rep_marks_a_worked_lead_as_opportunity_then_won_with_what_helped(client_for, rep, accepted):
    lead = working(accepted, rep)
    asset = ContentAsset.objects.create(org=rep.org, title="ROI calculator", kind="other")
    client = client_for(rep)
    url = reverse("feedback:close", args=[lead.pk])
    response = client.post(url, {"outcome": "opportunity", "opportunity-value": "12,000",
                                 "opportunity-seen_status": "working"}, follow=True)  # fmt: skip
    assert "Jane Example is an opportunity now." in messages_of(response)
    assert "Mark won" in response.text and "Log follow-up" in response.text
    response = client.post(url, {"outcome": "won", "won-helped_asset": asset.pk, "won-helped_tactic": "Reference call",
                                 "won-seen_status": "opportunity"}, follow=True)  # fmt: skip
    assert "Jane Example is won. Congratulations!" in messages_of(response)
    outcome = Outcome.objects.get(lead=lead)
    assert (outcome.opportunity_value, outcome.won_value) == (Decimal("12000.00"), Decimal("12000.00"))
    assert (outcome.helped_asset, outcome.helped_tactic) == (asset, "Reference call")
    assert Lead.objects.get(pk=lead.pk).status == S.WON
    page = response.text
    assert "ROI calculator" in page and "Won. Well done." in page and "Mark lost" not in page


def test_lost_without_a_reason_changes_nothing(client_for, rep, accepted):
    lead = working(accepted, rep)
    response = client_for(rep).post(
        reverse("feedback:close", args=[lead.pk]), {"outcome": "lost", "lost-competitor": "Globex Corp"}
    )
    assert response.status_code == 200
    assert "Say why it was lost." in response.text and 'value="Globex Corp"' in response.text
    assert Lead.objects.get(pk=lead.pk).status == S.WORKING and not Outcome.objects.exists()


def test_lost_with_a_reason_and_a_competitor(client_for, rep, accepted):
    lead = working(accepted, rep)
    reason = reason_id(rep.org, "Went with a competitor", LossReason)
    response = client_for(rep).post(
        reverse("feedback:close", args=[lead.pk]),
        {"outcome": "lost", "lost-loss_reason": reason, "lost-competitor": "Globex Corp"},
        follow=True,
    )
    assert "Jane Example is lost. The reason helps marketing send better leads." in messages_of(response)
    outcome = Outcome.objects.get(lead=lead)
    assert (outcome.loss_reason.name, outcome.competitor) == ("Went with a competitor", "Globex Corp")
    assert "Went with a competitor" in response.text and "Globex Corp" in response.text


def test_a_stale_page_closing_a_lead_hears_someone_else_was_first(client_for, rep, sales_manager, accepted):
    lead = working(accepted, rep)
    close_lead(lead=lead, by=sales_manager, outcome="opportunity", value="5000")
    response = client_for(rep).post(
        reverse("feedback:close", args=[lead.pk]),
        {"outcome": "opportunity", "opportunity-value": "9000", "opportunity-seen_status": "working"},
        follow=True,
    )
    assert "Someone else changed this lead first: it is now opportunity." in messages_of(response)
    assert Outcome.objects.get(lead=lead).opportunity_value == Decimal("5000.00")
    assert LeadStatusChange.objects.filter(lead=lead, to_status=S.OPPORTUNITY).count() == 1


def test_won_is_offered_only_for_an_opportunity(client_for, rep, accepted):
    lead = working(accepted, rep)
    client = client_for(rep)
    assert "Mark won" not in client.get(brief_url(lead)).text
    response = client.post(reverse("feedback:close", args=[lead.pk]), {"outcome": "won"}, follow=True)
    assert "A lead that is working cannot become won." in messages_of(response)
    assert Lead.objects.get(pk=lead.pk).status == S.WORKING


def test_another_reps_lead_cannot_be_worked(client_for, rep2, accepted):
    client = client_for(rep2)
    assert client.post(reverse("feedback:follow_up", args=[accepted.pk]), follow_up_data()).status_code == 404
    assert client.post(reverse("feedback:close", args=[accepted.pk]), {"outcome": "lost"}).status_code == 404
    assert client.post(reverse("feedback:quality", args=[accepted.pk]), {}).status_code == 404
    assert not FollowUp.objects.exists()


# The objection and loss-reason lists


def test_manager_adds_and_takes_objections_off_the_list(client_for, sales_manager, rep, accepted):
    client = client_for(sales_manager)
    response = client.post(reverse("feedback:objection_add"), {"objection-name": "  Security review "}, follow=True)
    assert "“Security review” is on the objection list." in messages_of(response)
    assert ObjectionReason.objects.filter(org=sales_manager.org, name="Security review", is_active=True).exists()
    again = client.post(reverse("feedback:objection_add"), {"objection-name": "Security review"})
    assert "“Security review” is on the list already." in again.text
    price = ObjectionReason.objects.get(org=sales_manager.org, name="Price")
    response = client.post(reverse("feedback:objection_take_off", args=[price.pk]), follow=True)
    assert "“Price” is off the objection list. What was logged with it keeps it." in messages_of(response)
    price.refresh_from_db()
    assert price.is_active is False
    assert "Price" not in [row["name"] for row in client_for(rep).get(brief_url(accepted)).context[
        "follow_up_form"].objection_rows()]  # fmt: skip
    back = client.post(reverse("feedback:objection_add"), {"objection-name": "Price"}, follow=True)
    assert "“Price” is on the objection list." in messages_of(back)


def test_manager_keeps_the_loss_reasons_and_an_empty_name_is_refused(client_for, marketing_manager):
    ensure_default_lists(org=marketing_manager.org)
    client = client_for(marketing_manager)
    page = client.get(LISTS).text
    assert "No budget" in page and "heard 0 times" in page
    client.post(reverse("feedback:loss_reason_add"), {"loss_reason-name": "Merger"})
    assert LossReason.objects.filter(org=marketing_manager.org, name="Merger").exists()
    empty = client.post(reverse("feedback:loss_reason_add"), {"loss_reason-name": ""})
    assert "This field is required." in empty.text
    budget = LossReason.objects.get(org=marketing_manager.org, name="No budget")
    client.post(reverse("feedback:loss_reason_take_off", args=[budget.pk]))
    assert LossReason.objects.get(pk=budget.pk).is_active is False


def test_lists_are_for_managers_and_another_orgs_entries_do_not_exist(client_for, rep, marketer, admin, globex):
    ensure_default_lists(org=globex)
    assert client_for(rep).get(LISTS).status_code == 403
    assert client_for(marketer).post(reverse("feedback:objection_add"), {"objection-name": "X"}).status_code == 403
    theirs = ObjectionReason.objects.get(org=globex, name="Price")
    assert client_for(admin).post(reverse("feedback:objection_take_off", args=[theirs.pk])).status_code == 404
    assert ObjectionReason.objects.get(pk=theirs.pk).is_active
