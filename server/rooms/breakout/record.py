"""The breakout rounds on the class's record: who was in which group when, and what each
group left behind (its board, its questions), kept after the groups close so the course
record shows the groups' work, not just their membership."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import service as boards
from server.boards.export import plain_text
from server.boards.service import GroupBoardSummary
from server.polls import service as qa
from server.rooms.breakout import rounds, service
from server.rooms.breakout.models import BreakoutMove
from server.rooms.breakout.schemas import (
    GroupBoardOut,
    GroupRecordOut,
    MoveOut,
    PostSummaryOut,
    RoundRecordOut,
)


async def round_records(session: AsyncSession, class_session_id: int) -> list[RoundRecordOut]:
    """Every round of the class, oldest first, each with its moves and its groups' summaries."""
    history = await rounds.history(session, class_session_id)
    summaries = await boards.group_summaries(session, class_session_id)
    questions = await qa.questions_by_group(session, class_session_id)
    records = []
    for rnd, moves in history:
        took_part = _took_part(moves)
        groups = [
            GroupRecordOut(group_id=g.id, name=g.name, board=_board(summaries.get(g.id)),
                           members=sorted(took_part.get(g.id, ())),
                           questions=questions.get(g.id, 0))
            for g in await service.groups_of(session, rnd.set_id)
        ]  # fmt: skip
        records.append(RoundRecordOut(
            id=rnd.id, set_id=rnd.set_id, opened_at=rnd.opened_at, ends_at=rnd.ends_at,
            closed_at=rnd.closed_at, moves=[MoveOut.model_validate(m) for m in moves],
            groups=groups,
        ))  # fmt: skip
    return records


def _took_part(moves: list[BreakoutMove]) -> dict[int, set[int]]:
    """Who was in each group at some time in the round (staff visits are not membership)."""
    members: dict[int, set[int]] = {}
    for move in moves:
        if move.group_id is not None and not move.visiting:
            members.setdefault(move.group_id, set()).add(move.user_id)
    return members


def _board(summary: GroupBoardSummary | None) -> GroupBoardOut | None:
    if summary is None:
        return None
    top = [PostSummaryOut(id=p.id, title=p.title, text=plain_text(p.body)[:140],
                          likes_and_votes=n)
           for p, n in summary.top]  # fmt: skip
    return GroupBoardOut(
        board_id=summary.board_id, title=summary.title, posts=summary.posts, top=top
    )
