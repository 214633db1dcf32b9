"""The one way to start background work from a request or a service."""

import logging

import redis
from celery import Task
from django.conf import settings
from django.db import transaction

from smarketing.outage import Pause

logger = logging.getLogger(__name__)
# Every task's work is recorded in PostgreSQL and found again by a sweeper (smarketing/celery.py),
# so while the broker is known to be down the message is not worth a request's time.
broker_pause = Pause(seconds=5)
# Once the waiting marks could not be read, every enqueue is sent for a few seconds without asking.
waiting_pause = Pause(seconds=5)
# A mark outlives its message by this much at most: if the message is lost, senders go back to
# sending after this long (the sweeper finds the work in any case).
WAITING_FOR = 30
# Tests give each test its own marks (tests/conftest.py): the broker's Redis is shared.
waiting_prefix = "smarketing:waiting"
_waiting_store: list[redis.Redis | None] = []


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send the task once the surrounding transaction commits; never before, never fail the caller.

    If the broker is down, the enqueue gives up after the bounded timeouts and retries in settings
    and is only logged; for a few seconds after that, enqueues are skipped without trying. Every
    task's work is also recorded in PostgreSQL, where a periodic sweeper finds it.
    """
    transaction.on_commit(lambda: _send(task, args, kwargs, waiting=None))


def enqueue_once_on_commit(task: Task, *args, waiting: str) -> None:
    """Like enqueue_on_commit, unless a message for the same `waiting` key is queued and not started.

    For a job that drains whatever work is recorded for the key: a second message while the first
    has not started would find nothing more to do. The job calls `job_started(waiting)` before it
    reads its work, so anything committed before that is seen by it, and anything committed after
    is sent a job of its own. If the marks cannot be read (Redis down), the task is sent.
    """
    transaction.on_commit(lambda: _send(task, args, {}, waiting=waiting))


def job_started(waiting: str) -> None:
    """Called by a job before it reads its work: what commits from now on sends a new job."""
    # Tried even during a pause: a mark left behind would keep the next batches from sending.
    _forget_waiting(waiting)


def _forget_waiting(waiting: str) -> None:
    store = _store()
    if store is None:
        return
    try:
        store.delete(f"{waiting_prefix}:{waiting}")
    except redis.RedisError:
        # The mark expires on its own; until then senders rely on the job already queued or the sweeper.
        waiting_pause.failed()
        logger.warning("could not clear the waiting mark %s", waiting, exc_info=True)


def _send(task: Task, args: tuple, kwargs: dict, *, waiting: str | None) -> None:
    if broker_pause.active:
        logger.warning("broker down a moment ago: %s left to its sweeper", task.name)
        return
    if waiting is not None and not _first_to_wait(waiting):
        return
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:
        broker_pause.failed()
        logger.warning("could not enqueue %s; a sweeper will pick the work up", task.name, exc_info=True)
        if waiting is not None and not waiting_pause.active:
            # No message is waiting after all: the next sender must try again.
            _forget_waiting(waiting)


def _first_to_wait(waiting: str) -> bool:
    """Marks a message as waiting for the key; False if one was marked and has not started yet."""
    store = _store()
    if store is None or waiting_pause.active:
        return True
    try:
        return bool(store.set(f"{waiting_prefix}:{waiting}", 1, nx=True, ex=WAITING_FOR))
    except redis.RedisError:
        waiting_pause.failed()
        logger.warning("waiting marks unreachable; sending %s anyway", waiting, exc_info=True)
        return True


def _store() -> redis.Redis | None:
    # The marks live beside the messages they describe, in the broker's Redis: one emptied or lost
    # with the other. Another broker (filesystem://, in development) has no marks: every job is sent.
    # One client per process (its pool reconnects after a fork), as bounded in time as the broker.
    if not _waiting_store:
        url = settings.CELERY_BROKER_URL
        is_redis = url.startswith(("redis://", "rediss://", "unix://"))
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5) if is_redis else None
        _waiting_store.append(client)
    return _waiting_store[0]
