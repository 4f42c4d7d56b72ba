"""A frozen execution report and a later, back-dated amendment: the diff names the changed
cells and the amendment, in the report's words, with the rows it feeds."""

from __future__ import annotations

from server.core.auth.roles import Role
from tests.budget.helpers import make_budget
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller


async def test_a_back_dated_amendment_shows_in_the_diff_of_a_frozen_report(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget = await make_budget(operator)
    frozen = await operator.post(
        "/reports/budget-execution/freeze", {"year": 2020, "as_of": "2020-09-30"}
    )
    same = await operator.get(f"/frozen-reports/{frozen['id']}/diff")
    assert same["identical"] is True
    await operator.post(
        f"/budget/lines/{budget.teaching}/amendments",
        {"kind": "supplementary", "effective_on": "2020-09-15", "amount_won": 250_000,
         "reason": "뒤늦게 등록한 추경"},
    )  # fmt: skip
    diff = await operator.get(f"/frozen-reports/{frozen['id']}/diff")
    assert diff["identical"] is False
    changed = {row["key"]: {c["column"]: (c["old"], c["new"]) for c in row["cells"]}
               for row in diff["rows_changed"]}  # fmt: skip
    assert changed == {
        "total": {"budget": (1_500_000, 1_750_000)},
        "teaching": {"budget": (1_000_000, 1_250_000)},
    }
    [record] = diff["changed_records"]
    assert record["entity"] == "budget_amendments"
    assert record["label"].endswith("(교육 운영)")
    assert record["row_keys"] == ["teaching", "total"]
