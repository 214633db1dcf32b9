from datetime import date, time

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Holiday

pytestmark = pytest.mark.django_db
SETTINGS = reverse("accounts:settings")


def settings_form(**overrides) -> dict:
    data = {
        "name": "Acme Europe",
        "time_zone": "America/New_York",
        "business_days": ["0", "1", "2", "3"],
        "business_day_start": "08:30",
        "business_day_end": "16:00",
        "holiday_country": "US",
    }
    return data | overrides


def test_admin_sets_time_zone_hours_and_holiday_country(client_for, admin):
    response = client_for(admin).post(SETTINGS, settings_form())
    assert response.status_code == 302
    org = admin.org
    org.refresh_from_db()
    assert (org.name, org.time_zone, org.business_days) == ("Acme Europe", "America/New_York", [0, 1, 2, 3])
    assert (org.business_day_start, org.business_day_end, org.holiday_country) == (time(8, 30), time(16), "US")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ORG_SETTINGS_CHANGED)
    assert event.details["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("business_day_end", "08:00", "must end after it starts"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
        ("business_days", [], "This field is required"),
        ("holiday_country", "XX", "Select a valid choice"),
    ],
)
def test_invalid_settings_show_the_reason_and_change_nothing(client_for, admin, field, value, message):
    response = client_for(admin).post(SETTINGS, settings_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.text
    admin.org.refresh_from_db()
    assert admin.org.time_zone == "Europe/Berlin"


def test_pages_show_times_in_the_org_time_zone(client_for, admin):
    client_for(admin).post(SETTINGS, settings_form(time_zone="Asia/Tokyo"))
    AuditEvent.objects.create(org=admin.org, kind=AuditEvent.Kind.LOGGED_OUT, at="2026-01-01T00:00:00Z")
    assert "1 Jan 2026, 09:00:00" in client_for(admin).get(reverse("accounts:audit_log")).text


def test_holidays_are_added_and_removed_in_place_with_htmx(client_for, admin):
    client = client_for(admin)
    added = client.post(
        reverse("accounts:holiday_add"), {"date": "2026-12-31", "name": "Year-end"}, headers={"HX-Request": "true"}
    )
    assert added.status_code == 200
    assert "<html" not in added.text and "Year-end" in added.text
    holiday = Holiday.objects.get(org=admin.org)
    assert holiday.date == date(2026, 12, 31)
    again = client.post(
        reverse("accounts:holiday_add"), {"date": "2026-12-31", "name": "Twice"}, headers={"HX-Request": "true"}
    )
    assert "already a holiday" in again.text
    assert Holiday.objects.count() == 1
    client.post(reverse("accounts:holiday_delete", args=[holiday.pk]), headers={"HX-Request": "true"})
    assert not Holiday.objects.exists()
