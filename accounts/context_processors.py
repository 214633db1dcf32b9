from functools import partial

from django.http import HttpRequest

from accounts.navigation import navigation_cards, navigation_menu


def navigation(request: HttpRequest) -> dict:
    member = getattr(request, "member", None)
    if member is None:
        return {"member": None}
    return {
        "member": member,
        # Callables, which templates call when they use them: most pages show only the menu.
        "nav_cards": partial(navigation_cards, member),
        "nav_menu": partial(navigation_menu, member, request.path),
        "other_memberships": [m for m in getattr(request, "memberships", []) if m.pk != member.pk],
    }
