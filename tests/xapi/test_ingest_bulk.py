"""The ingest's fast paths keep the record exact: the stored statement is the same JSON value
however it is written (the text is made from the hash's canonical JSON, not a second dump),
posts larger than one SQL statement's rows are stored whole, and progress from a big post is
folded as from small ones."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.xapi import store
from server.xapi.schemas import STATEMENT, canonical_json, stored_form, stored_json
from server.xapi.service import get_statement
from tests.conftest import AppClient, Person
from tests.xapi.test_ingest import post, progress_of, rows, setup, statement, summary

NOW = datetime(2026, 12, 1, 3, 4, 5, 678_000, tzinfo=UTC)


def _bodies() -> list[dict[str, Any]]:
    plain = statement("kim", "C-1", progress=40)
    named = statement("이순신", "과정-1", completion=True, scaled=0.5, sid=str(uuid.uuid4()))
    named["authority"] = {"objectType": "Agent", "mbox": "mailto:lms@example.org"}
    named["version"] = "1.0.3"
    named["stored"] = "2020-01-01T00:00:00Z"  # a sender's value: the LRS sets its own
    untimed = {k: v for k, v in statement("lee", "C-2").items() if k != "timestamp"}
    return [plain, named, untimed]


def test_the_stored_text_is_the_stored_form() -> None:
    for raw in _bodies():
        body = STATEMENT.validate_python(raw).as_sent()
        sid = str(raw.get("id") or uuid.uuid4())
        text = stored_json(canonical_json(body), body, sid, NOW)
        assert json.loads(text) == stored_form(body, sid, NOW)


async def test_a_post_larger_than_one_insert_is_stored_whole_and_read_back(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    token, code, course_id = await setup(client, clock, people)
    kim = people[Role.TRAINEE]
    count = store.CHUNK * 2 + 7  # three SQLite statements; one unnest on PostgreSQL
    batch = [statement(kim.login, code, progress=n % 100, sid=str(uuid.uuid4()))
             for n in range(count)]  # fmt: skip
    batch[-1] = statement(kim.login, code, completion=True, scaled=0.75, sid=batch[-1]["id"],
                          at="2020-10-06T02:00:00+09:00")  # fmt: skip
    batch[-1]["object"]["definition"] = {"name": {"ko": "직무 역량 — 한글 제목"}}
    response = await post(client, token, batch)
    assert response.status == 200, await response.text()
    assert await response.json() == [s["id"] for s in batch]
    assert await rows(client) == count
    assert (await summary(client, people))["statements"] == count
    figures = (await progress_of(client, course_id, [kim.id]))[kim.id]
    assert (figures.progress, figures.completed, figures.score_scaled) == (1.0, True, 0.75)
    assert figures.completed_at == datetime(2020, 10, 5, 17, 0, tzinfo=UTC)
    async with client.app[DATABASE].unit_of_work() as session:
        kept = await get_statement(session, batch[-1]["id"])
    expected = STATEMENT.validate_python(batch[-1]).as_sent()
    assert kept is not None
    assert kept == stored_form(expected, batch[-1]["id"], clock.now())
    assert kept["object"]["definition"]["name"]["ko"] == "직무 역량 — 한글 제목"
    again = await post(client, token, batch[: store.CHUNK + 1])  # all held: accepted, no row
    assert again.status == 200, await again.text()
    assert await rows(client) == count
