"""The classroom page's chat outbox in a real browser: a message sent while the phone has no
network shows as "sending…", and once the page is back in the class it goes with its request
id and is kept and shown once (issue 11)."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser
from sqlalchemy import select

from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.rooms.models import ClassEvent
from tests.browser.classroom import in_lobby, join, open_panel, page_errors, sign_in
from tests.browser.conftest import join_link
from tests.browser.test_classroom import people_and_class, phone_context, text_in
from tests.conftest import AppClient

SENT = "터널 안에서 보낸 메시지"


async def test_a_message_sent_offline_shows_as_sending_and_arrives_once(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who, klass = await people_and_class(client, clock, starts_in=timedelta(minutes=-5))
    class_id = klass.class_session_id
    phone = await phone_context(browser)
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        trainee = await phone.new_page()
        errors = page_errors(trainee)
        await trainee.goto(await join_link(client, class_id, who["kim"].id))
        await in_lobby(trainee)
        await join(trainee)
        instructor = await desktop.new_page()
        await sign_in(instructor, client, "park", f"/class/{class_id}")
        await in_lobby(instructor)
        await join(instructor)
        await open_panel(instructor, "chat")
        await open_panel(trainee, "chat")

        await phone.set_offline(True)
        await trainee.wait_for_selector("#reconnecting", state="visible")
        await trainee.fill("#chat-text", SENT)
        await trainee.press("#chat-text", "Enter")
        pending = trainee.locator("#chat-log li.pending")
        await pending.wait_for()
        assert await pending.locator("p").text_content() == SENT
        assert await pending.locator(".chat-state").text_content() == "보내는 중…"
        assert await trainee.input_value("#chat-text") == ""  # held in the outbox instead

        await phone.set_offline(False)
        await trainee.wait_for_function("window.baeum.reconnects === 1", timeout=30_000)
        await text_in(instructor, "#chat-log", SENT)
        await trainee.wait_for_selector("#chat-log li.pending", state="detached")
        mine = trainee.locator("#chat-log li.mine p", has_text=SENT)
        assert await mine.count() == 1
        theirs = instructor.locator("#chat-log li p", has_text=SENT)
        assert await theirs.count() == 1
        async with client.app[DATABASE].unit_of_work() as session:
            chat = select(ClassEvent).where(
                ClassEvent.class_session_id == class_id, ClassEvent.kind == "chat"
            )
            rows = (await session.scalars(chat)).all()
        assert [(r.payload["text"], r.request_key is not None) for r in rows] == [(SENT, True)]
        assert errors == []
    finally:
        await phone.close()
        await desktop.close()
