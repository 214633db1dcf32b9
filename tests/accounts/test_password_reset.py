import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password_reset")


def test_member_resets_a_forgotten_password_with_the_mailed_link(marketer):
    response = Client().post(RESET, {"email": marketer.email}, follow=True)
    assert "If that address has an account" in response.text
    path = re.search(r"/accounts/password-reset/[^\s]+/", mail.outbox[0].body).group(0)
    client = Client()
    assert client.post(path, {"password": "brand new passphrase"}).status_code == 302
    assert (
        client.post(
            reverse("accounts:login"), {"email": marketer.email, "password": "brand new passphrase"}
        ).status_code
        == 302
    )
    assert Client().get(path).status_code == 400  # used once
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET, actor=marketer.user).exists()


def test_unknown_address_gets_the_same_answer_and_no_mail(db):
    response = Client().post(RESET, {"email": "ghost@nowhere.test"}, follow=True)
    assert "If that address has an account" in response.text
    assert mail.outbox == []


def test_a_forged_link_is_refused(marketer):
    assert Client().get(reverse("accounts:password_reset_confirm", args=["MQ", "bad-token"])).status_code == 400
    assert Client().get(reverse("accounts:password_reset_confirm", args=["!!", "bad-token"])).status_code == 400


def test_changing_the_password_signs_out_other_sessions(client_for, marketer):
    other_device = client_for(marketer)
    this_device = client_for(marketer)
    response = this_device.post(
        reverse("accounts:account"),
        {
            "action": "password",
            "current_password": "correct horse battery staple",
            "new_password": "another good passphrase",
        },
    )
    assert response.status_code == 302
    assert this_device.get(reverse("home")).status_code == 200
    assert other_device.get(reverse("home")).status_code == 302


def test_wrong_current_password_changes_nothing(client_for, marketer):
    response = client_for(marketer).post(
        reverse("accounts:account"),
        {"action": "password", "current_password": "nope", "new_password": "another good passphrase"},
    )
    assert "not your current password" in response.text
    marketer.user.refresh_from_db()
    assert marketer.user.check_password("correct horse battery staple")
