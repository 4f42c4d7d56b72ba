"""What a cohort's completion is judged on, gathered from the other packages' services in a
few set-based queries (never one per trainee), so a 300-person cohort costs the same handful
of round trips as a 3-person one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.lms.models import ClassSession
from server.lms.surveys import service as surveys
from server.polls import voting
from server.rooms import service as rooms
from server.rooms.attendance import Interval, intervals
from server.xapi import service as xapi


@dataclass
class PollFigures:
    answered: int = 0
    score: int = 0


@dataclass
class Evidence:
    """The records of one cohort, as completion reads them."""

    sessions: list[ClassSession]
    #: per class session, per person: presence intervals (grace bridged, devices united)
    presence: dict[int, dict[int, list[Interval]]]
    breakout_held: int
    breakout_rounds: dict[int, int]
    named_polls: int
    polls: dict[int, PollFigures]
    surveys_held: int
    surveys_submitted: dict[int, int]
    elearning: dict[int, float | None]
    names: dict[int, str] = field(default_factory=dict)


async def attendance(
    session: AsyncSession, sessions: list[ClassSession], grace: timedelta, now: datetime
) -> dict[int, dict[int, list[Interval]]]:
    """Each live session's intervals per person, from its attendance events (one query)."""
    marks = await rooms.attendance_marks_of(session, [s.id for s in sessions if s.live])
    return {cs: intervals(m, grace, now) for cs, m in marks.items()}


async def poll_participation(
    session: AsyncSession, sessions: list[ClassSession]
) -> tuple[int, dict[int, PollFigures]]:
    """The named polls launched in these sessions, and per person how many they answered and
    their quiz points (server.polls.voting.participation, a few queries per session)."""
    named = 0
    figures: dict[int, PollFigures] = defaultdict(PollFigures)
    for class_session in sessions:
        runs = await voting.runs_of(session, class_session.id)
        if not any(not r.anonymous for r in runs):
            continue
        named += sum(1 for r in runs if not r.anonymous)
        for user_id, mine in (await voting.participation(session, class_session.id)).items():
            figures[user_id].answered += int(mine["answered"])
            figures[user_id].score += int(mine["score"])
    return named, dict(figures)


async def elearning_progress(
    session: AsyncSession, course_id: int, user_ids: list[int]
) -> dict[int, float | None]:
    """Each trainee's e-learning progress in percent, from the xAPI statements the e-learning
    content sent (``server.xapi``); completed counts as 100. A trainee with no statement is
    unknown (None), never 0%."""
    found = await xapi.elearning_progress(session, course_id, user_ids)
    percent: dict[int, float | None] = dict.fromkeys(user_ids)
    for user_id, standing in found.items():
        if standing.completed:
            percent[user_id] = 100.0
        elif standing.progress is not None:
            percent[user_id] = round(standing.progress * 100, 1)
    return percent


async def gather(
    session: AsyncSession, course_id: int, cohort_id: int, sessions: list[ClassSession],
    trainees: list[int], grace: timedelta, now: datetime,
) -> Evidence:  # fmt: skip
    """Everything the rule may ask about, for the sessions held so far."""
    held = [s for s in sessions if s.starts_at <= now]
    ids = [s.id for s in held]
    breakout_held, breakout_rounds = await rooms.breakout_rounds_joined(session, ids)
    named_polls, polls = await poll_participation(session, held)
    survey_ids = await surveys.satisfaction_surveys_of(session, cohort_id)
    submitted = await surveys.submitters(session, survey_ids)
    counts: dict[int, int] = defaultdict(int)
    for users in submitted.values():
        for user_id in users:
            counts[user_id] += 1
    return Evidence(
        sessions=sessions,
        presence=await attendance(session, held, grace, now),
        breakout_held=breakout_held,
        breakout_rounds=breakout_rounds,
        named_polls=named_polls,
        polls=polls,
        surveys_held=len(survey_ids),
        surveys_submitted=dict(counts),
        elearning=await elearning_progress(session, course_id, trainees),
    )
