"""Two real browsers in one class: each receives the other's camera and microphone.

Debian's Chromium (installed by the test set-up when missing), driven by Playwright, with a
fake camera and microphone; a phone-sized trainee and a desktop instructor open their join
links, the class page publishes and subscribes through the server's forwarding unit, and each
page's own WebRTC statistics must show decoded video frames and received audio.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from playwright.async_api import Browser, Page

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from server.rooms.media.limits import GALLERY_TIERS, STAGE
from tests.browser.conftest import join_link
from tests.conftest import AppClient, add_person
from tests.factories import make_class


async def media_arrives(page: Page, deadline_s: float = 30.0) -> dict[str, Any]:
    """The page's own inbound statistics, once video frames and audio have arrived (or at the
    deadline): WebRTC takes a moment to connect, and only the browser knows when it has."""
    loop = asyncio.get_running_loop()
    until = loop.time() + deadline_s
    while True:
        totals: dict[str, Any] = await page.evaluate("window.baeum.received()")
        if (totals["framesDecoded"] > 5 and totals["audioPackets"] > 5) or loop.time() > until:
            return totals
        await page.wait_for_timeout(200)


async def test_two_browsers_see_and_hear_each_other(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(client.app, clock, trainees=[kim.id],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    phone = await browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    )
    desktop = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pages = []
        for context, person in ((phone, kim), (desktop, park)):
            page = await context.new_page()
            await page.goto(await join_link(client, klass.class_session_id, person.id))
            await page.wait_for_function("window.baeum || window.baeumError", timeout=30_000)
            assert await page.evaluate("window.baeumError || null") is None
            pages.append(page)
        for page in pages:
            totals = await media_arrives(page)
            assert totals["framesDecoded"] > 5
            assert totals["audioPackets"] > 5
        # each camera sends what the server asked: the trainee's a two-up tile, the instructor's
        # the stage
        trainee, instructor = [await page.evaluate("window.baeum.sending()") for page in pages]
        assert trainee == {"maxBitrate": GALLERY_TIERS[0][1].max_kbps * 1000,
                           "maxFramerate": GALLERY_TIERS[0][1].max_fps}  # fmt: skip
        assert instructor == {"maxBitrate": STAGE.max_kbps * 1000, "maxFramerate": STAGE.max_fps}
    finally:
        await phone.close()
        await desktop.close()
