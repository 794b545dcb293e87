"""The window's room checks, run off the main thread: :class:`RoomCheckRunner`.

The check itself (:mod:`ketaroom.session.room_check`, the injected ``DeviceSetup.check_room``)
blocks for seconds: here it runs on a worker thread and its result comes back through
``post`` to the main thread. One check at a time: a check asked for while one is under way
follows it (the room may have changed since it began). The admin's power-on fix runs the
same way. The latest result says whether Start must wait (:meth:`RoomCheckRunner.start_blocker`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketaroom.core.room_check import Check, RoomCheckResult
    from ketaroom.session.device_setup import DeviceSetup
    from ketaroom.session.room_check import RoomCheckRequest

Post = Callable[[Callable[[], None]], None]


class RoomCheckRunner:
    """Runs the room check and the power-on fix on worker threads (see the module
    docstring). ``request`` says which room (read at each run, on the main thread);
    ``setup`` gives the checker and the fixer (read at each run: tests replace them)."""

    def __init__(self, post: Post, request: Callable[[], RoomCheckRequest],
                 setup: Callable[[], DeviceSetup]) -> None:
        self._post = post
        self._request = request
        self._setup = setup
        self.result: RoomCheckResult | None = None
        """The latest room check's result (``None`` before the first one ends)."""
        self._waiters: list[Callable[[RoomCheckResult], None]] | None = None
        """Called when the room check under way ends; ``None`` when none is under way."""
        self._next_waiters: list[Callable[[RoomCheckResult], None]] = []
        """Asked for while a check was under way: called when the check after it ends."""

    def check(self, on_done: Callable[[RoomCheckResult], None] | None = None) -> None:
        """Check the room on a worker thread; ``on_done`` gets the result on the main
        thread (and :attr:`result` holds it)."""
        waiter = on_done if on_done is not None else (lambda _result: None)
        if self._waiters is not None:
            self._next_waiters.append(waiter)
        else:
            self._start([waiter])

    def _start(self, waiters: list[Callable[[RoomCheckResult], None]]) -> None:
        self._waiters = waiters
        request, checker = self._request(), self._setup().check_room

        def work() -> None:
            result = checker(request)
            self._post(lambda: self._checked(result))

        threading.Thread(target=work, name="ketaroom-room-check", daemon=True).start()

    def _checked(self, result: RoomCheckResult) -> None:
        self.result = result
        waiters, self._waiters = self._waiters or [], None
        for waiter in waiters:
            waiter(result)
        following, self._next_waiters = self._next_waiters, []
        if following:
            self._start(following)

    def fix_power_on(self, on_done: Callable[[Check], None]) -> None:
        """Set the room's lights' power-on behaviour on a worker thread; ``on_done`` gets
        the ``fix`` check on the main thread."""
        request, fixer = self._request(), self._setup().fix_power_on

        def work() -> None:
            fixed = fixer(request)
            self._post(lambda: on_done(fixed))

        threading.Thread(target=work, name="ketaroom-power-on-fix", daemon=True).start()

    def start_blocker(self) -> str | None:
        """Why Start must wait, from the latest result: only what would make the session
        unsafe (an unreachable light, when the room's setting says it blocks)."""
        reachable = self.result.find("reachable") if self.result is not None else None
        if reachable is not None and reachable.status == "error":
            return reachable.message
        return None
