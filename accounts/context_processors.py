from django.http import HttpRequest

from accounts.navigation import navigation_for


def navigation(request: HttpRequest) -> dict:
    member = getattr(request, "member", None)
    if member is None:
        return {"member": None}
    return {
        "member": member,
        "nav": navigation_for(member, request.path),
        "other_memberships": [m for m in getattr(request, "memberships", []) if m.pk != member.pk],
    }
