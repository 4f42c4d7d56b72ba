"""The generic cell rate algorithm, shared by both live-state backends.

One number per key (the theoretical arrival time, TAT) is enough to allow ``limit`` events
per ``period`` with bursts up to ``limit``, and to say exactly when to retry.
"""

from __future__ import annotations

from server.core.live.base import RateDecision


def gcra(tat: float | None, now: float, limit: int, period: float) -> tuple[float, RateDecision]:
    """Return the new TAT and the decision for one event at ``now`` (seconds)."""
    interval = period / limit
    new_tat = max(tat if tat is not None else now, now) + interval
    allow_at = new_tat - period
    if now < allow_at:
        return (tat if tat is not None else now), RateDecision(False, allow_at - now, 0)
    remaining = int((period - (new_tat - now)) / interval + 1e-9)
    return new_tat, RateDecision(True, 0.0, remaining)
