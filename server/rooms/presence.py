"""Who is in a class right now, kept in live state so every node sees the same class.

One entry per person (``class:{id}``, member = user id): a person who reconnects, or joins from
a second device, updates their entry instead of appearing twice. A dropped person keeps their
entry, marked ``reconnecting``, for the reconnect grace, so they come back to their place in
the hand queue; ``expire_dropped`` removes those whose grace has run out.
Class-wide switches (locked, spotlight) and the list of removed people live beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.core.live import LiveState

PRESENT = "present"
RECONNECTING = "reconnecting"


def _space(class_session_id: int) -> str:
    return f"class:{class_session_id}"


def _flags(class_session_id: int) -> str:
    return f"class-flags:{class_session_id}"


def _removed(class_session_id: int) -> str:
    return f"class-removed:{class_session_id}"


@dataclass(frozen=True)
class Entry:
    user_id: int
    name: str
    role: str
    device_class: str
    client_id: str
    sid: str
    node: str
    status: str
    since: datetime
    dropped_at: datetime | None
    hand_raised_at: datetime | None
    mic: bool
    cam: bool
    connection: str | None
    group_id: int | None  # the breakout group they are in now (None: the main room)
    visiting: bool  # staff looking into a group, not its member
    help_at: datetime | None  # when they called for help from their group

    @classmethod
    def parse(cls, user_id: str, f: dict[str, str]) -> Entry:
        return cls(
            user_id=int(user_id),
            name=f.get("name", ""),
            role=f.get("role", "trainee"),
            device_class=f.get("device_class", "unknown"),
            client_id=f.get("client_id", ""),
            sid=f.get("sid", ""),
            node=f.get("node", ""),
            status=f.get("status", PRESENT),
            since=datetime.fromisoformat(f["since"]),
            dropped_at=_time(f.get("dropped_at")),
            hand_raised_at=_time(f.get("hand")),
            mic=f.get("mic") == "1",
            cam=f.get("cam") == "1",
            connection=f.get("connection") or None,
            group_id=int(f["group"]) if f.get("group") else None,
            visiting=f.get("visiting") == "1",
            help_at=_time(f.get("help")),
        )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def enter(
    live: LiveState,
    class_session_id: int,
    user_id: int,
    *,
    name: str,
    role: str,
    device_class: str,
    client_id: str,
    sid: str,
    node: str,
    now: datetime,
) -> Entry | None:
    """Put the person in (or back in) the class; returns their previous entry, if any."""
    previous = await get(live, class_session_id, user_id)
    fields = {
        "name": name, "role": role, "device_class": device_class, "client_id": client_id,
        "sid": sid, "node": node, "status": PRESENT, "dropped_at": "",
        "since": previous.since.isoformat() if previous else now.isoformat(),
    }  # fmt: skip
    if previous is None:
        fields |= {"hand": "", "mic": "0", "cam": "0"}
    await live.presence_set(_space(class_session_id), str(user_id), fields)
    return previous


async def get(live: LiveState, class_session_id: int, user_id: int) -> Entry | None:
    fields = await live.presence_get(_space(class_session_id), str(user_id))
    return Entry.parse(str(user_id), fields) if fields else None


async def mark_dropped(
    live: LiveState, class_session_id: int, user_id: int, sid: str, now: datetime
) -> bool:
    """Only if this socket is still the person's current one (not an older device's)."""
    entry = await get(live, class_session_id, user_id)
    if entry is None or entry.sid != sid:
        return False
    await live.presence_set(
        _space(class_session_id),
        str(user_id),
        {"status": RECONNECTING, "dropped_at": now.isoformat()},
    )
    return True


async def leave(live: LiveState, class_session_id: int, user_id: int, sid: str | None) -> bool:
    """Remove the person; with ``sid``, only if that socket is still their current one."""
    if sid is not None:
        entry = await get(live, class_session_id, user_id)
        if entry is None or entry.sid != sid:
            return False
    return await live.presence_remove(_space(class_session_id), str(user_id))


async def everyone(live: LiveState, class_session_id: int) -> list[Entry]:
    members = await live.presence_members(_space(class_session_id))
    entries = [Entry.parse(user_id, fields) for user_id, fields in members.items()]
    return sorted(entries, key=lambda e: (e.since, e.user_id))


async def count(live: LiveState, class_session_id: int) -> int:
    """People in the class, connected or reconnecting (they keep their place while away)."""
    return await live.presence_count(_space(class_session_id))


async def expire_dropped(
    live: LiveState, class_session_id: int, now: datetime, grace: timedelta
) -> list[Entry]:
    """Remove people whose reconnect grace has run out; returns them."""
    expired = [
        e
        for e in await everyone(live, class_session_id)
        if e.status == RECONNECTING and e.dropped_at is not None and now - e.dropped_at > grace
    ]
    for entry in expired:
        await live.presence_remove(_space(class_session_id), str(entry.user_id))
    return expired


async def update(
    live: LiveState, class_session_id: int, user_id: int, fields: dict[str, str]
) -> Entry | None:
    if await get(live, class_session_id, user_id) is None:
        return None
    await live.presence_set(_space(class_session_id), str(user_id), fields)
    return await get(live, class_session_id, user_id)


async def rooms(live: LiveState, class_session_id: int) -> dict[int, int]:
    """Who is in which breakout group now (the main room's people are left out)."""
    return {e.user_id: e.group_id for e in await everyone(live, class_session_id) if e.group_id}


async def heard_everywhere(live: LiveState, class_session_id: int) -> set[int]:
    """Whose voice reaches every breakout group (an instructor speaking to all of them)."""
    members = await live.presence_members(_space(class_session_id))
    return {int(user) for user, fields in members.items() if fields.get("everywhere") == "1"}


def help_queue(entries: list[Entry]) -> list[dict[str, object]]:
    """Help calls from groups, oldest first."""
    calls = sorted(
        (e for e in entries if e.help_at is not None), key=lambda e: e.help_at or e.since
    )
    return [{"user_id": e.user_id, "group_id": e.group_id, "at": e.help_at} for e in calls]


def hand_queue(entries: list[Entry]) -> list[int]:
    """Raised hands in the order they were raised."""
    raised = [e for e in entries if e.hand_raised_at is not None]
    return [e.user_id for e in sorted(raised, key=lambda e: (e.hand_raised_at, e.user_id))]


async def flags(live: LiveState, class_session_id: int) -> dict[str, str]:
    return (await live.presence_members(_flags(class_session_id))).get("flags", {})


async def set_flags(live: LiveState, class_session_id: int, values: dict[str, str]) -> None:
    await live.presence_set(_flags(class_session_id), "flags", values)


async def mark_removed(live: LiveState, class_session_id: int, user_id: int, reason: str) -> None:
    await live.presence_set(_removed(class_session_id), str(user_id), {"reason": reason})


async def removal_reason(live: LiveState, class_session_id: int, user_id: int) -> str | None:
    removed = await live.presence_members(_removed(class_session_id))
    entry = removed.get(str(user_id))
    return entry.get("reason", "") if entry is not None else None
