"""Notices to members: in-app always, by e-mail when the member wants that kind by e-mail.

A notice with a dedupe key is inserted at most once (a unique index decides), so a retried or
doubled job never notifies twice. Re-engagement notices group a burst of touches into one.
"""

import json
import logging
from datetime import timedelta
from itertools import batched

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, Notification, NotificationPreference
from smarketing.mail import send_email
from smarketing.queue import enqueue_on_commit

logger = logging.getLogger(__name__)
BURST = timedelta(minutes=30)
# An e-mail job waits in the queue for seconds; a notice still unsent after this lost its job
# (the broker was down when it was sent, or the job gave up on the mail server).
EMAIL_LOST_AFTER = timedelta(minutes=2)
# Past a day the e-mail is old news: the member has the notice in the app.
EMAIL_WORTH_SENDING = timedelta(days=1)


def _wants_email(member: Membership, kind: str) -> bool:
    if member.user.is_integration or not member.is_active:
        return False
    preference = NotificationPreference.objects.filter(org_id=member.org_id, member=member, kind=kind).first()
    return preference.email if preference else True


def notify_many(notices: list[dict]) -> int:
    """Many notices in one go, each inserted at most once (by its dedupe_key), e-mails in one job.

    A notice is a dict of recipient (Membership), kind, title, body, link, lead_id and dedupe_key.
    Returns how many were new. For jobs that notify by the thousand (the SLA sweep).
    """
    if not notices:
        return 0
    recipients = {n["recipient"].pk: n["recipient"] for n in notices}
    no_mail = set(
        NotificationPreference.objects.filter(member_id__in=recipients, email=False).values_list("member_id", "kind")
    )
    rows = [
        {"org_id": n["recipient"].org_id, "recipient_id": n["recipient"].pk, "kind": n["kind"],
         "title": n["title"][:200], "body": n.get("body", ""), "link": n.get("link", ""), "lead_id": n.get("lead_id"),
         "dedupe_key": n["dedupe_key"][:200],
         "by_email": (n["recipient"].pk, n["kind"]) not in no_mail and not n["recipient"].user.is_integration}
        for n in notices
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_notification (org_id, recipient_id, kind, title, body, link, lead_id, count,
                created_at, updated_at, by_email, dedupe_key)
            SELECT org_id, recipient_id, kind, title, body, link, lead_id, 1, %s, %s, by_email, dedupe_key
            FROM jsonb_to_recordset(%s::jsonb) AS v(org_id bigint, recipient_id bigint, kind text, title text,
                body text, link text, lead_id bigint, dedupe_key text, by_email boolean)
            ON CONFLICT DO NOTHING
            RETURNING id, by_email
            """,
            [timezone.now(), timezone.now(), json.dumps(rows)],
        )
        made = cursor.fetchall()
    to_mail = [notice_id for notice_id, by_email in made if by_email]
    if to_mail:
        from accounts.tasks import send_notification_emails_task

        enqueue_on_commit(send_notification_emails_task, to_mail)
    return len(made)


def notify(
    *, recipient: Membership, kind: str, title: str, body: str = "", link: str = "", lead=None, dedupe_key: str = ""
) -> Notification | None:
    """Notify once. Returns the new notice, or None when one with this dedupe key exists already."""
    by_email = _wants_email(recipient, kind)
    try:
        with transaction.atomic():
            notice = Notification.objects.create(
                org_id=recipient.org_id, recipient=recipient, kind=kind, title=title[:200], body=body, link=link,
                lead=lead, dedupe_key=dedupe_key[:200], by_email=by_email,
            )  # fmt: skip
    except IntegrityError:
        return None
    if by_email:
        from accounts.tasks import send_notification_email_task

        enqueue_on_commit(send_notification_email_task, notice.pk)
    return notice


@transaction.atomic
def notify_reengagement(*, recipient: Membership, lead, title: str, body: str, link: str) -> Notification:
    """A lead engaged again: one notice per burst. Touches within half an hour of the last unread
    notice about the same lead join it (and its count) instead of mailing the rep again."""
    recent = (
        Notification.objects.select_for_update()
        .filter(
            org_id=recipient.org_id, recipient=recipient, lead=lead, kind=Notification.Kind.LEAD_REENGAGED,
            read_at__isnull=True, updated_at__gte=timezone.now() - BURST,
        )
        .first()
    )  # fmt: skip
    if recent is None:
        return notify(recipient=recipient, kind=Notification.Kind.LEAD_REENGAGED, title=title, body=body,
                      link=link, lead=lead)  # fmt: skip
    Notification.objects.filter(pk=recent.pk).update(count=F("count") + 1, body=body, updated_at=timezone.now())
    recent.refresh_from_db()
    return recent


def send_notification_email(*, notification_id: int) -> bool:
    """E-mail a notice once: claimed with a conditional UPDATE, so a retried job does not send twice."""
    claimed = Notification.objects.filter(pk=notification_id, by_email=True, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notice = Notification.objects.select_related("recipient__user", "org").get(pk=notification_id)
    try:
        send_email(
            to=[notice.recipient.user.email],
            template="notification",
            context={"title": notice.title, "body": notice.body, "link_path": notice.link, "org_name": notice.org.name,
                     "full_name": notice.recipient.user.full_name},
        )  # fmt: skip
    except Exception:
        # Give the claim back so the retry sends it; the error goes to the job's retry handling.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def resend_unsent_emails(*, limit: int = 2000) -> int:
    """Send again the e-mails of notices whose job was lost; each still goes out once (see the claim above)."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            by_email=True, emailed_at__isnull=True,
            created_at__lt=now - EMAIL_LOST_AFTER, created_at__gte=now - EMAIL_WORTH_SENDING,
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )  # fmt: skip
    from accounts.tasks import send_notification_emails_task

    for chunk in batched(ids, 100):
        enqueue_on_commit(send_notification_emails_task, list(chunk))
    if ids:
        logger.info("sent %d unsent notice e-mails to the workers again", len(ids))
    return len(ids)


def mark_notifications_read(*, member: Membership, ids: list[int] | None = None) -> int:
    """Mark some (or all) of the member's unread notices read; returns how many."""
    unread = Notification.objects.filter(org_id=member.org_id, recipient=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def set_email_preference(*, member: Membership, kind: str, email: bool) -> None:
    if kind not in Notification.Kind.values:
        from smarketing.errors import DomainError

        raise DomainError("Unknown kind of notice.")
    NotificationPreference.objects.update_or_create(
        org_id=member.org_id, member=member, kind=kind, defaults={"email": email}
    )
