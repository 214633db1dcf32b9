"""E-mail from templates: templates/emails/<name>/{subject.txt, body.txt, body.html}."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_email(*, to: list[str], template: str, context: dict) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}/subject.txt", context, using="text").split())
    text = render_to_string(f"{template}/body.txt", context, using="text")
    html = render_to_string(f"emails/{template}/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to, connection=mailers.default)
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("sent %s e-mail to %d recipient(s)", template, len(to))
