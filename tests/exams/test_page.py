"""The exams page's gate (/admin/exams: exam officers and admins, a refusal in both languages
for everyone else), its words in both catalogs, and the home page's link to it; and in a real
browser, a specialist unit's pipeline (a stage scheduled, a candidate scored, a score out of
order refused), the applicants' import from a file (one that is no CSV refused in words, one in
EUC-KR as Excel saves Korean CSV read), and the final passes enrolled in the new-recruit
course's next cohort after a confirmation, the result said and found in the cohort's
enrolment; an operator's administration shell shows no exam page. An exam officer finds /admin
on the home page and makes a round, a unit, a subject and a question error from the page (a
duplicate round refused in the server's words, nothing made)."""

from __future__ import annotations

import html
import json
import re

import pytest
from playwright.async_api import Browser, FilePayload, expect

from server.core.auth.roles import EXAM_STAFF, Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import browser  # noqa: F401  (the real Chromium fixture)
from tests.browser.test_login_home import link, phone, sign_in
from tests.conftest import AppClient, Person, add_person, log_in
from tests.lms.instructors.helpers import Caller, make_course


def catalog(lang: str, area: str) -> dict[str, str]:
    words: dict[str, str] = json.loads((STATIC_DIR / "i18n" / lang / f"{area}.json").read_text())
    return words


KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "exams")}


@pytest.mark.parametrize("role", list(Role))
async def test_only_exam_staff_open_the_page(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await log_in(client, people[role].login)
    response = await client.get("/admin/exams", allow_redirects=False)
    text = html.unescape(await response.text())
    if role in EXAM_STAFF:
        assert response.status == 200
        assert 'id="import-form"' in text
    else:
        assert response.status == 403
        assert 'id="import-form"' not in text
        for lang in ("ko", "en"):
            assert catalog(lang, "admin")["admin.refused.exam-staff-only"] in text


async def test_not_signed_in_is_asked_to_sign_in(client: AppClient) -> None:
    response = await client.get("/admin/exams", allow_redirects=False)
    assert response.status == 401
    assert "/login?next=/admin/exams" in html.unescape(await response.text())


def test_every_word_the_page_uses_is_in_both_languages() -> None:
    used = set(re.findall(r'"(exams\.[a-z0-9.-]+)"', (STATIC_DIR / "admin-exams.html").read_text()))
    script = (STATIC_DIR / "js" / "exams" / "page.js").read_text()
    used |= set(re.findall(r'"(exams\.[a-z0-9.-]+)"', script))
    used |= {f"exams.kind.{k}" for k in ("open", "career", "specialist")}
    used |= {f"exams.stage.{k}" for k in ("documents", "job_task_report", "group_discussion",
                                          "interview")}  # fmt: skip
    ko, en = catalog("ko", "exams"), catalog("en", "exams")
    assert set(ko) == set(en)
    assert used <= set(ko), used - set(ko)
    assert "home.exams" in catalog("ko", "home")
    assert "home.exams" in catalog("en", "home")
    assert 'href="/admin/exams"' in (STATIC_DIR / "home.html").read_text()


APPLICANTS = (
    "exam_no,name,residence,sat,written,interview,final\n"
    "S-1,김의사,서울,Y,Y,Y,Y\nS-2,이의사,경기,Y,N,,\n"
)


async def test_pipeline_import_and_enrolment_from_the_page(
    client: AppClient,
    people: dict[Role, Person],
    clock: ManualClock,
    browser: Browser,  # noqa: F811
) -> None:
    # the manual clock is 2020-10-05 09:00 in Seoul
    await add_person(client.app, "exam", [Role.EXAM_OFFICER], clock, name="시험담당 김")
    officer = await Caller.of(client, "exam")
    r = await officer.post("/exams/rounds", {"year": 2021, "number": 1, "kind": "specialist",
                                             "name": "2021 전문경력관 1회"})  # fmt: skip
    unit = await officer.post(f"/exams/rounds/{r['id']}/units", {
        "code": "doctor", "job_series": "의무", "grade": "전문경력관", "planned": 2})  # fmt: skip
    await officer.post(f"/exams/units/{unit['id']}/candidates/import", {"csv": APPLICANTS})
    course = await make_course(client.app, year=2021, title="신규임용자 과정", status="planned")

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin/exams")))
        await sign_in(page, "exam", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/exams$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(
            link(page.locator("body > nav"), KO["exams.competency-link"])
        ).to_have_attribute("href", "/admin/exams/competency")
        year = page.locator("#year-form")
        await year.get_by_label(KO["exams.year"], exact=True).fill("2021")
        await year.get_by_role("button", name=KO["exams.show"], exact=True).click()
        await (
            page.locator("#rounds-table").get_by_role("button", name="2021 전문경력관 1회").click()
        )
        await page.locator("#units-table tbody tr").first.get_by_role("button").click()
        await expect(page.locator("#pipeline-status")).to_contain_text("응시자 2명")

        # a stage's schedule, set from the page (Seoul time)
        schedule = page.locator("#schedule-form")
        await schedule.get_by_label(KO["exams.col.stage"], exact=True).select_option("documents")
        await schedule.get_by_label(KO["exams.schedule.starts"], exact=True).fill(
            "2021-03-02T09:00"
        )
        await schedule.get_by_label(KO["exams.schedule.ends"], exact=True).fill("2021-03-02T12:00")
        await schedule.get_by_label(KO["exams.schedule.place"], exact=True).fill("본관 301호")
        await schedule.get_by_role("button", name=KO["exams.schedule.submit"]).click()
        await expect(page.locator("#pipeline-status")).to_have_text("서류전형 일정을 저장했습니다.")
        await expect(page.locator('#schedule-table tr[data-stage="documents"]')).to_contain_text(
            "본관 301호"
        )

        # a score at the first stage, then one out of order refused in words
        scores = page.locator("#score-form")
        await scores.get_by_label(KO["exams.score.candidate"], exact=True).select_option(
            label="S-1 김의사"
        )
        await scores.get_by_label(KO["exams.score.value"], exact=True).fill("85")
        await scores.get_by_label(KO["exams.score.passed"], exact=True).check()
        await scores.get_by_role("button", name=KO["exams.score.submit"]).click()
        s1 = page.locator("#stage-scores-table tbody tr", has_text="S-1")
        await expect(s1.locator('td[data-stage="documents"]')).to_have_text("85.00점 · 합격")
        await scores.get_by_label(KO["exams.score.candidate"], exact=True).select_option(
            label="S-2 이의사"
        )
        await scores.get_by_label(KO["exams.col.stage"], exact=True).select_option(
            "job_task_report"
        )
        await scores.get_by_label(KO["exams.score.value"], exact=True).fill("70")
        await scores.get_by_role("button", name=KO["exams.score.submit"]).click()
        await expect(scores.get_by_role("alert")).to_contain_text("documents passed first")
        pipeline = await officer.get(f"/exams/units/{unit['id']}/pipeline")
        assert [(c["exam_no"], [(s["stage"], s["score"], s["passed"]) for s in c["scores"]])
                for c in pipeline["candidates"]] == [
            ("S-1", [("documents", "85.00", True)]), ("S-2", [])]  # fmt: skip
        assert pipeline["schedule"][0]["starts_at"].startswith("2021-03-02T00:00:00")  # UTC

        # importing a file that is no CSV is refused in words; Excel's EUC-KR CSV is read
        form = page.locator("#import-form")
        upload = form.get_by_label(KO["exams.import.file"], exact=True)
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
        await upload.set_input_files(
            files=FilePayload(name="applicants.png", mimeType="image/png", buffer=png)
        )
        await form.get_by_role("button", name=KO["exams.import.submit"], exact=True).click()
        await expect(form.get_by_role("alert")).to_contain_text(
            "applicants.png 파일을 읽을 수 없습니다"
        )
        await expect(page.locator("#candidates-table tbody tr")).to_have_count(2)
        euc_kr = "exam_no,name,residence\nS-3,박의사,부산\n".encode("cp949")
        await upload.set_input_files(
            files=FilePayload(name="applicants.csv", mimeType="text/csv", buffer=euc_kr)
        )
        await form.get_by_role("button", name=KO["exams.import.submit"], exact=True).click()
        await expect(page.locator("#candidates-status")).to_have_text("1명을 가져왔습니다.")
        await expect(page.locator("#candidates-table")).to_contain_text("박의사")

        # the final passes into the new-recruit course's next cohort, after a confirmation
        enrol = page.locator("#enrol-form")
        await enrol.get_by_label(KO["exams.enrol.find"], exact=True).fill("신규임용자")
        await enrol.get_by_role("button", name=KO["exams.enrol.search"]).click()
        await expect(enrol.get_by_label(KO["exams.enrol.course"], exact=True)).to_have_value(
            str(course.course_id)
        )
        await enrol.get_by_role("button", name=KO["exams.enrol.submit"]).click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_contain_text("2021 전문경력관 1회의 최종 합격자를 신규임용자 과정")
        await dialog.get_by_role("button", name=KO["exams.enrol.confirm"], exact=True).click()
        result = page.locator("#enrol-result")
        await expect(result).to_contain_text("신규임용자 과정 1기")
        await expect(result).to_contain_text("1명을 새로 등록했습니다.")
        await expect(result).to_contain_text("새로 만든 교육생 계정: 1개")
        await assert_accessible(page, context="the exams page with a pipeline and an enrolment")
        operator = await Caller.of(client, people[Role.OPERATOR].login)
        rows = await operator.get(f"/cohorts/{course.cohort_id}/enrolments")
        items = rows if isinstance(rows, list) else rows["items"]
        assert [e["login"] for e in items] == ["r2021-s-1"]
        # again: nobody new, and who was already enrolled is named
        await enrol.get_by_role("button", name=KO["exams.enrol.submit"]).click()
        await dialog.get_by_role("button", name=KO["exams.enrol.confirm"], exact=True).click()
        await expect(result).to_contain_text("이미 등록되어 그대로: 1명 (r2021-s-1)")
        await expect(result).to_contain_text("0명을 새로 등록했습니다.")

        # an operator's shell lists no exam page
        await context.clear_cookies()
        await page.goto(str(client.make_url("/login?next=/admin")))
        await sign_in(page, people[Role.OPERATOR].login, "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        sections = page.get_by_role("navigation", name=KO["admin.sections"])
        await expect(link(sections, KO["admin.section.budget"])).to_be_visible()
        await expect(sections.locator('li[data-section="exams"]')).to_have_count(0)
        await expect(sections.locator('li[data-section="competency"]')).to_have_count(0)
    finally:
        await context.close()


async def test_round_unit_subject_and_error_made_from_the_page(
    client: AppClient,
    clock: ManualClock,
    browser: Browser,  # noqa: F811
) -> None:
    await add_person(client.app, "exam", [Role.EXAM_OFFICER], clock, name="시험담당 김")
    officer = await Caller.of(client, "exam")
    await officer.post("/exams/rounds", {"year": 2022, "number": 1, "kind": "open",
                                         "name": "2022 공개 1회"})  # fmt: skip
    home = catalog("ko", "home")

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/home")))
        await sign_in(page, "exam", "correct horse battery")
        await page.wait_for_url(re.compile(r"/home$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.locator("#admin")).to_be_visible()  # staff only, until exam officers
        admin = page.get_by_role("navigation", name=home["home.admin"])
        await expect(link(admin, home["home.admin.records"])).to_have_attribute("href", "/admin")

        await page.goto(str(client.make_url("/admin/exams")))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        rounds = page.locator("#round-form")
        await rounds.get_by_label(KO["exams.year"], exact=True).fill("2022")
        await rounds.get_by_label(KO["exams.round.number"], exact=True).fill("2")
        await rounds.get_by_label(KO["exams.col.kind"], exact=True).select_option(label="경력경쟁")
        await rounds.get_by_label(KO["exams.round.name"], exact=True).fill("2022 경력 2회")
        await rounds.get_by_label(KO["exams.col.date"], exact=True).fill("2022-05-14")
        await rounds.get_by_role("button", name=KO["exams.round.submit"]).click()
        await expect(page.locator("#rounds-status")).to_have_text(
            "2022 경력 2회 회차를 만들었습니다."
        )
        chosen = page.locator("#rounds-table").get_by_role("button", name="2022 경력 2회")
        await expect(chosen).to_have_attribute("aria-pressed", "true")
        made = await officer.get("/exams/rounds", year=2022)
        assert [(r["number"], r["kind"], r["name"], r["held_on"]) for r in made] == [
            (1, "open", "2022 공개 1회", None),
            (2, "career", "2022 경력 2회", "2022-05-14"),
        ]
        round_id = made[1]["id"]

        # a duplicate round is refused in the server's words, and nothing is made
        await rounds.get_by_label(KO["exams.round.number"], exact=True).fill("1")
        await rounds.get_by_label(KO["exams.col.kind"], exact=True).select_option(label="공개경쟁")
        await rounds.get_by_label(KO["exams.round.name"], exact=True).fill("중복 회차")
        await rounds.get_by_role("button", name=KO["exams.round.submit"]).click()
        await expect(rounds.get_by_role("alert")).to_have_text(
            "이미 있는 기록과 겹칩니다: Round 1 (open) of 2022 exists."
        )
        assert len(await officer.get("/exams/rounds", year=2022)) == 2

        # a unit of the chosen round: quotas left empty stay unknown, not 0
        units = page.locator("#unit-form")
        await units.get_by_label(KO["exams.unit.code"], exact=True).fill("admin-9")
        await units.get_by_label(KO["exams.unit.series"], exact=True).fill("행정")
        await units.get_by_label(KO["exams.unit.grade"], exact=True).fill("9급")
        await units.get_by_label(KO["exams.col.planned"], exact=True).fill("3")
        await units.get_by_label(KO["exams.unit.quota-disabled"], exact=True).fill("1")
        await units.get_by_role("button", name=KO["exams.unit.submit"]).click()
        await expect(page.locator("#units-status")).to_have_text(
            "모집단위 행정 9급 (admin-9)을(를) 만들었습니다."
        )
        row = page.locator(f'#rounds-table tr[data-round="{round_id}"]')
        await expect(row.locator("td").nth(2)).to_have_text("1")  # its units, read again
        [unit] = await officer.get(f"/exams/rounds/{round_id}/units")
        assert (unit["code"], unit["job_series"], unit["grade"], unit["figures"]["planned"]) == (
            "admin-9", "행정", "9급", 3)  # fmt: skip
        assert (unit["quota_disabled"], unit["quota_veterans"], unit["quota_highschool"]) == (
            1, None, None)  # fmt: skip
        await expect(page.locator("#units-table tbody tr")).to_have_count(1)

        # a subject (20 questions unless told), then an error reported; the rate is read again
        subjects = page.locator("#subject-form")
        questions = subjects.get_by_label(KO["exams.subject.questions"], exact=True)
        await expect(questions).to_have_value("20")
        await subjects.get_by_label(KO["exams.subject.name"], exact=True).fill("행정법")
        await subjects.get_by_role("button", name=KO["exams.subject.submit"]).click()
        status = page.locator("#errors-status")
        await expect(status).to_have_text(
            "과목 행정법을(를) 추가했습니다. 과목 1개, 문항 20개, 오류 0건 (오류율 0.00%)"
        )
        report = page.locator("#error-form")
        await expect(report.get_by_label(KO["exams.col.subject"], exact=True)).to_have_value(
            str((await officer.get(f"/exams/rounds/{round_id}/subjects"))[0]["id"])
        )
        await report.get_by_label(KO["exams.report.question"], exact=True).fill("7")
        await report.get_by_label(KO["exams.col.description"], exact=True).fill("정답 없음")
        await report.get_by_label(KO["exams.col.cause"], exact=True).fill("검토 누락")
        await report.get_by_label(KO["exams.col.reported"], exact=True).fill("2022-05-20")
        await report.get_by_role("button", name=KO["exams.report.submit"]).click()
        await expect(status).to_have_text(
            "행정법 7번 문항의 오류를 기록했습니다. 과목 1개, 문항 20개, 오류 1건 (오류율 5.00%)"
        )
        await expect(page.locator("#subjects-table tbody tr")).to_have_text(
            re.compile(r"행정법\s*20\s*1\s*5\.00%")
        )
        await expect(page.locator("#errors-table")).to_contain_text("정답 없음")
        await assert_accessible(page, context="the exams page's forms for new records")
        [subject] = await officer.get(f"/exams/rounds/{round_id}/subjects")
        assert (subject["name"], subject["questions"], subject["errors"]) == ("행정법", 20, 1)
        errors = await officer.get(f"/exams/rounds/{round_id}/errors")
        assert [(e["subject"], e["question_no"], e["description"], e["cause"], e["action"],
                 e["reported_on"]) for e in errors] == [
            ("행정법", 7, "정답 없음", "검토 누락", None, "2022-05-20")]  # fmt: skip
    finally:
        await context.close()
