"""The routes the survey pages use: a template to start from (the cohort's instructors from
the registry), editing a draft (and not once open), one survey for the trainee's form, and
"my surveys" for the trainee's own page; who may call each."""

from __future__ import annotations

from server.core.clock import ManualClock
from tests.conftest import AppClient
from tests.lms.completion.records import Api
from tests.lms.surveys.test_surveys import satisfaction, setup


async def test_template_names_the_cohorts_instructors_and_phases(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    path = f"/cohorts/{cohort.cohort_id}/survey-template"
    made = await ops.call("GET", f"{path}?kind=satisfaction")
    assert (made["kind"], made["phase"]) == ("satisfaction", None)
    about = [i for i in made["items"] if i["instructor_id"] is not None]
    assert [(i["instructor_id"], i["prompt"]) for i in about] == [
        (instructor_id, "박강사 강사의 강의에 만족하십니까?")]  # fmt: skip
    assert [i["kind"] for i in made["items"]][-1] == "text"
    english = await ops.call("GET", f"{path}?kind=satisfaction&lang=en")
    assert english["items"][-2]["prompt"] == "Were you satisfied with 박강사's teaching?"
    follow = await ops.call("GET", f"{path}?kind=application&phase=follow_up")
    assert follow["title"] == "현업적용도 조사 (2~3개월 후)"
    assert all(i["instructor_id"] is None for i in follow["items"])
    # the template is a valid survey as it stands
    created = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys", follow, 201)
    assert created["phase"] == "follow_up"
    for bad in ("kind=application", "kind=satisfaction&phase=after", "kind=quiz"):
        problem = await ops.call("GET", f"{path}?{bad}", status=422)
        assert problem["type"] == "/problems/validation-error"
    park = await Api.of(client, who["park"])
    await park.call("GET", f"{path}?kind=satisfaction", status=403)
    await ops.call("GET", "/cohorts/999999/survey-template?kind=satisfaction", status=404)


async def test_a_draft_is_edited_until_it_opens(client: AppClient, clock: ManualClock) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    sid = survey["id"]
    edit = {"title": "만족도 (수정)", "items": [
        {"kind": "scale5", "prompt": "새 문항"},
        {"kind": "scale5", "prompt": "강사", "instructor_id": instructor_id}]}  # fmt: skip
    edited = await ops.call("PUT", f"/surveys/{sid}", edit)
    assert edited["title"] == "만족도 (수정)"
    assert [(i["position"], i["prompt"]) for i in edited["items"]] == [(1, "새 문항"), (2, "강사")]
    bad = await ops.call("PUT", f"/surveys/{sid}", {"title": "x", "items": []}, 422)
    assert bad["type"] == "/problems/validation-error"
    await ops.call("PUT", f"/surveys/{sid}", {"title": "x", "items": [
        {"kind": "scale5", "prompt": "p", "instructor_id": 999999}]}, 404)  # fmt: skip
    kept = await ops.call("GET", f"/surveys/{sid}")
    assert [i["prompt"] for i in kept["items"]] == ["새 문항", "강사"]  # refusals changed nothing
    assert kept["instructors"] == {str(instructor_id): "박강사"}
    park = await Api.of(client, who["park"])
    await park.call("PUT", f"/surveys/{sid}", edit, 403)
    await ops.call("POST", f"/surveys/{sid}/open")
    late = await ops.call("PUT", f"/surveys/{sid}", edit, 409)
    assert late["type"] == "/problems/survey-state"


async def test_the_trainees_form_and_their_surveys(client: AppClient, clock: ManualClock) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    sid, first = survey["id"], survey["items"][0]["id"]
    kim = await Api.of(client, who["kim"])
    await kim.call("GET", f"/surveys/{sid}", status=404)  # a draft is not there for trainees
    assert await kim.call("GET", "/my/surveys") == []
    await ops.call("POST", f"/surveys/{sid}/open")
    form = await kim.call("GET", f"/surveys/{sid}")
    assert (form["status"], form["submitted"], len(form["items"])) == ("open", False, 5)
    assert form["cohort_name"] == "1기"
    assert form["course_title"].endswith("핵심가치 공유 과정")
    mine = await kim.call("GET", "/my/surveys")
    assert [(m["id"], m["status"], m["submitted"], m["cohort_id"]) for m in mine] == [
        (sid, "open", False, cohort.cohort_id)]  # fmt: skip
    await kim.call("POST", f"/surveys/{sid}/responses", {"answers": {first: 4}}, 201)
    assert (await kim.call("GET", f"/surveys/{sid}"))["submitted"] is True
    assert (await kim.call("GET", "/my/surveys"))[0]["submitted"] is True
    staff_view = await (await Api.of(client, who["park"])).call("GET", f"/surveys/{sid}")
    assert staff_view["submitted"] is None
    outsider = await Api.of(client, who["out"])
    await outsider.call("GET", f"/surveys/{sid}", status=403)
    assert await outsider.call("GET", "/my/surveys") == []
    await (await Api.of(client, who["jung"])).call("GET", f"/surveys/{sid}", status=403)
    await ops.call("GET", "/surveys/999999", status=404)
