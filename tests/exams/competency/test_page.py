"""The competency-assessment page (/admin/exams/competency): its gate (exam officers and admins;
everyone else the exams pages' refusal), its words in both languages, the two small read routes
it needs (a round's score sheet with named candidates, a logged read; people to add found by
name or log-in), and in a real browser: an exam officer's administration shell (the exam pages,
not the budget) leads to the page, where a round is made with its prep cohort, a candidate
found and added, assessors added, a bad score refused in its cell, the grid scored, and the
result read with its reason and the prep course's attendance beside it ("not held yet" for a
prep course whose classes are all ahead, never 0)."""

from __future__ import annotations

import html
import json
import re

from playwright.async_api import Browser, Locator, Page, expect

from server.core.auth.roles import EXAM_STAFF, Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import browser  # noqa: F401  (the real Chromium fixture)
from tests.browser.test_login_home import link, phone, sign_in
from tests.conftest import AppClient, Person, add_person, log_in
from tests.exams.competency.test_competency import joined, score
from tests.lms.instructors.helpers import Caller, add_session, kst, make_course


def catalog(lang: str, area: str) -> dict[str, str]:
    words: dict[str, str] = json.loads((STATIC_DIR / "i18n" / lang / f"{area}.json").read_text())
    return words


KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "competency")}


async def test_only_exam_staff_open_the_page_and_read_its_sheet(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    anonymous = await client.get("/admin/exams/competency", allow_redirects=False)
    assert anonymous.status == 401
    assert "/login?next=/admin/exams/competency" in html.unescape(await anonymous.text())
    for role, person in people.items():
        await log_in(client, person.login)
        response = await client.get("/admin/exams/competency", allow_redirects=False)
        text = html.unescape(await response.text())
        if role in EXAM_STAFF:
            assert response.status == 200, role
            assert 'id="round-form"' in text
            assert '<meta name="baeum-today" content="2020-10-05">' in text
        else:
            assert response.status == 403, role
            assert 'id="round-form"' not in text
            for lang in ("ko", "en"):
                assert catalog(lang, "admin")["admin.refused.exam-staff-only"] in text
        client.session.cookie_jar.clear()
    # one database for both (each test's database costs seconds on PostgreSQL)
    await sheet_and_people_routes(client, people, clock)


def test_every_word_the_page_uses_is_in_both_languages() -> None:
    page = (STATIC_DIR / "admin-competency.html").read_text()
    script = (STATIC_DIR / "js" / "competency" / "page.js").read_text()
    used = set(re.findall(r'"(comp\.[a-z0-9._-]+)"', page + script))
    ko, en = catalog("ko", "competency"), catalog("en", "competency")
    # built in the script: the competency names, grades and outcomes
    used |= {f"comp.c.{c}" for c in ("policy_planning", "performance_management",
             "organisation_management", "stakeholder_coordination", "communication",
             "motivation", "planning", "logical_thinking", "situational_judgement",
             "coordination")}  # fmt: skip
    used |= {"comp.grade.4", "comp.grade.5"}
    used |= {f"comp.{w}.{o}" for w in ("result", "outcome") for o in ("pass", "fail", "incomplete")}
    assert set(ko) == set(en)
    assert used <= set(ko), used - set(ko)
    for key in ("exams", "competency"):
        for lang in ("ko", "en"):
            assert f"admin.section.{key}.about" in catalog(lang, "admin")
    assert 'href="/admin/exams/competency"' in (STATIC_DIR / "admin-exams.html").read_text()
    assert 'href="/admin/exams"' in page


async def sheet_and_people_routes(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    kim = await add_person(client.app, "kim5", [Role.TRAINEE], clock, name="김서기관",
                           org_unit="행정국")  # fmt: skip
    found = await officer.get("/exams/competency/people", q="서기")
    assert [(p["id"], p["login"], p["org_unit"]) for p in found] == [(kim.id, "kim5", "행정국")]
    assert await officer.get("/exams/competency/people", q="없는사람") == []
    await officer.get("/exams/competency/people", 422, q="")
    rnd = await officer.post("/exams/competency/rounds", {
        "name": "5급", "grade": 5, "held_on": "2020-11-01"})  # fmt: skip
    base = f"/exams/competency/rounds/{rnd['id']}"
    # a person who does not exist is refused with a problem, and nothing is added
    missing = await officer.post(f"{base}/candidates", {"user_id": 999_999}, 404)
    assert missing["type"] == "/problems/not-found"
    cand = await officer.post(f"{base}/candidates", {"user_id": kim.id, "org_unit": "행정국"})
    who = await officer.post(f"{base}/assessors", {"name": "평가위원 가"})
    await score(officer, rnd["id"], cand["id"], who["id"], "planning", "3.5")
    sheet = await officer.get(f"{base}/sheet")
    assert sheet["round"]["competencies"][0] == "planning"
    assert sheet["candidates"] == [{"id": cand["id"], "user_id": kim.id, "login": "kim5",
                                    "name": "김서기관", "org_unit": "행정국"}]  # fmt: skip
    assert [a["name"] for a in sheet["assessors"]] == ["평가위원 가"]
    assert [(s["competency"], s["score"]) for s in sheet["scores"]] == [("planning", "3.5")]
    reads = await officer.get("/exams/panels/reads")
    assert [(r["what"], r["ref"]) for r in reads] == [("competency-sheet", str(rnd["id"]))]
    for role in (Role.OPERATOR, Role.TRAINEE):
        other = await Caller.of(client, people[role].login)
        await other.get(f"{base}/sheet", 403)
        await other.get("/exams/competency/people", 403, q="김")
    await officer.get("/exams/competency/rounds/999999/sheet", 404)


def cell(page: Page, name: str, competency: str, assessor: str) -> Locator:
    return page.get_by_label(f"{name} · {competency} · {assessor}", exact=True)


async def test_an_exam_officer_scores_a_candidate_through_the_grid(
    client: AppClient,
    clock: ManualClock,
    browser: Browser,  # noqa: F811
) -> None:
    # the manual clock is 2020-10-05 09:00 in Seoul
    await add_person(client.app, "exam", [Role.EXAM_OFFICER], clock, name="시험담당 김")
    lee = await add_person(client.app, "lee5", [Role.TRAINEE], clock, name="이사무관",
                           org_unit="재정국")  # fmt: skip
    prep = await make_course(client.app, title="5급 승진 역량평가 대비과정")
    held = await add_session(client.app, prep, kst(2020, 9, 1, 9), minutes=420)
    await add_session(client.app, prep, kst(2020, 9, 2, 9), minutes=420)
    await add_session(client.app, prep, kst(2020, 11, 2, 9), minutes=420, state="scheduled")
    await joined(client, held, lee.id, kst(2020, 9, 1, 9))
    later = await make_course(client.app, title="4급 승진 역량평가 대비과정")
    await add_session(client.app, later, kst(2020, 11, 9, 9), minutes=420, state="scheduled")
    officer = await Caller.of(client, "exam")
    ahead = await officer.post("/exams/competency/rounds", {
        "name": "2020 4급 역량평가", "grade": 4, "held_on": "2020-11-20",
        "prep_cohort_id": later.cohort_id})  # fmt: skip
    await officer.post(f"/exams/competency/rounds/{ahead['id']}/candidates", {"user_id": lee.id})

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin")))
        await sign_in(page, "exam", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        sections = page.get_by_role("navigation", name=KO["admin.sections"])
        # an exam officer's shell: the exam pages and the reports, not the budget or instructors
        await expect(sections.locator("li")).to_have_count(3)
        await expect(link(sections, KO["admin.section.exams"])).to_have_attribute(
            "href", "/admin/exams"
        )
        await expect(link(sections, KO["admin.section.budget"])).to_have_count(0)
        await expect(link(sections, KO["admin.section.instructors"])).to_have_count(0)
        await link(sections, KO["admin.section.competency"]).click()

        await page.wait_for_url(re.compile(r"/admin/exams/competency$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.locator("#rounds-status")).to_have_text("평가 회차 1개")

        form = page.locator("#round-form")
        await form.get_by_label(KO["comp.round.name"], exact=True).fill("2020 5급 역량평가 1회")
        await form.get_by_label(KO["comp.round.grade"], exact=True).select_option("5")
        await form.get_by_label(KO["comp.round.date"], exact=True).fill("2020-10-20")
        await form.get_by_label(KO["comp.round.prep"], exact=True).select_option(
            str(prep.cohort_id)
        )
        await form.get_by_role("button", name=KO["comp.round.create"]).click()
        await expect(page.locator("#round-heading")).to_have_text("2020 5급 역량평가 1회")
        await expect(page.locator("#round-facts")).to_contain_text("5급 승진 역량평가 대비과정 1기")

        people = page.locator("#people-form")
        await people.get_by_label(KO["comp.candidates.find"], exact=True).fill("이사무")
        await people.get_by_role("button", name=KO["comp.candidates.search"]).click()
        await people.get_by_role("button", name="이사무관 대상자로 추가").click()
        await expect(page.locator("#people-status")).to_have_text(
            "이사무관을(를) 대상자로 추가했습니다."
        )
        assessors = page.locator("#assessor-form")
        for name in ("평가위원 가", "평가위원 나"):
            await assessors.get_by_label(KO["comp.assessors.name"], exact=True).fill(name)
            await assessors.get_by_role("button", name=KO["comp.assessors.submit"]).click()
            await expect(page.locator("#people-summary")).to_contain_text(name)
        row = page.locator("#results-table tbody tr").first
        await expect(row).to_have_attribute("data-outcome", "incomplete")
        await expect(row).to_contain_text("대비과정 2회 중 1회 출석")

        # a score that is not in half points is refused in its own cell, and nothing is saved
        planning = cell(page, "이사무관", "기획력", "평가위원 가")
        await planning.fill("3.2")
        await planning.press("Tab")
        await expect(page.locator("#grid-status")).to_contain_text(KO["comp.error.score"])
        await expect(planning).to_have_attribute("aria-invalid", "true")
        await expect(row.locator("td.no-data").first).to_have_text(KO["admin.no-data"])

        competencies = ["기획력", "논리적 사고", "상황판단", "의사소통", "조정·통합"]
        for name in competencies:
            for assessor, value in (("평가위원 가", "3.0"), ("평가위원 나", "2.5")):
                box = cell(page, "이사무관", name, assessor)
                await box.fill(value)
                await box.press("Tab")
                await expect(page.locator("#grid-status")).to_have_text(
                    f"저장했습니다: 이사무관 · {name} · {assessor} = {value}"
                )
        await expect(row).to_have_attribute("data-outcome", "pass")
        # means 2.75 each: overall 2.75 against the pass mark 2.50
        await expect(row.locator("td.outcome")).to_have_text(
            "합격 종합 2.75점이 합격 기준 2.50점 이상"
        )
        await expect(row.locator("td.prep")).to_have_text("대비과정 2회 중 1회 출석")
        await assert_accessible(page, context="the competency page with a scored grid")
        grid = page.locator(".grid-candidate tbody tr", has_text="기획력")
        await expect(grid.locator("td.num")).to_have_text("2.75")

        # re-marking one cell replaces it: 1.0 + 2.5 → 1.75, overall 2.55, still a pass
        await cell(page, "이사무관", "기획력", "평가위원 가").fill("1.0")
        await cell(page, "이사무관", "기획력", "평가위원 가").press("Tab")
        await expect(row.locator("td.outcome")).to_have_text(
            "합격 종합 2.55점이 합격 기준 2.50점 이상"
        )

        # the other round: its prep course has held no class yet, which is not 0 attended
        await page.locator("#rounds-table").get_by_role("button", name="2020 4급 역량평가").click()
        await expect(page.locator("#round-heading")).to_have_text("2020 4급 역량평가")
        await expect(page.locator("#results-table tbody tr td.prep")).to_have_text(
            KO["comp.prep.not-held"]
        )
        await expect(page.locator("#grid-status")).to_have_text(KO["comp.grid.empty"])
    finally:
        await context.close()
