"""The demo's boards: today's rehearsal class has a KPT retrospective with the instructor's
starter notes, and its course a prepared SWOT board any of its classes can copy. Added once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from server.boards import service
from server.boards.schemas import CourseBoardIn, SeedPostIn
from server.lms import service as lms

RETROSPECTIVE = CourseBoardIn(
    title="오늘 수업 돌아보기 (KPT)", template="kpt",
    posts=[SeedPostIn(title="예시", body="<p>분임 토의 시간이 충분했다</p>", section=0),
           SeedPostIn(title="예시", body="<p>자료가 늦게 공유되었다</p>", section=1,
                      colour="pink"),
           SeedPostIn(title="예시", body="<p>다음 시간에는 사례를 먼저 읽고 오기</p>",
                      section=2, colour="green")],
)  # fmt: skip
SWOT = CourseBoardIn(title="우리 부서 SWOT 분석", template="swot", posts=[
    SeedPostIn(body="<p>민원 처리 경험이 많은 직원</p>", section=0, colour="blue")])  # fmt: skip


async def load_demo_boards(
    session: AsyncSession, class_session_id: int, instructor_id: int, now: datetime
) -> None:
    if await service.of_class(session, class_session_id):
        return
    board = await service.create(session, RETROSPECTIVE, by=instructor_id, now=now,
                                 class_session_id=class_session_id)  # fmt: skip
    await service.seed(session, board, RETROSPECTIVE.posts, instructor_id, now)
    class_session = await lms.get_class_session(session, class_session_id)
    course_id = (await lms.get_cohort(session, class_session.cohort_id)).course_id
    if not await service.of_course(session, course_id):
        prepared = await service.create(session, SWOT, by=instructor_id, now=now,
                                        course_id=course_id)  # fmt: skip
        await service.seed(session, prepared, SWOT.posts, instructor_id, now)
