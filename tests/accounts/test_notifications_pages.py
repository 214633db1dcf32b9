"""The bell, the notification centre, and what members choose on their account page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification, NotificationPreference
from accounts.services import notify

pytestmark = pytest.mark.django_db
CENTRE = reverse("accounts:notifications")
BELL = reverse("accounts:notification_bell")
ACCOUNT = reverse("accounts:account")


def notice(member, title: str, **values) -> Notification:
    values = {"kind": Notification.Kind.LEAD_ASSIGNED, "link": "/inbox/1/", **values}
    return Notification.objects.create(org=member.org, recipient=member, title=title, **values)


def test_the_bell_loads_its_unread_count_and_polls_every_30_seconds(client_for, rep, rep2):
    notice(rep, "New lead for you: Jane")
    notice(rep, "New lead for you: Joe")
    notice(rep, "Old news", read_at="2026-01-01T00:00Z")
    notice(rep2, "Not Rita's")
    client = client_for(rep)
    page = client.get(reverse("home")).text
    assert 'hx-get="/accounts/notifications/bell/" hx-trigger="load, every 30s"' in page
    bell = client.get(BELL, headers={"HX-Request": "true"})
    assert "<html" not in bell.text and 'hx-trigger="every 30s"' in bell.text
    assert 'data-testid="unread-count">2<' in bell.text and "Notifications: 2 unread" in bell.text
    assert "no-cache" in bell["Cache-Control"]


def test_the_bell_shows_no_count_when_all_is_read(client_for, rep):
    notice(rep, "Old news", read_at="2026-01-01T00:00Z")
    bell = client_for(rep).get(BELL).text
    assert "unread-count" not in bell and 'bi-bell"' in bell


def test_the_centre_lists_the_members_notices_with_grouped_counts(client_for, rep, rep2):
    notify(recipient=rep, kind=Notification.Kind.LEAD_REENGAGED, title="Jane engaged again",
           body="Downloaded <b>Pricing</b>", link="/inbox/7/")  # fmt: skip
    Notification.objects.filter(recipient=rep).update(count=3)
    notice(rep2, "Not Rita's")
    page = client_for(rep).get(CENTRE).text
    assert "Jane engaged again" in page and "Downloaded &lt;b&gt;Pricing&lt;/b&gt;" in page and "×3" in page
    assert "Not Rita's" not in page and "1 unread." in page and "Mark all read" in page


def test_the_centre_pages_fifty_notices_at_the_same_cost_as_one(client_for, rep):
    client = client_for(rep)
    notice(rep, "First")
    client.get(CENTRE)
    with CaptureQueriesContext(connection) as one:
        client.get(CENTRE)
    Notification.objects.bulk_create(
        Notification(org=rep.org, recipient=rep, kind="lead_assigned", title=f"Lead {n}") for n in range(60)
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(CENTRE)
    assert len(response.context["page"]) == 50 and "Page 1 of 2" in response.text
    assert len(many) == len(one)


def test_marking_one_and_then_all_read(client_for, rep, rep2):
    first, second = notice(rep, "First"), notice(rep, "Second")
    theirs = notice(rep2, "Theirs")
    client = client_for(rep)
    client.post(reverse("accounts:notifications_read"), {"id": [first.pk, theirs.pk]})
    first.refresh_from_db(), second.refresh_from_db(), theirs.refresh_from_db()
    assert first.read_at is not None and second.read_at is None and theirs.read_at is None
    response = client.post(reverse("accounts:notifications_read"), {"all": "1"}, follow=True)
    assert "All caught up: 1 notice marked read." in [str(m) for m in response.context["messages"]]
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert 'data-testid="unread-count"' not in client.get(BELL).text


def test_opening_a_notice_marks_it_read_and_goes_where_it_points(client_for, rep, rep2):
    item = notice(rep, "New lead", link="/inbox/42/")
    client = client_for(rep)
    response = client.get(reverse("accounts:notification_open", args=[item.pk]))
    assert response.status_code == 302 and response.url == "/inbox/42/"
    item.refresh_from_db()
    assert item.read_at is not None
    away = notice(rep, "Odd", link="//evil.example/phish")
    assert client.get(reverse("accounts:notification_open", args=[away.pk])).url == CENTRE
    theirs = notice(rep2, "Theirs")
    assert client.get(reverse("accounts:notification_open", args=[theirs.pk])).status_code == 404


def test_email_preferences_are_saved_from_the_account_page(client_for, marketer):
    client = client_for(marketer)
    page = client.get(ACCOUNT).text
    assert "Sales accepted your hand-off: also by e-mail" in page
    assert page.count('name="email"') == len(Notification.Kind.choices)
    wanted = [k for k in Notification.Kind.values if k not in ("lead_accepted", "sla_at_risk")]
    response = client.post(ACCOUNT, {"action": "notifications", "email": wanted}, follow=True)
    assert "Your notification settings are saved." in [str(m) for m in response.context["messages"]]
    stored = dict(NotificationPreference.objects.filter(member=marketer).values_list("kind", "email"))
    assert stored == {"lead_accepted": False, "sla_at_risk": False}
    assert 'value="lead_accepted" id="email-lead_accepted">' in response.text
    client.post(ACCOUNT, {"action": "notifications", "email": Notification.Kind.values})
    assert set(NotificationPreference.objects.filter(member=marketer).values_list("email", flat=True)) == {True}


def test_a_rep_marks_themselves_away_on_the_account_page(client_for, rep, marketer):
    client = client_for(rep)
    assert "I am away" in client.get(ACCOUNT).text
    response = client.post(ACCOUNT, {"action": "availability", "is_away": "on"}, follow=True)
    assert "You are marked away" in next(str(m) for m in response.context["messages"])
    rep.refresh_from_db()
    assert rep.is_away is True
    client.post(ACCOUNT, {"action": "availability"})
    rep.refresh_from_db()
    assert rep.is_away is False
    assert "I am away" not in client_for(marketer).get(ACCOUNT).text


def test_the_notification_centre_needs_a_signed_in_member(client):
    assert client.get(CENTRE).status_code == 302 and client.get(BELL).status_code == 302
