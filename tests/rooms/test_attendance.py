"""Attendance intervals from events: exact to the second, reconnects bridged within the grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.rooms.attendance import Mark, dropouts, intervals, present_seconds
from server.rooms.models import AttendanceKind as K

T0 = datetime(2020, 10, 5, 0, 0, tzinfo=UTC)  # 09:00 in Seoul
GRACE = timedelta(seconds=120)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def derive(
    *marks: tuple[K, float] | tuple[K, float, str], until: float = 10_000
) -> list[tuple[float, float, K | None, int]]:
    """Intervals of user 1 as (start s, end s, ended_by, bridged drops)."""
    events = [Mark(1, kind, at(t), rest[0] if rest else "phone") for kind, t, *rest in marks]
    got = intervals(events, GRACE, at(until)).get(1, [])
    return [
        ((i.start - T0).total_seconds(), (i.end - T0).total_seconds(), i.ended_by, i.bridged_drops)
        for i in got
    ]


def test_join_then_leave_is_one_interval() -> None:
    assert derive((K.JOIN, 0), (K.LEAVE, 3600)) == [(0, 3600, K.LEAVE, 0)]


@pytest.mark.parametrize("gap", [1, 60, 119, 120])
def test_a_drop_resumed_within_the_grace_is_one_interval(gap: int) -> None:
    got = derive((K.JOIN, 0), (K.DROP, 600), (K.RESUME, 600 + gap), (K.LEAVE, 3600))
    assert got == [(0, 3600, K.LEAVE, 1)]


@pytest.mark.parametrize("gap", [121, 300, 3000])
def test_a_drop_resumed_after_the_grace_is_a_dropout(gap: int) -> None:
    got = derive((K.JOIN, 0), (K.DROP, 600), (K.JOIN, 600 + gap), (K.LEAVE, 3650 + gap))
    assert got == [(0, 600, K.DROP, 0), (600 + gap, 3650 + gap, K.LEAVE, 0)]
    events = [Mark(1, K.JOIN, at(0)), Mark(1, K.DROP, at(600))]
    assert dropouts(intervals(events, GRACE, at(600 + gap))[1]) == 1


def test_a_drop_still_within_the_grace_is_not_yet_a_dropout_nor_present_time() -> None:
    got = derive((K.JOIN, 0), (K.DROP, 600), until=650)
    assert got == [(0, 600, K.DROP, 0)]


def test_a_leave_is_not_bridged_even_if_they_come_back_quickly() -> None:
    got = derive((K.JOIN, 0), (K.LEAVE, 600), (K.JOIN, 610), (K.LEAVE, 700))
    assert got == [(0, 600, K.LEAVE, 0), (610, 700, K.LEAVE, 0)]


def test_two_devices_at_once_count_once() -> None:
    got = derive(
        (K.JOIN, 0, "pc"),
        (K.JOIN, 100, "phone"),
        (K.LEAVE, 200, "pc"),
        (K.LEAVE, 900, "phone"),
    )
    assert got == [(0, 900, K.LEAVE, 0)]


def test_a_drop_on_one_device_resumed_on_another_is_bridged() -> None:
    got = derive((K.JOIN, 0, "phone"), (K.DROP, 300, "phone"), (K.JOIN, 330, "pc"))
    assert got == [(0, 10_000, None, 1)]


def test_the_class_end_closes_every_open_interval() -> None:
    events = [
        Mark(1, K.JOIN, at(0), "a"),
        Mark(2, K.JOIN, at(50), "b"),
        Mark(None, K.CLASS_END, at(7 * 3600)),
    ]
    got = intervals(events, GRACE, at(9 * 3600))
    assert [(i.end, i.ended_by) for i in got[1]] == [(at(7 * 3600), K.CLASS_END)]
    assert [(i.end, i.ended_by) for i in got[2]] == [(at(7 * 3600), K.CLASS_END)]


def test_removed_ends_the_interval() -> None:
    assert derive((K.JOIN, 0), (K.REMOVED, 42)) == [(0, 42, K.REMOVED, 0)]


def test_present_seconds_counts_only_the_window() -> None:
    events = [Mark(1, K.JOIN, at(-600)), Mark(1, K.DROP, at(1000)), Mark(1, K.RESUME, at(1100))]
    parts = intervals(events, GRACE, at(5000))[1]
    assert present_seconds(parts, at(0), at(3600)) == 3600
    assert present_seconds(parts, at(3000), at(4000)) == 1000
