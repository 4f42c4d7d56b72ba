"""Time, injected: the app reads it from ``app[CLOCK]`` so tests can move it by hand."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def wire_time(moment: datetime) -> str:
    """An instant as every API answer and socket message writes it: ISO 8601 in UTC with
    ``Z``, as pydantic writes the models' times, so one instant is always one string."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; for durations and TTLs."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told; monotonic time moves with it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2020, 10, 5, 0, 0, tzinfo=UTC)
        self._mono = 1_000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs an aware datetime")
        self.advance((when - self._now).total_seconds())
