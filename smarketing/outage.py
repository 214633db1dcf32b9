"""Remembering, in each process, that Redis just failed, so that requests stop waiting on it."""

import time


class Pause:
    """After a failure, a dependency is left alone for `seconds`.

    A Redis that is stopped refuses at once, but one that hangs (blocked, or cut off by the network)
    costs each call its whole socket timeout. With the pause, one call in a few seconds pays it
    instead of every request, which keeps the web server's threads free during the outage; the first
    call after the pause tries again, so a Redis that is back is used again within seconds.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._until = 0.0

    @property
    def active(self) -> bool:
        return time.monotonic() < self._until

    def failed(self) -> None:
        self._until = time.monotonic() + self.seconds
