"""A class in progress for the fault tests, and the checks made after each fault.

A fresh class per test (a course, cohort and session in the suite's database): an instructor
and trainees, each a real socket.io client behind their own proxy, spread over the nodes and
joined through join links. The instructor starts the class, opens a board and a round of
breakout groups; everyone chats, asks, votes and posts. Optionally one trainee publishes a
camera track with aiortc and the instructor watches it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from sqlalchemy import text

from server.config import Settings
from server.core.auth.roles import Role
from server.core.auth.schemas import TokenCreate
from server.core.auth.service import create_api_token
from server.core.clock import ManualClock, SystemClock
from server.core.db import Database
from server.lms.models import ClassSession, StaffRole
from server.rooms import service
from server.rooms.attendance import Interval, intervals
from tests.chaos.people import Member
from tests.chaos.proxy import Proxy
from tests.conftest import add_person
from tests.factories import make_class

TRAINEES = 24
GROUPED = 6  # trainees in breakout groups (two groups of three); the rest stay in the main room


async def poll(check: Callable[[], Awaitable[bool] | bool], within_s: float, what: str) -> None:
    """Wait until ``check`` holds, looking every 50 ms; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within_s} s")
        await asyncio.sleep(0.05)


CHAT_SQL = "SELECT payload FROM class_events WHERE class_session_id = :cs AND kind = 'chat'"
QUESTIONS_SQL = "SELECT text FROM questions WHERE class_session_id = :cs"
POSTS_SQL = (
    "SELECT p.title FROM board_posts p JOIN boards b ON b.id = p.board_id "
    "WHERE b.class_session_id = :cs"
)
VOTE_COUNTS_SQL = "SELECT id, votes FROM questions WHERE class_session_id = :cs"
VOTE_ROWS_SQL = (
    "SELECT v.question_id, count(*) FROM question_votes v "
    "JOIN questions q ON q.id = v.question_id WHERE q.class_session_id = :cs "
    "GROUP BY v.question_id"
)


def _payload(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else dict(json.loads(value))


class _DbApp(dict[Any, Any]):
    """Enough of an app for tests/factories.py: they only use app[DATABASE]."""


@dataclass
class Seeded:
    class_session_id: int
    ids: dict[str, int]
    links: dict[str, str]
    instructor_token: str


async def seed(db: Database, secret: str, trainees: int = TRAINEES) -> Seeded:
    from server.core.keys import DATABASE

    clock = ManualClock(SystemClock().now())  # the nodes run on the system clock
    app: Any = _DbApp({DATABASE: db})
    tag = secrets.token_hex(3)
    ids = {f"t{n:02d}{tag}": 0 for n in range(trainees)}
    for login in ids:
        ids[login] = (await add_person(app, login, [Role.TRAINEE], clock)).id
    teacher = f"i{tag}"
    ids[teacher] = (await add_person(app, teacher, [Role.INSTRUCTOR], clock)).id
    klass = await make_class(
        app, clock, trainees=[ids[t] for t in ids if t != teacher],
        staff={StaffRole.INSTRUCTOR: ids[teacher]}, starts_in=timedelta(minutes=-5),
    )  # fmt: skip
    settings = Settings(secret_key=secret)
    async with db.unit_of_work() as session:
        class_session = await session.get(ClassSession, klass.class_session_id)
        assert class_session is not None
        links = {
            login: service.sign_invitation(secret.encode(), settings, class_session, uid)[0]
            for login, uid in ids.items()
        }
        _, token = await create_api_token(
            session, ids[teacher], TokenCreate(name="chaos"), clock.now()
        )
    return Seeded(klass.class_session_id, ids, links, token)


class Classroom:
    def __init__(self, seeded: Seeded, node_urls: list[str], ports: list[int]) -> None:
        self.seeded = seeded
        self.node_urls = node_urls
        self.ports = ports
        logins = list(seeded.ids)
        self.teacher_login = logins[-1]
        self.members: list[Member] = []
        for n, login in enumerate(logins):
            proxy = Proxy(ports, preferred=n % len(ports))
            self.members.append(Member(login, seeded.ids[login], seeded.links[login], proxy))
        self.teacher = self.members[-1]
        self.trainees = self.members[:-1]
        self.board_id = 0
        self.groups: dict[int, list[Member]] = {}
        self.questions: dict[str, int] = {}  # question text -> id, from acknowledgements
        self.votes: dict[int, Counter[str]] = {}  # question id -> outcome -> how many
        self.peers: list[RTCPeerConnection] = []
        self.frames = 0

    @property
    def cs_id(self) -> int:
        return self.seeded.class_session_id

    async def start(self) -> None:
        for m in self.members:
            await m.proxy.start()
        for n in range(0, len(self.members), 5):  # a class arrives over a few moments
            await asyncio.gather(*(m.connect() for m in self.members[n : n + 5]))
        await self.everyone_back(within_s=120)
        await self.teacher.act("setup", "start_class", {}, "start")
        board = await self.teacher.act("setup", "board_create", {"title": "생각 모으기"}, "board")
        assert board is not None
        self.board_id = board["id"]
        await self._open_groups()

    async def _open_groups(self) -> None:
        base = self.node_urls[0] + "/api/v1"
        headers = {"Authorization": f"Bearer {self.seeded.instructor_token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            made = await http.post(f"{base}/class-sessions/{self.cs_id}/breakout-sets",
                                   json={"name": "분임", "groups": 2})  # fmt: skip
            assert made.status == 201, await made.text()
            group_set = await made.json()
            group_ids = [g["id"] for g in group_set["groups"]]
            grouped = self.trainees[:GROUPED]
            self.groups = {g: grouped[n::2] for n, g in enumerate(group_ids)}
            assignments = [{"user_id": m.user_id, "group_id": g}
                           for g, ms in self.groups.items() for m in ms]  # fmt: skip
            placed = await http.put(f"{base}/breakout-sets/{group_set['id']}/members",
                                    json={"assignments": assignments})  # fmt: skip
            assert placed.status == 200, await placed.text()
        opened = await self.teacher.act(
            "setup", "breakout_open", {"set_id": group_set["id"], "minutes": 60}, "groups"
        )
        assert opened is not None

    def back(self, m: Member) -> bool:
        """In the class again, or told why not (a refusal other than 'try again')."""
        final = [r for r in m.refusals if r.get("type") not in ("unavailable", "rate-limited")]
        return m.joined.is_set() or bool(final)

    async def everyone_back(self, within_s: float) -> None:
        try:
            await poll(lambda: all(self.back(m) for m in self.members), within_s,
                       "everyone back in the class or told why not")  # fmt: skip
        except AssertionError as exc:
            missing = [(m.login, m.sio.connected, m.joins, m.refusals[-2:], m.join_timeouts)
                       for m in self.members if not self.back(m)]  # fmt: skip
            raise AssertionError(f"{exc}; not back: {missing}") from None
        for m in self.members:
            assert m.joined.is_set(), (m.login, m.refusals)

    async def activity(self, tag: str) -> None:
        """Everyone acts once: chat (class or group), a question, a post; then votes."""

        async def one(n: int, m: Member) -> None:
            grouped = any(m in ms for ms in self.groups.values())
            chat = f"{tag} chat {m.login}"
            await m.chat({"text": chat, "to": "group" if grouped else "all",
                          "request_id": secrets.token_hex(8)}, chat)  # fmt: skip
            question = f"{tag} question {m.login}"
            asked = await m.act("question", "qa_ask",
                                {"text": question, "request_id": secrets.token_hex(8)},
                                question)  # fmt: skip
            if asked is not None:
                self.questions[question] = asked["id"]
            post = f"{tag} post {m.login}"
            body = {"board_id": self.board_id, "title": post, "request_id": secrets.token_hex(8)}
            await m.act("post", "board_post", body, post)

        await asyncio.gather(*(one(n, m) for n, m in enumerate(self.trainees)))
        asked = [q for q in self.questions if q.startswith(f"{tag} ")]
        if not asked:
            return

        async def vote(n: int, m: Member) -> None:
            text_ = asked[n % len(asked)]
            if text_.endswith(m.login):
                text_ = asked[(n + 1) % len(asked)]
            qid = self.questions[text_]
            label = f"vote {qid} {m.login}"
            await m.act("vote", "qa_vote", {"question_id": qid, "up": True}, label)

        await asyncio.gather(*(vote(n, m) for n, m in enumerate(self.trainees[GROUPED:])))

    # ---- media -------------------------------------------------------------------------------

    async def publish(self, m: Member, within_s: float = 40) -> None:
        """Publish a camera track; while the media host is changing, ask again."""
        deadline = time.monotonic() + within_s
        while True:
            pc = RTCPeerConnection()
            pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
            await pc.setLocalDescription(await pc.createOffer())
            offer = {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}
            answer = await m.act("media", "media_publish", offer, "publish")
            if answer is not None:
                sdp = answer["answer"]
                await pc.setRemoteDescription(RTCSessionDescription(sdp["sdp"], sdp["type"]))
                self.peers.append(pc)
                return
            await pc.close()
            assert time.monotonic() < deadline, m.out.refused["media"][-3:]
            await asyncio.sleep(1.0)  # a client's pace between media attempts (rate limited)

    async def watch(self, m: Member, within_s: float = 40) -> int:
        """Subscribe and receive frames of the published track: media flows."""
        deadline = time.monotonic() + within_s
        while True:
            pc = RTCPeerConnection()
            tracks: asyncio.Queue[Any] = asyncio.Queue()
            pc.on("track", tracks.put_nowait)
            offer = await m.act("media", "media_subscribe", {}, "subscribe")
            if offer is not None and offer.get("offer"):
                sdp = offer["offer"]
                await pc.setRemoteDescription(RTCSessionDescription(sdp["sdp"], sdp["type"]))
                await pc.setLocalDescription(await pc.createAnswer())
                answer = {"type": "answer", "sdp": pc.localDescription.sdp}
                if await m.act("media", "media_answer", answer, "answer") is not None:
                    self.peers.append(pc)
                    video = await asyncio.wait_for(tracks.get(), 20)
                    frames = [await asyncio.wait_for(video.recv(), 20) for _ in range(3)]
                    return len(frames)
            await pc.close()
            assert time.monotonic() < deadline, m.out.refused["media"][-3:]
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        for pc in self.peers:
            await pc.close()
        await asyncio.gather(*(m.close() for m in self.members))
        for m in self.members:
            await m.proxy.close()

    # ---- the checks --------------------------------------------------------------------------

    async def check_records(self, db: Database) -> None:
        """Every acknowledged chat line, question, post and vote is in the records exactly once;
        nothing a client was told failed is there; nothing unsent is there. Chat lines that got
        no answer are sent again first (as the page does once back): every chat line must end
        acknowledged, and kept once, or refused, and not kept."""
        await asyncio.gather(*(m.resend_chat(within_s=60) for m in self.trainees))
        unanswered = [label for m in self.trainees for label in m.out.unknown["chat"]]
        assert unanswered == [], f"chat: never answered, though sent again: {unanswered}"
        cs = {"cs": self.cs_id}
        async with db.unit_of_work() as session:
            chat = await session.execute(text(CHAT_SQL), cs)
            questions = await session.execute(text(QUESTIONS_SQL), cs)
            posts = await session.execute(text(POSTS_SQL), cs)
            counts = {q: n for q, n in await session.execute(text(VOTE_COUNTS_SQL), cs)}
            rows = {q: n for q, n in await session.execute(text(VOTE_ROWS_SQL), cs)}
        kept = {
            "chat": Counter(_payload(p)["text"] for (p,) in chat),
            "question": Counter(t for (t,) in questions),
            "post": Counter(t for (t,) in posts),
        }
        for kind, held in kept.items():
            acked = [label for m in self.trainees for label in m.out.acked[kind]]
            unknown = {label for m in self.trainees for label in m.out.unknown[kind]}
            refused = [label for m in self.trainees for label, _ in m.out.refused[kind]]
            assert [a for a in acked if held[a] != 1] == [], f"{kind}: acknowledged, not kept once"
            assert [r for r in refused if held[r]] == [], f"{kind}: told failed, yet kept"
            assert [u for u in unknown if held[u] > 1] == [], f"{kind}: kept twice"
            assert set(held) <= set(acked) | unknown, f"{kind}: kept, never sent"
        for qid, count in counts.items():
            assert rows.get(qid, 0) == count, f"question {qid}: its count is not its votes"
            acked_votes = self._votes("acked", qid)
            assert acked_votes <= count <= acked_votes + self._votes("unknown", qid), (
                f"question {qid}: acknowledged votes lost, or votes nobody sent"
            )

    def _votes(self, outcome: str, question_id: int) -> int:
        """Votes for the question with this outcome (labels are 'vote {id} {login}')."""
        return sum(
            1
            for m in self.trainees
            for label in getattr(m.out, outcome)["vote"]
            if label.split()[1] == str(question_id)
        )

    async def attendance(self, db: Database) -> dict[int, list[Interval]]:
        async with db.unit_of_work() as session:
            marks = await service.attendance_marks(session, self.cs_id)
        now = datetime.now(tz=marks[0].at.tzinfo) if marks else datetime.now().astimezone()
        grace = timedelta(seconds=self.state_grace())
        return intervals(marks, grace, now)

    def state_grace(self) -> int:
        return int(self.teacher.state["reconnect_grace_s"])

    async def check_attendance_unbroken(self, db: Database, but: Member | None = None) -> None:
        """One interval per person (``but`` one), still open: no gap, no duplicate mark."""
        parts = await self.attendance(db)
        for m in self.members:
            if m is but:
                continue
            mine = parts.get(m.user_id, [])
            assert len(mine) == 1, (m.login, mine)
            assert mine[0].ended_by is None, (m.login, mine)
        async with db.unit_of_work() as session:
            rows = await session.execute(
                text("SELECT user_id, kind, at, client_id, count(*) FROM attendance_events "
                     "WHERE class_session_id = :cs GROUP BY user_id, kind, at, client_id "
                     "HAVING count(*) > 1"), {"cs": self.cs_id})  # fmt: skip
            assert rows.all() == [], "the same attendance mark recorded twice"
