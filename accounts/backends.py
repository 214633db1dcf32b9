"""Signing in and staying signed in: Django's model backend and database sessions, each read with
less work, because every signed-in page view reads both."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.selectors import signed_in_memberships


class MemberBackend(ModelBackend):
    """ModelBackend whose `get_user` also reads the user's active memberships, in the same query.

    The membership middleware needs them on every page view; reading the user alone first cost a
    round trip and a query of its own. A user with no active membership is read as Django does.
    """

    def get_user(self, user_id) -> User | None:
        memberships = signed_in_memberships(user_id=user_id)
        if not memberships:
            return super().get_user(user_id)
        user = memberships[0].user
        # Read by accounts.middleware for this request only: later changes go through memberships_of().
        user.memberships_at_sign_in = memberships
        return user


class SessionStore(db.SessionStore):
    """Database sessions, loaded by one plain query instead of the ORM's get()."""

    def load(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])
