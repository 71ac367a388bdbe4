"""`GET /healthz` within a fixed budget, whatever the database is doing.

The check (a trivial query) runs in its own thread, at most one at a time; a check that has not
answered within the budget counts as "database unavailable" (503) while it keeps running, and the
next request waits on the same check instead of piling up another. A stalled database can therefore
never hold a health request, nor eat a thread per request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)

HEALTH_BUDGET_SECONDS = 0.8  # monitors expect an answer within a second
HEALTH_CACHE_SECONDS = 1.0  # a burst of probes runs one query


class HealthProbe:
    def __init__(
        self,
        check: Callable[[], bool],
        *,
        budget: float = HEALTH_BUDGET_SECONDS,
        cache: float = HEALTH_CACHE_SECONDS,
    ) -> None:
        self._check = check
        self._budget = budget
        self._cache = cache
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dxbot-health")
        self._running: asyncio.Future[bool] | None = None
        self._last: tuple[float, bool] | None = None

    async def healthy(self) -> bool:
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self._cache:
            return self._last[1]
        if self._running is None or self._running.done():
            loop = asyncio.get_running_loop()
            self._running = asyncio.ensure_future(loop.run_in_executor(self._executor, self._safe_check))
            self._running.add_done_callback(self._remember)
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self._budget)
        except TimeoutError:
            logger.warning("health check: the database did not answer within %.1f s", self._budget)
            return False

    def _safe_check(self) -> bool:
        try:
            return bool(self._check())
        except Exception:  # a health check reports, it never fails the request
            logger.warning("health check failed", exc_info=True)
            return False

    def _remember(self, future: asyncio.Future[bool]) -> None:
        if not future.cancelled():
            self._last = (time.monotonic(), future.result())

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
