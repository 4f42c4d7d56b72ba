"""The rules of live Q&A: asking (named or anonymous), editing and withdrawing one's own
question, upvoting once, moderation (pre-approval, approve, reject, merge duplicates, mute a
pseudonym), replies and pinning. Plain async functions over a session; the caller passes the
asker's pseudonym (``secrets.Pseudonyms.tag``), never needed beside anonymous content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import get_or_404, insert_unless_taken
from server.core.errors import Problem
from server.polls import filters
from server.polls.models import MutedPseudonym, Question, QuestionVote
from server.polls.schemas import QuestionOut

PUBLISHED, PENDING, REJECTED, WITHDRAWN, MERGED = (
    "published", "pending", "rejected", "withdrawn", "merged",
)  # fmt: skip


@dataclass(frozen=True)
class Asker:
    """Who asks: their pseudonym always; their id and name only for a named question."""

    tag: str
    user_id: int
    name: str
    group_id: int | None


async def ask(
    session: AsyncSession, class_session_id: int, asker: Asker, text: str, *, anonymous: bool,
    premoderate: bool, request_key: str | None, now: datetime,
) -> tuple[Question, bool]:  # fmt: skip
    """A new question (or the one this request id already made: a retry). True if new.
    Flagged text (a phone number, a resident registration number, profanity) waits for
    approval whatever the moderation mode."""
    if await _muted(session, class_session_id, asker.tag):
        raise Problem("forbidden", "The instructor has paused your questions in this class.")
    if request_key is not None:
        earlier = await session.scalar(select(Question).where(
            Question.class_session_id == class_session_id, Question.author_tag == asker.tag,
            Question.request_key == request_key))  # fmt: skip
        if earlier is not None:
            return earlier, False
    found = filters.flags(text)
    question = Question(
        class_session_id=class_session_id, group_id=asker.group_id, author_tag=asker.tag,
        author_id=None if anonymous else asker.user_id,
        author_name=None if anonymous else asker.name, text=text,
        status=PENDING if premoderate or found else PUBLISHED, flags=found, votes=0,
        pinned=False, created_at=now, request_key=request_key, revision=1,
    )  # fmt: skip
    session.add(question)
    await session.flush()
    return question, True


async def _muted(session: AsyncSession, class_session_id: int, tag: str) -> bool:
    stmt = select(MutedPseudonym.id).where(
        MutedPseudonym.class_session_id == class_session_id, MutedPseudonym.tag == tag
    )
    return (await session.scalar(stmt)) is not None


async def get(session: AsyncSession, class_session_id: int, question_id: int) -> Question:
    question = await get_or_404(session, Question, question_id, "question")
    if question.class_session_id != class_session_id:
        raise Problem("not-found", f"No question {question_id} in this class.")
    return question


async def claim(session: AsyncSession, class_session_id: int, question_id: int) -> Question:
    """The question, held for a change the class will be told of, its ``revision`` moved on.

    The UPDATE comes before the read: it waits for any other change of the row (PostgreSQL's
    row lock, which votes take too; on SQLite it takes the one write lock, which other
    processes such as the CLI respect, beside the app's single pooled connection that already
    queues units of work). Reading after it, no change is made from a stale read, and no two
    broadcasts of one question carry the same revision (two moderators pressing "answered
    live" and "pin" at once each broadcast their own view: the page keeps the newer). Every
    claimed question must be broadcast; a refusal after it rolls the bump back."""
    bumped = await session.scalar(
        update(Question)
        .where(Question.id == question_id, Question.class_session_id == class_session_id)
        .values(revision=Question.revision + 1)
        .returning(Question.id)
        .execution_options(synchronize_session=False)
    )
    if bumped is None:
        raise Problem("not-found", f"No question {question_id} in this class.")
    return await _fresh(session, question_id)


async def claim_pair(
    session: AsyncSession, class_session_id: int, first_id: int, second_id: int
) -> tuple[Question, Question]:
    """Two questions claimed in id order, so two changes of the same pair (merges either way
    round) wait for each other instead of each holding one row the other needs."""
    if first_id == second_id:
        raise Problem("conflict", "Merge into another, published question.")
    held = {
        qid: await claim(session, class_session_id, qid) for qid in sorted((first_id, second_id))
    }
    return held[first_id], held[second_id]


async def _fresh(session: AsyncSession, question_id: int) -> Question:
    """The row as stored now, over whatever this session loaded before."""
    stmt = select(Question).where(Question.id == question_id)
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one()


def _own(question: Question, tag: str) -> None:
    if question.author_tag != tag:
        raise Problem("forbidden", "Only whoever asked it may change a question.")
    if question.status in (REJECTED, MERGED, WITHDRAWN):
        raise Problem("conflict", f"This question is {question.status}.")


async def edit(session: AsyncSession, question: Question, tag: str, text: str,
               *, premoderate: bool, now: datetime) -> Question:  # fmt: skip
    _own(question, tag)
    question.text, question.edited_at = text, now
    question.flags = filters.flags(text)
    if premoderate or question.flags:
        question.status = PENDING
    return question


async def withdraw(session: AsyncSession, question: Question, tag: str) -> Question:
    _own(question, tag)
    question.status, question.pinned = WITHDRAWN, False
    return question


async def vote(session: AsyncSession, question: Question, tag: str, up: bool) -> Question:
    """One upvote per person, which they may take back; the count is recounted, exact.
    A vote is not a revision: its counts go out in ``qa_votes``, never as ``qa_question``."""
    # one vote on a question at a time: two at once each counted the ballots without the
    # other's and left the ``votes`` column one short of them (seen in tests/chaos); the
    # status is read under the lock, after any moderation of the question in flight
    await session.execute(
        select(Question)
        .where(Question.id == question.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if question.status != PUBLISHED:
        raise Problem("conflict", "Only published questions take votes.")
    exists = await session.scalar(select(QuestionVote.id).where(
        QuestionVote.question_id == question.id, QuestionVote.voter_tag == tag))  # fmt: skip
    if up and exists is None:
        try:
            async with session.begin_nested():  # a double submit: the other one counted it
                session.add(QuestionVote(question_id=question.id, voter_tag=tag))
        except IntegrityError:
            pass
    elif not up and exists is not None:
        await session.execute(delete(QuestionVote).where(QuestionVote.id == exists))
    await session.flush()
    question.votes = await _count(session, question.id)
    return question


async def counts(session: AsyncSession, question_ids: list[int]) -> dict[int, int]:
    """Exact upvotes from the ballots themselves (the ``votes`` column is a cache two
    concurrent votes can each leave one short; ballots cannot be)."""
    if not question_ids:
        return {}
    stmt = (
        select(QuestionVote.question_id, func.count())
        .where(QuestionVote.question_id.in_(question_ids))
        .group_by(QuestionVote.question_id)
    )
    found = {qid: int(n) for qid, n in (await session.execute(stmt)).all()}
    return {qid: found.get(qid, 0) for qid in question_ids}


async def refresh_votes(session: AsyncSession, questions: list[Question]) -> None:
    """Bring each question's cached count up to its ballots."""
    exact = await counts(session, [q.id for q in questions])
    for question in questions:
        if question.votes != exact[question.id]:
            question.votes = exact[question.id]


async def _count(session: AsyncSession, question_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(QuestionVote)
        .where(QuestionVote.question_id == question_id)
    )
    return int(await session.scalar(stmt) or 0)


async def moderate(session: AsyncSession, question: Question, action: str) -> Question:
    if question.status not in (PENDING, PUBLISHED):
        raise Problem("conflict", f"This question is {question.status}.")
    question.status = PUBLISHED if action == "approve" else REJECTED
    if question.status == REJECTED:
        question.pinned = False
    return question


async def merge(session: AsyncSession, duplicate: Question, into: Question) -> Question:
    """A duplicate joins the original: its votes move over (still one per person)."""
    if duplicate.id == into.id or into.status != PUBLISHED:
        raise Problem("conflict", "Merge into another, published question.")
    voters = set(await session.scalars(
        select(QuestionVote.voter_tag).where(QuestionVote.question_id == into.id)))  # fmt: skip
    moved = await session.scalars(
        select(QuestionVote).where(QuestionVote.question_id == duplicate.id)
    )
    for ballot in list(moved):
        if ballot.voter_tag in voters:
            await session.delete(ballot)
        else:
            ballot.question_id = into.id
    duplicate.status, duplicate.merged_into, duplicate.pinned = MERGED, into.id, False
    await session.flush()
    into.votes, duplicate.votes = await _count(session, into.id), 0
    return into


async def reply(
    session: AsyncSession, question: Question, text: str | None, live: bool
) -> Question:
    if question.status != PUBLISHED:
        raise Problem("conflict", "Reply to published questions.")
    if text is None and not live:
        raise Problem("validation-error", "Send a reply text, or live: true.")
    if text is not None:
        question.reply = text  # "answered live" later keeps a written reply
    question.answered = "live" if live and text is None else "text"
    return question


async def hold_pins(session: AsyncSession, class_session_id: int) -> None:
    """Pins of one class one at a time, taken before the question is claimed: two questions
    pinned at once each found no other pinned (the other's pin not yet committed) and both
    stayed pinned. PostgreSQL: a transaction-scoped advisory lock on the class; SQLite: the
    claim's write lock already admits one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"qa_pin:{class_session_id}"
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                              {"key": key})  # fmt: skip


async def pin(session: AsyncSession, question: Question, pinned: bool) -> list[Question]:
    """The question being answered now (claimed): one at a time. Returns every question whose
    pin changed (the one pinned and any it replaced, unpinned and its revision moved on in one
    UPDATE, which waits for their other changes), for telling the class."""
    changed = [question]
    if pinned:
        if question.status != PUBLISHED:
            raise Problem("conflict", "Pin published questions.")
        unpinned = await session.scalars(
            update(Question)
            .where(Question.class_session_id == question.class_session_id,
                   Question.id != question.id, Question.pinned.is_(True))
            .values(pinned=False, revision=Question.revision + 1)
            .returning(Question.id)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        for other_id in sorted(unpinned.all()):
            changed.append(await _fresh(session, other_id))
    question.pinned = pinned
    return changed


async def mute(session: AsyncSession, question: Question, now: datetime) -> None:
    """Pause whoever asked this from asking more (they stay unknown). Two moderators muting
    at once make one row."""
    values = {"class_session_id": question.class_session_id, "tag": question.author_tag, "at": now}
    await insert_unless_taken(session, MutedPseudonym, values)


async def visible(
    session: AsyncSession, class_session_id: int, *, staff: bool, tag: str, group_id: int | None,
    groups_open: bool = True,
) -> list[Question]:  # fmt: skip
    """The questions this person sees: the published ones of their room (the main room or
    their breakout group) and their own; once the groups close, every group's questions come
    back to the whole class; staff see every one, the queue included."""
    stmt = select(Question).where(Question.class_session_id == class_session_id)
    if not staff:
        room = Question.group_id.is_(None) if group_id is None else Question.group_id == group_id
        if not groups_open:
            room = Question.id.is_not(None)
        stmt = stmt.where((room & (Question.status == PUBLISHED)) | (Question.author_tag == tag))
    return list((await session.scalars(stmt.order_by(Question.id))).all())


async def voted_by(session: AsyncSession, question_ids: list[int], tag: str) -> set[int]:
    if not question_ids:
        return set()
    stmt = select(QuestionVote.question_id).where(
        QuestionVote.question_id.in_(question_ids), QuestionVote.voter_tag == tag
    )
    return set((await session.scalars(stmt)).all())


def _rank(question: Question, sort: str) -> tuple[bool, int, int]:
    """Pinned first; then by votes, newest, or answered first."""
    if sort == "recent":
        return (not question.pinned, 0, -question.id)
    if sort == "answered":
        return (not question.pinned, 0 if question.answered else 1, -question.id)
    return (not question.pinned, -question.votes, -question.id)


def ordered(questions: list[Question], sort: str) -> list[Question]:
    return sorted(questions, key=lambda q: _rank(q, sort))


def out(
    question: Question, *, tag: str | None = None, voted: set[int] | None = None
) -> QuestionOut:
    return QuestionOut(
        id=question.id, text=question.text, anonymous=question.author_id is None,
        author_name=question.author_name, status=question.status, flags=question.flags,
        votes=question.votes, pinned=question.pinned, answered=question.answered,
        reply=question.reply, group_id=question.group_id, merged_into=question.merged_into,
        created_at=question.created_at, edited_at=question.edited_at,
        revision=question.revision, mine=tag is not None and question.author_tag == tag,
        voted=voted is not None and question.id in voted,
    )  # fmt: skip


async def questions_by_group(session: AsyncSession, class_session_id: int) -> dict[int, int]:
    """Questions asked in each breakout group of the class (published ones), for the record."""
    stmt = (select(Question.group_id, func.count())
            .where(Question.class_session_id == class_session_id,
                   Question.group_id.is_not(None), Question.status == PUBLISHED)
            .group_by(Question.group_id))  # fmt: skip
    return {int(g): int(n) for g, n in (await session.execute(stmt)).all() if g is not None}
