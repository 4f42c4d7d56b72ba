"""The trainee's own page (/my) in a real browser, on a phone: from the home page a trainee
opens their record; a finished cohort shows the completion explanation and its certificate,
whose PDF downloads and carries the code the page shows; a current cohort shows a class not
held yet as scheduled (no "0 min") and links to its open survey. axe-core clean, keyboard
reachable, no sideways scroll, phone and desktop screenshots, Korean and English; someone not
signed in is refused."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import PdfParser
from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import Cohort
from tests.browser.a11y import screenshot
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, link, sign_in
from tests.conftest import PASSWORD, AppClient, add_person
from tests.lms.completion.records import Api, make_cohort
from tests.lms.record.helpers import attend

KO = {**catalog("ko", "common"), **catalog("ko", "home"), **catalog("ko", "admin"),
      **catalog("ko", "my")}  # fmt: skip
EN = {**catalog("en", "common"), **catalog("en", "admin"), **catalog("en", "my")}
T0 = datetime(2020, 9, 14, 1, 0, tzinfo=UTC)  # a finished cohort three weeks before "today"


def say(words: dict[str, str], key: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), words[key])


async def test_a_trainee_reads_their_record_and_downloads_the_certificate(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is 2020-10-05 09:00 in Seoul
    kim = await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    park = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    ops_person = await add_person(client.app, "ops", [Role.OPERATOR], clock, name="오운영")
    ops = await Api.of(client, ops_person)
    finished = await make_cohort(client.app, clock, trainees=[kim.id], instructor=park.id,
                                 windows=[(T0, T0 + timedelta(hours=2))])  # fmt: skip
    await attend(
        client.app, finished.sessions[0],
        ("join", T0, kim.id, "phone"), ("drop", T0 + timedelta(minutes=30), kim.id, "phone"),
        ("resume", T0 + timedelta(minutes=31), kim.id, "phone"),  # a call: back within grace
        ("leave", T0 + timedelta(minutes=110), kim.id, "phone"),
    )  # fmt: skip
    await ops.call("POST", f"/courses/{finished.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80% 출석"}, 201)  # fmt: skip
    await ops.call("POST", f"/cohorts/{finished.cohort_id}/completion/finalise")
    async with client.app[DATABASE].unit_of_work() as session:
        cohort = await session.get(Cohort, finished.cohort_id)
        assert cohort is not None
        cohort.starts_on = cohort.ends_on = T0.date()
        cohort.status = "finished"
    tomorrow = clock.now() + timedelta(days=1, hours=1)
    current = await make_cohort(client.app, clock, trainees=[kim.id], instructor=park.id,
                                windows=[(tomorrow, tomorrow + timedelta(hours=3))])  # fmt: skip
    body = {"kind": "satisfaction", "title": "사전 설문",
            "items": [{"kind": "scale5", "prompt": "기대되십니까?"}]}  # fmt: skip
    survey = await ops.call("POST", f"/cohorts/{current.cohort_id}/surveys", body, 201)
    await ops.call("POST", f"/surveys/{survey['id']}/open")

    context = await browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                        has_touch=True, accept_downloads=True)  # fmt: skip
    try:
        page = await context.new_page()
        refused = await page.goto(str(client.make_url("/my")))
        assert refused is not None
        assert refused.status == 401
        await expect(page.locator("main")).to_contain_text(KO["admin.refused.not-authenticated"])

        await page.goto(str(client.make_url("/login?next=/home")))
        await sign_in(page, "kim", PASSWORD)
        await page.wait_for_url(re.compile(r"/home$"))
        await link(
            page.get_by_role("navigation", name=KO["home.nav"]), KO["home.my-record"]
        ).click()
        await page.wait_for_url(re.compile(r"/my$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["my.heading"])

        # the current cohort: its class is scheduled, with no figure; the survey to answer
        now_card = page.locator(f'#current li.course[data-cohort-id="{current.cohort_id}"]')
        coming = now_card.locator(f'li[data-session-id="{current.sessions[0]}"]')
        await expect(coming).to_contain_text(say(KO, "my.session.scheduled", minutes=180))
        assert not re.search(r"(?<![0-9])0(분|%)", await coming.inner_text())
        await expect(now_card).to_contain_text(KO["my.presence.none"])
        await expect(now_card).to_contain_text(KO["my.completion.pending"])
        answer = link(now_card, say(KO, "my.survey.answer", title="사전 설문"))
        await expect(answer).to_have_attribute("href", f"/surveys/{survey['id']}")

        # the finished cohort: 110 of 120 min (the reconnect bridged), completed, explained
        done = page.locator(f'#past li.course[data-cohort-id="{finished.cohort_id}"]')
        held = done.locator(f'li[data-session-id="{finished.sessions[0]}"]')
        await expect(held).to_contain_text(say(KO, "my.session.present", present=110, of=120,
                                               pct=91))  # fmt: skip
        await expect(held).to_contain_text(say(KO, "my.session.bridged", count=1))
        await expect(held).to_contain_text(say(KO, "my.session.devices", devices="휴대전화"))
        await expect(done.locator(".explanation")).to_have_text("출석 120분 중 110분 (91%) ✓; 수료")
        await expect(done.locator(".badge.outcome-completed")).to_have_text(
            KO["my.outcome.completed"]
        )
        code = (await done.locator(".code").inner_text()).strip()
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){5}", code), code
        async with page.expect_download() as info:
            await link(done, KO["my.certificate.download"]).click()
        got = await info.value
        pdf = await asyncio.to_thread(Path(await got.path()).read_bytes)
        assert pdf.startswith(b"%PDF-")
        facts = PdfParser.PdfParser(buf=pdf).info
        assert PdfParser.decode_text(facts[b"Keywords"]) == f"verification:{code}"
        assert code in PdfParser.decode_text(facts[b"Title"])
        verified = await client.get(f"/api/v1/certificates/{code}")
        assert (await verified.json())["name"] == "김민지"

        await at_both_sizes(page, "my-record-trainee", "the trainee's own record")
        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(done.locator(".explanation")).to_have_text(
            "present 110 of 120 min (91%) ✓; completed"
        )
        await expect(coming).to_contain_text(say(EN, "my.session.scheduled", minutes=180))
        await screenshot(page, "my-record-trainee-en-phone")
    finally:
        await context.close()
