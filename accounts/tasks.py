from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5)
def send_notification_email_task(notification_id: int) -> bool:
    from accounts.services.notifications import send_notification_email

    return send_notification_email(notification_id=notification_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5)
def send_notification_emails_task(notification_ids: list[int]) -> int:
    from accounts.services.notifications import send_notification_email

    return sum(send_notification_email(notification_id=notification_id) for notification_id in notification_ids)


@shared_task(acks_late=True)
def sweep_notification_emails_task() -> int:
    from accounts.services.notifications import resend_unsent_emails

    return resend_unsent_emails()
