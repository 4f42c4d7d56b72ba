"""The completion records page in a real browser: an operator opens a finished cohort's
records (live attendance written the way the class writes it), reads the rule in words and each
trainee's explanation, filters, finalises after a confirmation, adds an excused absence with a
required reason and sees the explanation and result change, finalises again with the dialog
naming the one result that changes, and downloads the XLSX export through the page (its rows
checked with openpyxl against the results API); the cohort's instructor reads it without the
finalise button; a trainee is refused; anyone can check a certificate code on its public
page. Every state passes axe-core, is walked by keyboard, photographed at phone and desktop."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from playwright.async_api import Browser, Locator, Page, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.browser.a11y import assert_accessible
from tests.browser.test_login_home import catalog, phone, sign_in
from tests.browser.test_reports import check_page, download
from tests.conftest import PASSWORD, AppClient, add_person, api_token, bearer
from tests.lms.completion.records import Api, attend, make_cohort

KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "completion")}
EN = {**catalog("en", "common"), **catalog("en", "completion")}
T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def say(key: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), KO[key])


def row(page: Page, user_id: int) -> Locator:
    return page.locator(f'#table tr[data-user-id="{user_id}"]')


async def open_page(page: Page, client: AppClient, path: str, login: str) -> None:
    await page.goto(str(client.make_url(f"/login?next={path}")))
    await sign_in(page, login, PASSWORD)
    await page.wait_for_url(re.compile(re.escape(path) + "$"))
    await expect(page.locator("main")).to_have_attribute("data-state", "ready")


async def test_an_operator_corrects_finalises_and_exports_completion(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    who = {
        "kim": await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지",
                                org_unit="교육정책과", grade="7급"),
        "lee": await add_person(client.app, "lee", [Role.TRAINEE], clock, name="이서준"),
        "choi": await add_person(client.app, "choi", [Role.TRAINEE], clock, name="최유나"),
        "park": await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사"),
        "ops": await add_person(client.app, "ops", [Role.OPERATOR], clock, name="오운영"),
    }  # fmt: skip
    kim, lee, choi = who["kim"].id, who["lee"].id, who["choi"].id
    cohort = await make_cohort(client.app, clock, trainees=[kim, lee, choi],
                               instructor=who["park"].id,
                               windows=[(T0, T0 + HOUR), (T0 + DAY, T0 + DAY + HOUR)])  # fmt: skip
    day1, day2 = cohort.sessions
    for user_id in (kim, lee):  # kim both days, lee the first (reconnecting once), choi never
        await attend(client.app, day1, ("join", T0, user_id, "pc"),
                     ("leave", T0 + HOUR, user_id, "pc"))  # fmt: skip
    await attend(client.app, day2, ("join", T0 + DAY, kim, "phone"),
                 ("leave", T0 + DAY + HOUR, kim, "phone"))  # fmt: skip
    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80% 출석"}, 201)  # fmt: skip
    clock.set(T0 + 2 * DAY)  # both days are over
    path = f"/admin/cohorts/{cohort.cohort_id}/completion"

    context = await phone(browser)
    context.set_default_timeout(15_000)
    try:
        page = await context.new_page()
        await open_page(page, client, path, "ops")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["cw.heading"])
        await expect(page.locator("#cohort-line")).to_contain_text("핵심가치 공유 과정 · 1기")
        await expect(page.locator("#rule-list li")).to_have_text(
            [say("cw.rule.presence", pct=80)])  # fmt: skip
        await expect(page.locator("#counts")).to_have_text(
            say("cw.counts", completed=1, not_completed=2, undetermined=0))  # fmt: skip
        await expect(row(page, lee).locator(".explanation")).to_have_text(
            "출석 120분 중 60분 (50%) ✗; 미수료")  # fmt: skip
        await expect(row(page, kim).locator('[data-criterion="presence"]')).to_contain_text(
            "120/120분")  # fmt: skip
        await expect(row(page, kim)).to_contain_text("교육정책과")
        await check_page(page, "completion-operator", "the completion records of a cohort")

        # filter: not completed only
        await page.get_by_label(KO["cw.filter"], exact=True).select_option("not_completed")
        await expect(page.locator("#table tbody tr")).to_have_count(2)
        await expect(page.locator("#shown")).to_have_text(say("cw.shown", shown=2, total=3))
        await page.get_by_label(KO["cw.filter"], exact=True).select_option("")
        await expect(page.locator("#table tbody tr")).to_have_count(3)

        # the first finalising asks first, and says it is the first
        finalise = page.get_by_role("button", name=KO["cw.finalise"], exact=True)
        await finalise.click()
        dialog = page.get_by_role("dialog", name=KO["cw.finalise.heading"])
        await expect(dialog).to_be_visible()
        await expect(dialog).to_contain_text(KO["cw.finalise.first"])
        await expect(dialog.get_by_role("button", name=KO["cw.finalise.cancel"])).to_be_focused()
        await assert_accessible(page, context="the finalise confirmation")
        await dialog.get_by_role("button", name=KO["cw.finalise.confirm"], exact=True).click()
        await expect(page.locator("#finalise-result")).to_contain_text("김민지: 미확정 → 수료")
        await expect(row(page, kim).locator(".finalised")).to_have_text("수료")
        await expect(row(page, lee).locator(".finalised")).to_have_text("미수료")
        await expect(row(page, kim).get_by_role("link", name=say(
            "cw.certificate.pdf-of", name="김민지"))).to_be_visible()  # fmt: skip
        await expect(row(page, lee).locator(".certificate")).to_have_text(KO["cw.certificate.none"])

        # an excused absence for lee's second day: the reason is required
        await row(page, lee).get_by_role("button", name=say(
            "cw.corrections.open-of", name="이서준", count=0)).click()  # fmt: skip
        panel = page.locator("#panel")
        await expect(panel.get_by_role("heading", level=2)).to_have_text(
            say("cw.panel.heading", name="이서준"))  # fmt: skip
        await expect(panel.get_by_role("heading", level=2)).to_be_focused()
        await expect(panel.locator("#panel-list li")).to_have_text([KO["cw.panel.none"]])
        await panel.get_by_label(KO["cw.form.session"], exact=True).select_option(str(day2))
        submit = panel.get_by_role("button", name=KO["cw.form.submit"], exact=True)
        await submit.click()
        await expect(panel.get_by_role("alert")).to_have_text(KO["cw.form.reason-missing"])
        await expect(panel.get_by_label(KO["cw.form.reason"], exact=True)).to_be_focused()
        corrections_path = f"/api/v1/cohorts/{cohort.cohort_id}/completion-corrections"
        token = await api_token(client, "ops")
        assert await (await client.get(corrections_path, headers=bearer(token))).json() == []
        await panel.get_by_label(KO["cw.form.reason"], exact=True).fill("병가 (진단서 제출)")
        await submit.click()
        await expect(panel.locator("#panel-status")).to_have_text(KO["cw.form.added"])
        entry = panel.locator("#panel-list li")
        await expect(entry).to_have_count(1)
        await expect(entry).to_contain_text("공결: 2일차")
        await expect(entry).to_contain_text("병가 (진단서 제출)")
        await expect(entry).to_contain_text("오운영")  # who added it
        await expect(row(page, lee).locator(".explanation")).to_have_text(
            "출석 60분 중 60분 (100%) ✓; 공결: 2일차 (병가 (진단서 제출)); 수료")  # fmt: skip
        await expect(row(page, lee).locator(".outcome")).to_have_text("수료")
        await expect(row(page, lee).locator(".finalised")).to_have_text("미수료")  # not yet
        await check_page(page, "completion-corrections", "a trainee's corrections panel")

        # finalising again names the one result that changes
        await finalise.click()
        await expect(dialog.locator("li")).to_have_text(["이서준: 미수료 → 수료"])
        await dialog.get_by_role("button", name=KO["cw.finalise.confirm"], exact=True).click()
        await expect(page.locator("#finalise-result li")).to_have_text(["이서준: 미수료 → 수료"])
        await expect(row(page, lee).locator(".finalised")).to_have_text("수료")
        await expect(finalise).to_be_focused()

        # the XLSX export, downloaded through the page, agrees with the results API
        got, raw = await download(page, KO["cw.download.xlsx"])
        assert got.suggested_filename == "이수현황_핵심가치 공유 과정_1기.xlsx"
        sheet = load_workbook(io.BytesIO(raw))["보고서"]
        lines = [list(r) for r in sheet.iter_rows(values_only=True)]
        header, rows = lines[0], {line[0]: dict(zip(lines[0], line, strict=True))
                                  for line in lines[1:]}  # fmt: skip
        assert header[0] == "아이디 (Login)"
        judged = await (await client.get(f"/api/v1/cohorts/{cohort.cohort_id}/completion",
                                         headers=bearer(token))).json()  # fmt: skip
        logins = {kim: "kim", lee: "lee", choi: "choi"}
        assert list(rows) == [logins[r["user_id"]] for r in judged["results"]]
        for result in judged["results"]:
            line = rows[logins[result["user_id"]]]
            assert line["설명 (Explanation)"] == result["explanation_ko"]
            assert line["출석(분) (Present (min))"] == result["criteria"][0]["actual"]
        assert rows["lee"]["결과 (Result)"] == "수료"
        assert rows["lee"]["정정 (Corrections)"] == (
            "공결 2일차: 병가 (진단서 제출) (오운영, 2020-10-07 10:00)")  # fmt: skip
        assert rows["choi"]["결과 (Result)"] == "미수료"
        assert rows["choi"]["소속 (Org unit)"] == "자료 없음"
        got, raw = await download(page, KO["cw.download.csv"])
        assert got.suggested_filename == "이수현황_핵심가치 공유 과정_1기.csv"
        assert "이서준" in raw.decode("utf-8-sig")

        # English on request
        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(EN["cw.heading"])
        english = "present 60 of 60 min (100%) ✓; excused: 2일차 (병가 (진단서 제출)); completed"
        await expect(row(page, lee).locator(".explanation")).to_have_text(english)
        await page.get_by_role("button", name="한국어", exact=True).click()

        # a certificate, issued on its first download, has a code anyone can check
        certificate = f"/api/v1/cohorts/{cohort.cohort_id}/completion/{kim}/certificate"
        assert (await client.get(certificate, headers=bearer(token))).status == 200
        await page.reload()
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        code_link = row(page, kim).locator("a.code")
        await expect(code_link).to_be_visible()
        await code_link.click()
        await page.wait_for_url(re.compile(r"/certificates/[A-Z0-9-]+$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.locator("#verdict")).to_have_text(KO["cw.verify.valid"])
        await expect(page.locator("#facts")).to_contain_text("김민지")
        await expect(page.locator("#facts")).to_contain_text("핵심가치 공유 과정")
        await check_page(page, "certificate-check", "the public certificate check")
        await page.goto(str(client.make_url("/certificates/AAAA-BBBB")))
        await expect(page.locator("#verdict")).to_have_text(KO["cw.verify.invalid"])
    finally:
        await context.close()

    # the cohort's instructor reads and may correct, but does not finalise; a trainee is refused
    context = await phone(browser)
    try:
        page = await context.new_page()
        await open_page(page, client, path, "park")
        await expect(row(page, lee).locator(".outcome")).to_have_text("수료")
        await expect(page.get_by_role("button", name=KO["cw.finalise"])).to_have_count(0)
        await expect(row(page, kim).locator(".certificate a[download]")).to_have_count(0)
        await check_page(page, "completion-instructor", "an instructor's completion records")
    finally:
        await context.close()
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login")))
        await sign_in(page, "kim", PASSWORD)
        await page.wait_for_url(re.compile(r"/home$"))
        response = await page.goto(str(client.make_url(path)))
        assert response is not None
        assert response.status == 403
        await expect(page.locator("main")).to_contain_text(KO["admin.refused.completion-staff"])
    finally:
        await context.close()
