"""The one way to start background work from a request or a service."""

import logging

from celery import Task
from django.db import transaction

from smarketing.outage import Pause

logger = logging.getLogger(__name__)
# Every task's work is recorded in PostgreSQL and found again by a sweeper (smarketing/celery.py),
# so while the broker is known to be down the message is not worth a request's time.
broker_pause = Pause(seconds=5)


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send the task once the surrounding transaction commits; never before, never fail the caller.

    If the broker is down, the enqueue gives up after the bounded timeouts and retries in settings
    and is only logged; for a few seconds after that, enqueues are skipped without trying. Every
    task's work is also recorded in PostgreSQL, where a periodic sweeper finds it.
    """

    def send() -> None:
        if broker_pause.active:
            logger.warning("broker down a moment ago: %s left to its sweeper", task.name)
            return
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            broker_pause.failed()
            logger.warning("could not enqueue %s; a sweeper will pick the work up", task.name, exc_info=True)

    transaction.on_commit(send)
