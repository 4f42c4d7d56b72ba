"""The reports pages in a real browser: an operator opens plan-versus-actual for 2020 on the
demo records (the seed's table: 316,520 completions, 164.3%), downloads its CSV, XLSX and PDF and
finds the same figures in them, freezes it after a confirmation, and after a plan is revised
sees the diff name the changed cells and the plan record behind them; a trainee sees only the
reports a trainee may read. Each page state is checked with axe-core, walked by keyboard and
photographed at phone and desktop size."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.async_api import Browser, Download, Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from server.config import Settings
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import CLOCK, DATABASE
from server.demo import demo_password, seed_demo
from server.lms import service as lms
from server.lms.models import Course, PlanVersion
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.test_login_home import (
    NO_SIDEWAYS_SCROLL,
    assert_keyboard_reaches_everything,
    catalog,
    path_of,
    phone,
    sign_in,
)
from tests.conftest import PASSWORD, AppClient, add_person, api_token, bearer

KO = {**catalog("ko", "common"), **catalog("ko", "home"), **catalog("ko", "reports")}
EN = {**catalog("en", "common"), **catalog("en", "home"), **catalog("en", "reports")}
PLAN_VS_ACTUAL = "/reports/plan-vs-actual"

#: how long a page may take to compute a whole-year report over the 2020 demo (316,520
#: enrolments) before the test gives up, on a loaded machine (speed is bench reports' business)
REPORT_WAIT_MS = 60_000


def cell(page: Page, row_key: str, column: str, within: str = "#report-body") -> Any:
    return page.locator(f'{within} tr[data-key="{row_key}"] [data-column="{column}"]')


async def load_demo(client: AppClient, settings: Settings, clock: ManualClock) -> None:
    """The whole demo, 2020's 316,520 completions included: loaded once for the test."""
    async with client.app[DATABASE].unit_of_work(actor_id=None) as session:
        await seed_demo(session, settings, demo_password(settings), Passwords("cheapest"),
                        clock.now())  # fmt: skip


async def download(page: Page, link_name: str) -> tuple[Download, bytes]:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=link_name, exact=True).click()
    got = await info.value
    path = await got.path()
    return got, await asyncio.to_thread(Path(path).read_bytes)


async def revise_a_classroom_plan(client: AppClient, actor_id: int, more: int) -> str:
    """Raise the revised plan of the first offered 2020 classroom course by ``more`` people
    (as an administrator would; the audit log keeps the old figure); its course code."""
    async with client.app[DATABASE].unit_of_work(actor_id=actor_id) as session:
        query = select(Course).where(Course.year == 2020, Course.track == "classroom")
        courses = (await session.scalars(query.order_by(Course.id))).all()
        for course in courses:
            plan = next((p for p in course.plans if p.version == PlanVersion.REVISED), None)
            if plan is not None and plan.offered:
                await lms.revise_plan(session, course.id, PlanVersion.REVISED, offered=True,
                                      runs=plan.runs, people=plan.people + more,
                                      reason="수요 증가로 인원 확대", author_id=actor_id,
                                      at=client.app[CLOCK].now())  # fmt: skip
                return course.code
    raise AssertionError("the demo has no offered 2020 classroom course")


async def check_page(page: Page, name: str, context: str) -> None:
    """axe-core, keyboard, no sideways scrolling, and screenshots at phone and desktop size."""
    await page.set_viewport_size({"width": 360, "height": 640})
    await assert_accessible(page, context=f"{context}, on a phone")
    await assert_keyboard_reaches_everything(page)
    assert await page.evaluate(NO_SIDEWAYS_SCROLL), context
    await screenshot(page, f"{name}-phone")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await assert_accessible(page, context=f"{context}, on a desktop")
    await screenshot(page, f"{name}-desktop")


async def test_operator_reads_downloads_freezes_and_diffs_plan_versus_actual(
    client: AppClient, settings: Settings, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is 2020-10-05 in Seoul: the page asks for 2020 by default
    await load_demo(client, settings, clock)
    hong = await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    admin = await add_person(client.app, "jang", [Role.ADMIN], clock, name="장관리")
    token = await api_token(client, "hong")

    context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                        accept_downloads=True)  # fmt: skip
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/reports")))
        assert path_of(page) == ("/login", {"next": ["/reports"]})  # not signed in yet
        await sign_in(page, "hong", PASSWORD)
        await page.wait_for_url(re.compile(r"/reports$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready", timeout=REPORT_WAIT_MS)
        listed = await (await client.get("/api/v1/reports", headers=bearer(token))).json()
        links = page.locator("#report-list a")
        await expect(links).to_have_text([r["title_ko"] for r in listed])  # whatever the API lists
        await expect(page.locator("#frozen-list")).to_have_text(KO["reports.frozen.none"])
        await check_page(page, "reports-list-operator", "the report list of an operator")

        await page.locator('#report-list a[data-report="plan-vs-actual"]').click()
        await page.wait_for_url(re.compile(r"/reports/plan-vs-actual$"))
        await expect(main).to_have_attribute("data-state", "ready", timeout=REPORT_WAIT_MS)
        await expect(page.get_by_label(KO["reports.year"], exact=True)).to_have_value("2020")
        await expect(page.locator("#parameters")).to_have_text("2020년 · 2020-10-05 기준")

        await page.get_by_label(KO["reports.as-of"], exact=True).fill("2020-09-30")
        await page.get_by_role("button", name=KO["reports.run"], exact=True).click()
        await page.wait_for_url(re.compile(r"/reports/plan-vs-actual\?year=2020&as_of=2020-09-30$"))
        await expect(main).to_have_attribute("data-state", "ready", timeout=REPORT_WAIT_MS)
        await expect(page.locator("#parameters")).to_have_text("2020년 · 2020-09-30 기준")
        title = next(r["title_ko"] for r in listed if r["name"] == "plan-vs-actual")
        await expect(page.get_by_role("heading", level=1)).to_have_text(title)
        # the seed's table: totals set apart, thousands separators, one decimal, blanks stay blank
        await expect(page.locator('#report-body tr[data-key="all"]')).to_have_class(
            re.compile(r"\blevel-total\b"))  # fmt: skip
        await expect(cell(page, "all", "actual_people")).to_have_text("316,520")
        await expect(cell(page, "all", "rate")).to_have_text("164.3%")
        await expect(cell(page, "classroom", "actual_people")).to_have_text("6,177")
        await expect(cell(page, "classroom", "rate")).to_have_text("49.3%")
        await expect(cell(page, "classroom/basic/core_values", "rate")).to_have_text("40.7%")
        await expect(cell(page, "elearning", "actual_runs")).to_have_text(KO["reports.always-open"])
        for blank in ("classroom/public/agencies", "classroom/public/practical_officers"):
            await expect(cell(page, blank, "actual_people")).to_have_text(KO["reports.no-data"])
            await expect(cell(page, blank, "rate")).to_have_text(KO["reports.no-data"])
        total = cell(page, "all", "actual_people")
        assert await total.evaluate("e => getComputedStyle(e).textAlign") == "right"
        # the chart: the rate per row, no bar where there is no data
        chart = page.locator('#report-body figure[data-column="rate"]')
        await expect(chart.locator("svg[role=img]")).to_have_accessible_name(re.compile("이수율"))
        await expect(chart.locator('g[data-key="all"] rect')).to_have_count(1)
        await expect(chart.locator('g[data-key="all"] .bar-value')).to_have_text("164.3%")
        agencies = chart.locator('g[data-key="classroom/public/agencies"]')
        await expect(agencies.locator("rect")).to_have_count(0)
        await expect(agencies.locator(".bar-value")).to_have_text(KO["reports.no-data"])
        await expect(page.locator("#report-body .notes li").first).to_be_visible()
        await check_page(page, "report-plan-vs-actual", "plan versus actual 2020")

        # English on request: the same figures, in English words
        await page.get_by_role("button", name="English", exact=True).click()
        agencies_rate = cell(page, "classroom/public/agencies", "rate")
        await expect(agencies_rate).to_have_text(EN["reports.no-data"])
        await expect(cell(page, "elearning", "actual_runs")).to_have_text(EN["reports.always-open"])
        await expect(cell(page, "all", "actual_people")).to_have_text("316,520")
        await expect(page.locator("#parameters")).to_have_text("2020 · as of 2020-09-30")
        await page.get_by_role("button", name="한국어", exact=True).click()
        await expect(agencies_rate).to_have_text(KO["reports.no-data"])

        # printing: the print stylesheet keeps the report, drops the controls
        await page.emulate_media(media="print")
        await expect(page.locator("#run-form")).to_be_hidden()
        await expect(page.locator("#actions")).to_be_hidden()
        await expect(cell(page, "all", "rate")).to_be_visible()
        await page.emulate_media(media="screen")

        got, raw = await download(page, KO["reports.download.csv"])
        assert got.suggested_filename == f"{title} 2020.csv"  # the Korean title (filename*)
        assert raw.startswith(b"\xef\xbb\xbf")
        lines = {r[0]: r for r in csv.reader(io.StringIO(raw.decode("utf-8-sig")))}
        assert lines["all"][-4:] == ["202", "117", "316520", "164.3"]
        assert lines["classroom/public/agencies"][-4:] == ["자료 없음"] * 4

        got, raw = await download(page, KO["reports.download.xlsx"])
        assert got.suggested_filename == f"{title} 2020.xlsx"
        sheet = load_workbook(io.BytesIO(raw), read_only=True)["보고서"]
        rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
        assert rows["all"][-2:] == (316520, 164.3)
        assert rows["classroom/public/agencies"][-2:] == ("자료 없음", "자료 없음")

        got, raw = await download(page, KO["reports.download.pdf"])
        assert got.suggested_filename == f"{title} 2020.pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
        assert "316,520" in text
        assert "164.3%" in text
        assert title in text

        # freezing asks first; cancelling freezes nothing
        freeze = page.get_by_role("button", name=KO["reports.freeze"], exact=True)
        await freeze.click()
        dialog = page.get_by_role("dialog", name=KO["reports.freeze.confirm-heading"])
        await expect(dialog).to_be_visible()
        await expect(dialog).to_contain_text("2020-09-30")
        await expect(dialog.get_by_role("button", name=KO["reports.freeze.cancel"])).to_be_focused()
        await assert_accessible(page, context="the freeze confirmation")
        await dialog.get_by_role("button", name=KO["reports.freeze.cancel"]).click()
        await expect(dialog).to_be_hidden()
        await expect(freeze).to_be_focused()
        none_yet = await client.get("/api/v1/frozen-reports", headers=bearer(token))
        assert (await none_yet.json())["items"] == []

        await freeze.click()
        await dialog.get_by_role("button", name=KO["reports.freeze.confirm"], exact=True).click()
        await page.wait_for_url(re.compile(r"/frozen-reports/\d+$"))
        await expect(main).to_have_attribute("data-state", "ready", timeout=REPORT_WAIT_MS)
        frozen_id = int(page.url.rsplit("/", 1)[1])
        stored = await (await client.get(f"/api/v1/frozen-reports/{frozen_id}",
                                         headers=bearer(token))).json()  # fmt: skip
        assert stored["author_id"] == hong.id
        assert stored["parameters"] == {"year": 2020, "as_of": "2020-09-30"}
        meta = page.locator("#frozen-meta")
        await expect(meta).to_contain_text("홍길동")
        await expect(meta).to_contain_text(stored["content_sha256"])
        await expect(page.locator("#frozen-intact")).to_have_text(KO["reports.frozen.intact"])
        await expect(cell(page, "all", "actual_people", "#frozen-body")).to_have_text("316,520")
        await check_page(page, "frozen-plan-vs-actual", "a frozen report")

        old_people = stored["content"]["rows"][0]
        assert old_people["key"] == "all"
        old_revised = old_people["cells"]["people_revised"]
        code = await revise_a_classroom_plan(client, admin.id, 1000)

        await page.get_by_role("button", name=KO["reports.diff.run"], exact=True).click()
        await expect(page.locator("#diff-summary")).to_have_text(KO["reports.diff.changed"])
        await expect(page.locator("#diff-heading")).to_be_focused()
        changed = page.locator('#diff-cells tr[data-key="all"][data-column="people_revised"]')
        await expect(changed.locator("td").nth(1)).to_have_text(f"{old_revised:,}")
        await expect(changed.locator("td").nth(2)).to_have_text(f"{old_revised + 1000:,}")
        rate = page.locator('#diff-cells tr[data-key="all"][data-column="rate"]')
        await expect(rate).to_have_count(1)
        record = page.locator("#changed-records > li")
        await expect(record).to_have_count(1)
        await expect(record).to_have_attribute("data-entity", "course_plans")
        await expect(record).to_contain_text(code)
        await expect(record).to_contain_text("장관리")  # who changed it
        await expect(record).to_contain_text(KO["reports.action.update"])
        await check_page(page, "frozen-plan-vs-actual-diff", "a frozen report and its diff")

        # the list now shows the freeze: who, as of when, its hash
        await page.goto(str(client.make_url("/reports")))
        row = page.locator(f'#frozen-list tr[data-frozen-id="{frozen_id}"]')
        await expect(row).to_contain_text("홍길동")
        await expect(row).to_contain_text("2020-09-30")
        await expect(row).to_contain_text(stored["content_sha256"][:12])

        # every report the API lists for this person opens, row for row, with no data as such
        for info in listed:
            query = {"year": "2020", "as_of": "2020-09-30"}
            url = f"/api/v1/reports/{info['name']}"
            body = await (await client.get(url, params=query, headers=bearer(token))).json()
            await page.goto(
                str(client.make_url(f"/reports/{info['name']}?year=2020&as_of=2020-09-30"))
            )
            # a report over the whole 2020 demo (316,520 enrolments) is computed afresh for the
            # page: allow it time on a loaded machine (speed is bench reports' business)
            await expect(main).to_have_attribute("data-state", "ready", timeout=REPORT_WAIT_MS)
            await expect(page.locator("#report-body tbody tr")).to_have_count(len(body["rows"]))
            nulls = sum(v is None for r in body["rows"] for v in r["cells"].values())
            await expect(
                page.locator("#report-body td.no-data, #report-body th.no-data")
            ).to_have_count(nulls)
            await assert_accessible(page, context=f"the report {info['name']}")
    finally:
        await context.close()


async def test_a_trainee_sees_only_the_reports_a_trainee_may_read(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    token = await api_token(client, "kim")
    mine = await (await client.get("/api/v1/reports", headers=bearer(token))).json()
    assert "plan-vs-actual" not in {r["name"] for r in mine}

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/reports")))
        await sign_in(page, "kim", PASSWORD)
        await page.wait_for_url(re.compile(r"/reports$"))
        await expect(page.locator("main")).to_have_attribute(
            "data-state", "ready", timeout=REPORT_WAIT_MS
        )
        await expect(page.locator("#report-list a")).to_have_text([r["title_ko"] for r in mine])
        await expect(page.locator("#frozen-section")).to_be_hidden()
        await check_page(page, "reports-list-trainee", "the report list of a trainee")

        # their own dropouts: scoped, no freezing, and with no class every figure is no data
        await page.locator('#report-list a[data-report="dropouts"]').click()
        await page.wait_for_url(re.compile(r"/reports/dropouts$"))
        await expect(page.locator("main")).to_have_attribute(
            "data-state", "ready", timeout=REPORT_WAIT_MS
        )
        await expect(page.locator("#parameters")).to_have_text(
            "2020년 · 2020-10-05 기준 · 본인 관련 기록만"
        )
        await expect(page.get_by_role("button", name=KO["reports.freeze"])).to_be_hidden()
        figures = page.locator("#report-body td.num")
        assert await figures.count() > 0
        assert set(await figures.all_text_contents()) == {KO["reports.no-data"]}
        await expect(page.locator("#report-body svg rect")).to_have_count(0)
        await check_page(page, "report-dropouts-trainee", "a trainee's own dropouts")

        # bad input is refused in words and shows nothing
        await page.get_by_label(KO["reports.as-of"], exact=True).fill("2019-12-31")
        await page.get_by_role("button", name=KO["reports.run"], exact=True).click()
        await expect(page.locator("main")).to_have_attribute("data-state", "failed")
        await expect(page.get_by_role("alert")).to_contain_text("as_of")
        await expect(page.locator("#report-body tr")).to_have_count(0)

        await page.goto(str(client.make_url(f"{PLAN_VS_ACTUAL}?year=2020")))
        await expect(page.locator("main")).to_have_attribute("data-state", "failed")
        await expect(page.get_by_role("alert")).to_have_text(KO["reports.error.forbidden"])
        await expect(page.locator("#report-body tr")).to_have_count(0)
        await expect(page.get_by_role("button", name=KO["reports.freeze"])).to_be_hidden()
        await assert_accessible(page, context="a report a trainee may not read")
    finally:
        await context.close()
