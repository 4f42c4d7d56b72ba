"""Amendments, ledger entries and corrections over HTTP: figures as of dates, never negative,
never edited, every refusal a problem that changes nothing, every write audited."""

from __future__ import annotations

from server.core.auth.roles import Role
from tests.budget.helpers import lines, make_budget
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller


async def test_amendments_change_the_budget_from_their_day(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget = await make_budget(operator)
    extra = await operator.post(
        f"/budget/lines/{budget.teaching}/amendments",
        {
            "kind": "supplementary",
            "effective_on": "2020-05-15",
            "amount_won": 300_000,
            "reason": "1차 추경",
        },
    )
    assert [a["amount_won"] for a in extra] == [300_000]
    assert extra[0]["created_by"] == people[Role.OPERATOR].id
    moved = await operator.post(
        f"/budget/lines/{budget.equipment}/amendments",
        {
            "kind": "transfer",
            "effective_on": "2020-07-01",
            "amount_won": 200_000,
            "to_line_id": budget.teaching,
            "reason": "장비 축소분 전용",
        },
    )
    assert {(a["line_id"], a["amount_won"], a["counter_line_id"]) for a in moved} == {
        (budget.equipment, -200_000, budget.teaching),
        (budget.teaching, 200_000, budget.equipment),
    }
    history = await operator.get(f"/budget/lines/{budget.teaching}/amendments")
    assert [(a["kind"], a["amount_won"], a["reason"]) for a in history] == [
        ("supplementary", 300_000, "1차 추경"),
        ("transfer", 200_000, "장비 축소분 전용"),
    ]

    april = await lines(operator, "2020-04-30")
    assert (april["teaching"]["budget_won"], april["equipment"]["budget_won"]) == (
        1_000_000,
        500_000,
    )
    june = await lines(operator, "2020-06-30")
    assert june["teaching"]["budget_won"] == 1_300_000
    assert june["total"]["budget_won"] == 1_800_000
    july = await lines(operator, "2020-07-01")
    assert (july["teaching"]["budget_won"], july["equipment"]["budget_won"]) == (1_500_000, 300_000)
    assert july["total"]["budget_won"] == 1_800_000  # a transfer moves, it does not add
    assert [line["depth"] for line in july.values()] == [0, 1, 1]


async def test_a_budget_never_falls_below_zero_on_any_day(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget = await make_budget(operator)
    path = f"/budget/lines/{budget.equipment}/amendments"
    await operator.post(
        path,
        {
            "kind": "supplementary",
            "effective_on": "2020-03-01",
            "amount_won": -400_000,
            "reason": "감액",
        },
    )
    # dated before the cut: fine on its own day (500k - 150k) but 1 March would be -50,000
    refused = await operator.post(
        path,
        {
            "kind": "supplementary",
            "effective_on": "2020-02-01",
            "amount_won": -150_000,
            "reason": "추가 감액",
        },
        409,
    )
    assert "below zero" in refused["detail"]
    refused = await operator.post(
        path,
        {
            "kind": "transfer",
            "effective_on": "2020-04-01",
            "amount_won": 100_001,
            "to_line_id": budget.teaching,
            "reason": "전용",
        },
        409,
    )
    for body, why in (
        (
            {"kind": "supplementary", "effective_on": "2021-01-05", "amount_won": 1, "reason": "x"},
            "outside the fiscal year",
        ),
        (
            {"kind": "supplementary", "effective_on": "2020-05-01", "amount_won": 0, "reason": "x"},
            "must not be 0",
        ),
        (
            {"kind": "transfer", "effective_on": "2020-05-01", "amount_won": 5, "reason": "x"},
            "to_line_id",
        ),
        ({"kind": "supplementary", "effective_on": "2020-05-01", "amount_won": 5}, "reason"),
    ):
        problem = await operator.post(path, body, 422)
        assert problem["type"] == "/problems/validation-error"
        assert why in str(problem), problem
    on_total = await operator.post(
        f"/budget/lines/{budget.total}/amendments",
        {"kind": "supplementary", "effective_on": "2020-05-01", "amount_won": 5, "reason": "x"},
        409,
    )
    assert "sums its sub-lines" in on_total["detail"]
    history = await operator.get(path)
    assert [a["amount_won"] for a in history] == [-400_000]  # nothing refused was kept
    assert (await lines(operator, "2020-12-31"))["equipment"]["budget_won"] == 100_000


async def test_entries_are_corrected_never_edited_and_never_negative(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget = await make_budget(operator)
    path = f"/budget/lines/{budget.teaching}/entries"
    committed = await operator.post(
        path,
        {
            "kind": "commitment",
            "entry_on": "2020-03-02",
            "amount_won": 600_000,
            "counterparty": "교재 인쇄소",
        },
    )
    spent = await operator.post(
        path,
        {
            "kind": "expenditure",
            "entry_on": "2020-04-10",
            "amount_won": 450_000,
            "counterparty": "교재 인쇄소",
        },
    )
    negative = await operator.post(
        path, {"kind": "expenditure", "entry_on": "2020-04-10", "amount_won": -1}, 422
    )
    assert negative["type"] == "/problems/validation-error"
    fix = await operator.post(
        f"/budget/entries/{spent['id']}/corrections",
        {"entry_on": "2020-05-02", "amount_won": -50_000, "reason": "과다 지급 환수"},
    )
    assert (fix["corrects_id"], fix["kind"], fix["line_id"]) == (
        spent["id"],
        "expenditure",
        budget.teaching,
    )
    assert fix["counterparty"] == "교재 인쇄소"
    too_far = await operator.post(
        f"/budget/entries/{spent['id']}/corrections",
        {"entry_on": "2020-05-03", "amount_won": -400_001, "reason": "전액 취소"},
        409,
    )
    assert "below zero" in too_far["detail"]
    await operator.post(
        f"/budget/entries/{fix['id']}/corrections",
        {"entry_on": "2020-05-03", "amount_won": 1, "reason": "x"},
        409,
    )
    await operator.post(
        f"/budget/entries/{spent['id']}/corrections",
        {"entry_on": "2020-05-03", "amount_won": 10},
        422,
    )
    await operator.post(
        f"/budget/entries/{spent['id']}/corrections",
        {"entry_on": "2020-04-01", "amount_won": 10, "reason": "x"},
        409,
    )
    await operator.post(
        f"/budget/lines/{budget.total}/entries",
        {"kind": "commitment", "entry_on": "2020-03-02", "amount_won": 1},
        409,
    )
    await operator.post(
        path,
        {"kind": "commitment", "entry_on": "2020-03-02", "amount_won": 1, "course_id": 999_999},
        404,
    )

    ledger = await operator.get(path)
    assert [(e["kind"], e["amount_won"], e["corrects_id"]) for e in ledger] == [
        ("commitment", 600_000, None),
        ("expenditure", 450_000, None),
        ("expenditure", -50_000, spent["id"]),
    ]
    april = (await lines(operator, "2020-04-30"))["teaching"]
    assert (april["commitments_won"], april["expenditures_won"]) == (600_000, 450_000)
    assert (april["commitment_rate"], april["expenditure_rate"]) == ("60.0", "45.0")
    may = await lines(operator, "2020-05-31")
    assert may["teaching"]["expenditures_won"] == 400_000
    assert may["equipment"]["expenditures_won"] == 0  # the ledger is kept: nothing spent is 0
    assert may["total"]["expenditures_won"] == 400_000
    assert may["total"]["forecast_won"] is None  # nobody forecast: no data, not 0
    assert committed["created_by"] == people[Role.OPERATOR].id

    admin = await Caller.of(client, people[Role.ADMIN].login)
    audit = await admin.get("/audit", entity="budget_ledger_entries", limit="50")
    assert {(a["entity_id"], a["action"], a["actor_id"]) for a in audit["items"]} == {
        (str(e["id"]), "create", people[Role.OPERATOR].id) for e in ledger
    }


async def test_forecasts_the_newest_by_the_day_counts(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget = await make_budget(operator)
    path = f"/budget/lines/{budget.teaching}/forecasts"
    await operator.post(path, {"forecast_on": "2020-06-30", "amount_won": 900_000})
    await operator.post(path, {"forecast_on": "2020-09-30", "amount_won": 950_000, "note": "3분기"})
    await operator.post(
        f"/budget/lines/{budget.equipment}/forecasts",
        {"forecast_on": "2020-09-30", "amount_won": 0},
    )
    assert len(await operator.get(path)) == 2
    summer = await lines(operator, "2020-07-31")
    assert (summer["teaching"]["forecast_won"], summer["teaching"]["forecast_rate"]) == (
        900_000,
        "90.0",
    )
    assert summer["total"]["forecast_won"] is None  # equipment had none yet
    autumn = await lines(operator, "2020-10-01")
    assert autumn["teaching"]["forecast_won"] == 950_000
    assert (autumn["total"]["forecast_won"], autumn["total"]["forecast_rate"]) == (950_000, "63.3")


async def test_only_admins_and_operators_see_or_touch_the_budget(
    client: AppClient, people: dict[Role, Person]
) -> None:
    admin = await Caller.of(client, people[Role.ADMIN].login)
    budget = await make_budget(admin)
    for role in (Role.TRAINEE, Role.INSTRUCTOR, Role.ASSISTANT, Role.CAPTIONER):
        other = await Caller.of(client, people[role].login)
        assert (await other.get("/budget/lines", 403, year="2020"))["type"] == "/problems/forbidden"
        await other.post(
            f"/budget/lines/{budget.teaching}/entries",
            {"kind": "commitment", "entry_on": "2020-03-02", "amount_won": 1},
            403,
        )
        await other.get("/reports/budget-execution", 403, year="2020")
    assert (await lines(admin, "2020-12-31"))["teaching"]["commitments_won"] is None
