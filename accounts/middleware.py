from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone

from accounts.selectors import current_membership, memberships_of

SESSION_ORG_KEY = "org_id"


class CurrentMemberMiddleware:
    """Sets `request.member` for a signed-in user, and the org's time zone for pages.

    The membership is read on every request, so deactivating a member ends their session at once.
    API calls with a token get their member from the token authentication instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.member = None
        request.memberships = []
        user = request.user
        if user.is_authenticated:
            # Read with the user by accounts.backends.MemberBackend, else (other backends) here.
            read = getattr(user, "memberships_at_sign_in", None)
            request.memberships = read if read is not None else memberships_of(user)
            request.member = current_membership(
                user=user, org_id=request.session.get(SESSION_ORG_KEY), memberships=request.memberships
            )
            if request.member is None:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.warning(request, "Your access has ended. Ask an admin of your organization.")
                    return redirect("accounts:login")
        # Pages show the organization's local time; the API always speaks UTC.
        if request.member is not None and not request.path.startswith("/api/"):
            timezone.activate(request.member.org.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
