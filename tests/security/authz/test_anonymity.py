"""Anonymous means anonymous for everyone, instructors and admins included.

A trainee asks an anonymous question, votes on one, answers an anonymous poll, posts and
comments anonymously on a board and answers a survey. Then nothing anyone can get carries
who they are: no socket message about that content (to the class, its staff or anyone), no
API answer (staff views, moderation, results), no export (CSV, XLSX, PDF), no xAPI statement,
no log line; and the rows themselves store no user id (read straight from the tables).
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from server.boards.models import BoardComment, BoardPost, BoardReaction
from server.config import Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.surveys.models import SurveyResponse
from server.polls.models import PollAnswer, Question, QuestionVote
from server.xapi.models import LrsOutbox
from tests.conftest import AppClient, NodeFactory, api_token, bearer
from tests.rooms.classroom import Participant
from tests.security.authz.conftest import World
from tests.security.authz.leaks import carries

MARK = f"anon-{secrets.token_hex(4)}"  # in every piece of anonymous content
#: the socket events that carry anonymous acts (a log line about one must not name its sender)
ANONYMOUS_EVENTS = ("qa_ask", "qa_vote", "poll_answer", "board_post", "board_comment",
                    "board_react", "/responses")  # fmt: skip
#: the tables anonymous content lives in, read row by row
ANONYMOUS_TABLES = [Question, QuestionVote, PollAnswer, BoardPost, BoardComment, BoardReaction,
                    SurveyResponse]  # fmt: skip


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    """With an LRS configured, so that statements are written to the outbox (never sent: the
    outbox's sender is not what this test is about)."""
    return nodes.settings(lrs_url="http://lrs.invalid/xapi/", lrs_poll_s=3600)


def who(world: World) -> tuple[int, set[str]]:
    author = world.people[Role.TRAINEE]
    return author.id, {author.login, author.login.title()}


def text_of(body: bytes, content_type: str) -> str:
    if "spreadsheet" in content_type:  # an XLSX is a zip of XML
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if "pdf" in content_type:
        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8-sig", "replace")


async def enter(client: AppClient, world: World, login: str) -> Participant:
    p = Participant()
    token = await api_token(client, login)
    await p.connect(client, {"api_token": token, "class_session_id": world.klass.class_session_id})
    p.state = await p.ok("join", {})
    return p


async def test_anonymous_content_never_names_its_author(
    client: AppClient, world: World, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.advance(3600)
    author_id, words = who(world)
    cs = world.klass.class_session_id
    author = await enter(client, world, "trainee1")
    others = {name: await enter(client, world, login) for name, login in (
        ("trainee", world.other_trainee.login), ("instructor", "instructor1"),
        ("operator", "operator1"))}  # fmt: skip
    teacher = others["instructor"]
    try:
        # the anonymous acts
        asked = await author.ok("qa_ask", {"text": f"{MARK} question"})
        theirs = await others["trainee"].ok("qa_ask", {"text": "plain question"})
        await author.ok("qa_vote", {"question_id": theirs["id"]})
        poll = await teacher.ok("poll_create", {"title": f"{MARK} poll", "items": [
            {"kind": "open", "prompt": "한 마디"}]})  # fmt: skip
        run = await teacher.ok("poll_launch", {"poll_id": poll["id"]})
        await author.ok("poll_answer", {"run_id": run["run_id"], "item_id": poll["items"][0]["id"],
                                        "value": {"text": f"{MARK} answer"}})  # fmt: skip
        await teacher.ok("poll_close", {"run_id": run["run_id"]})
        board = await teacher.ok("board_create", {"title": "보드"})
        post = await author.ok("board_post", {"board_id": board["id"], "anonymous": True,
                                              "title": f"{MARK} post"})  # fmt: skip
        await author.ok("board_comment", {"post_id": post["id"], "anonymous": True,
                                          "text": f"{MARK} comment"})  # fmt: skip
        await author.ok("board_react", {"post_id": post["id"], "kind": "like", "value": 1})
        await teacher.ok("qa_reply", {"question_id": asked["id"], "text": "답변"})
        # what everyone else's sockets were told, up to the reply (the last thing sent)
        told: list[tuple[str, Any]] = []
        for p in others.values():
            while True:
                reply = await p.next("qa_question")
                told.append(("qa_question", reply))
                if reply["id"] == asked["id"] and reply["reply"]:
                    break
            for event, queue in p.inbox.items():
                while not queue.empty():
                    told.append((event, queue.get_nowait()))
        about = [(e, d) for e, d in told if MARK in json.dumps(d, ensure_ascii=False)
                 or e.startswith(("poll", "qa", "question", "board"))]  # fmt: skip
        assert about, "the class was told nothing about the anonymous content"
        for event, data in about:
            assert not carries(data, author_id, words), (event, data)
        for p in others.values():  # their own answers to lists
            for event in ("qa_list", "poll_runs", "board_list"):
                answer = await p.call(event, {} if event == "qa_list" else None)
                assert not carries(answer, author_id, words), (event, answer)
            opened = await p.call("board_open", {"board_id": board["id"]})
            assert not carries(opened, author_id, words), opened
    finally:
        for p in [author, *others.values()]:
            await p.close()

    survey = await survey_answered(client, world)
    # every staff view, export and report, as the most powerful people there are
    paths = [
        f"/class-sessions/{cs}/questions/export?format=csv",
        f"/class-sessions/{cs}/questions/export?format=xlsx",
        f"/class-sessions/{cs}/poll-participation",
        f"/class-sessions/{cs}/polls",
        f"/class-sessions/{cs}/boards",
        f"/boards/{board['id']}/moderation",
        f"/boards/{board['id']}/export?format=csv",
        f"/boards/{board['id']}/export?format=xlsx",
        f"/boards/{board['id']}/export?format=pdf",
        f"/class-sessions/{cs}/transcript",
        f"/surveys/{survey}/results",
        "/reports/survey-results?year=2020&format=json",
        "/reports/survey-results?year=2020&format=csv",
        "/reports/survey-results?year=2020&format=xlsx",
        "/reports/survey-results?year=2020&format=pdf",
    ]
    seen = 0
    for role in (Role.ADMIN, Role.OPERATOR, Role.INSTRUCTOR):
        for path in paths:
            if role == Role.INSTRUCTOR and path.startswith("/reports/"):
                continue  # reports are the training staff's
            response = await client.get(f"/api/v1{path}", headers=bearer(world.tokens[role.value]))
            assert response.status == 200, (role, path, await response.text())
            text = text_of(await response.read(), response.content_type)
            seen += MARK in text
            assert not [w for w in words if w in text], (role, path)
            if response.content_type == "application/json":
                assert not carries(json.loads(text), author_id, words), (role, path)
    assert seen >= 6  # the content itself is there, only its author is not

    async with client.app[DATABASE].unit_of_work() as session:
        for model in ANONYMOUS_TABLES:
            table, name = model.__table__, model.__tablename__
            people = [
                c for c in table.columns
                if any(fk.target_fullname.startswith("users.") for fk in c.foreign_keys)
            ]  # fmt: skip
            for row in (await session.execute(select(table))).mappings():
                for column in people:
                    assert row[column.name] != author_id, (name, column.name, dict(row))
                assert not carries(dict(row), author_id, words), (name, dict(row))
        statements = [r.statement for r in await session.scalars(select(LrsOutbox))]
        for statement in statements:
            if MARK in json.dumps(statement, ensure_ascii=False):
                assert not carries(statement, author_id, words), statement
    logged = capsys.readouterr()
    lines = (logged.out + logged.err).splitlines()
    assert any("/api/v1/surveys" in line for line in lines)  # the log was captured here
    ids = (f"user_id={author_id}", f'"user_id": {author_id}', f"actor_id={author_id}",
           f'"actor_id": {author_id}')  # fmt: skip
    for line in lines:
        if MARK in line or any(e in line for e in ANONYMOUS_EVENTS):
            assert not [w for w in (*words, *ids) if w in line], line


async def survey_answered(client: AppClient, world: World) -> int:
    operator = bearer(world.tokens[Role.OPERATOR.value])
    created = await client.post(
        f"/api/v1/cohorts/{world.klass.cohort_id}/surveys",
        json={"kind": "satisfaction", "title": "만족도", "items": [
            {"kind": "scale5", "prompt": "만족하십니까"}, {"kind": "text", "prompt": "의견"}]},
        headers=operator,
    )  # fmt: skip
    assert created.status == 201, await created.text()
    survey = await created.json()
    opened = await client.post(f"/api/v1/surveys/{survey['id']}/open", headers=operator)
    assert opened.status == 200, await opened.text()
    scale, text = (item["id"] for item in survey["items"])
    answered = await client.post(
        f"/api/v1/surveys/{survey['id']}/responses",
        json={"answers": {str(scale): 4, str(text): f"{MARK} survey"}},
        headers=bearer(world.tokens[Role.TRAINEE.value]),
    )
    assert answered.status == 201, await answered.text()
    return int(survey["id"])
