"""The main menu: each role's entries, the page's entry marked, whichever pages were shown before."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu_of(response) -> str:
    text = response.text
    return text[text.index('<ul class="navbar-nav me-auto') : text.index('<ul class="navbar-nav">')]


def test_each_role_sees_its_own_menu_whichever_role_was_shown_first(client_for, marketer, rep, admin):
    seen = {
        "marketer": (marketer, {"All leads"}, {"Inbox", "Members"}),
        "rep": (rep, {"Inbox"}, {"All leads", "Members"}),
        "admin": (admin, {"Members", "All leads"}, set()),
    }
    for role in ("admin", "marketer", "rep", "marketer", "admin", "rep"):
        member, shown, hidden = seen[role]
        menu = menu_of(client_for(member).get(reverse("home")))
        assert all(label in menu for label in shown) and not any(label in menu for label in hidden)


def test_the_menu_marks_the_entry_of_the_page_shown(client_for, marketer):
    client = client_for(marketer)
    home = menu_of(client.get(reverse("home")))
    leads = menu_of(client.get(reverse("leads:list")))
    qualified = menu_of(client.get(reverse("leads:qualified")))
    assert f'active" href="{reverse("home")}" aria-current="page"' in home
    assert f'active" href="{reverse("leads:list")}"' in leads and "aria-current" not in leads
    assert f'active" href="{reverse("leads:qualified")}"' in qualified
    assert f'active" href="{reverse("leads:list")}"' not in qualified


def test_the_home_page_offers_a_card_for_each_entry_of_the_menu(client_for, rep):
    response = client_for(rep).get(reverse("home"))
    assert reverse("leads:inbox") in response.text.split("<main>", 1)[1]
    assert f'href="{reverse("leads:list")}"' not in response.text
