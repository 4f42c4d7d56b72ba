"""Attendance intervals, derived from the append-only attendance events. Pure functions.

Rules (design.md, "Attendance"):
- a person is present from a join or resume until a leave, drop or removal of that same
  device (``client_id``), or until the class ends;
- a person on two devices at once is present once: the devices' segments are united;
- a drop followed by the person's return (on any device) within the reconnect grace is one
  interval: the gap is bridged and the drop is not a dropout;
- a drop not followed by a return within the grace ends the interval: that is a dropout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.rooms.models import AttendanceKind

STARTS = {AttendanceKind.JOIN, AttendanceKind.RESUME}
ENDS = {AttendanceKind.LEAVE, AttendanceKind.DROP, AttendanceKind.REMOVED}


@dataclass(frozen=True)
class Mark:
    """One attendance event as the derivation needs it."""

    user_id: int | None
    kind: AttendanceKind
    at: datetime
    client_id: str | None = None


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    ended_by: AttendanceKind | None  # None: still present when derived
    bridged_drops: int = 0  # drops within this interval that were resumed in time

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def intervals(
    marks: Iterable[Mark], grace: timedelta, until: datetime
) -> dict[int, list[Interval]]:
    """Each person's presence intervals; open ones end at ``until`` with ``ended_by=None``."""
    ordered = sorted(marks, key=lambda m: m.at)
    segments: dict[int, list[Interval]] = defaultdict(list)
    open_since: dict[tuple[int, str], datetime] = {}
    for mark in ordered:
        if mark.kind == AttendanceKind.CLASS_END:
            for (user_id, _), start in open_since.items():
                segments[user_id].append(Interval(start, mark.at, AttendanceKind.CLASS_END))
            open_since.clear()
            continue
        if mark.user_id is None:
            continue
        key = (mark.user_id, mark.client_id or "")
        if mark.kind in STARTS:
            open_since.setdefault(key, mark.at)
        elif mark.kind in ENDS and key in open_since:
            segments[mark.user_id].append(Interval(open_since.pop(key), mark.at, mark.kind))
    for (user_id, _), start in open_since.items():
        segments[user_id].append(Interval(start, max(start, until), None))
    return {user_id: _unite(parts, grace) for user_id, parts in segments.items()}


def _unite(parts: list[Interval], grace: timedelta) -> list[Interval]:
    merged: list[Interval] = []
    for part in sorted(parts, key=lambda p: p.start):
        if merged and _continues(merged[-1], part, grace):
            last = merged[-1]
            bridged = last.bridged_drops + part.bridged_drops
            if part.start > last.end and last.ended_by == AttendanceKind.DROP:
                bridged += 1
            ended_by = _later_end(last, part)
            merged[-1] = Interval(last.start, max(last.end, part.end), ended_by, bridged)
        else:
            merged.append(part)
    return merged


def _later_end(a: Interval, b: Interval) -> AttendanceKind | None:
    """How a united interval ends: as the part that ends last (still present wins a tie)."""
    if a.end != b.end:
        return a.ended_by if a.end > b.end else b.ended_by
    return None if None in (a.ended_by, b.ended_by) else b.ended_by


def _continues(last: Interval, nxt: Interval, grace: timedelta) -> bool:
    if nxt.start <= last.end:
        return True  # overlapping devices, or back at the same second
    return last.ended_by == AttendanceKind.DROP and nxt.start - last.end <= grace


def present_seconds(parts: Iterable[Interval], window_start: datetime, window_end: datetime) -> int:
    """Whole seconds present within the window (e.g. the scheduled class time)."""
    total = 0.0
    for part in parts:
        start, end = max(part.start, window_start), min(part.end, window_end)
        if end > start:
            total += (end - start).total_seconds()
    return int(total)


def dropouts(parts: Iterable[Interval]) -> int:
    """Drops that were not resumed within the grace."""
    return sum(1 for p in parts if p.ended_by == AttendanceKind.DROP)
