"""Filling breakout groups: by lot, balanced by an attribute, by choice, and from a spreadsheet."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

import pytest

from server.rooms.breakout.fill import (
    Attribute,
    CsvError,
    GroupFull,
    Person,
    UnknownGroup,
    assign_by_choice,
    balanced_groups,
    parse_csv,
    random_groups,
    target_sizes,
)

Fill = Callable[[Sequence[Person], int, int], list[list[int]]]

FILLS: dict[str, Fill] = {
    "random": random_groups,
    "spread": lambda people, g, seed: balanced_groups(people, g, "org_unit", "spread", seed),
    "together": lambda people, g, seed: balanced_groups(people, g, "org_unit", "together", seed),
}


def people_with(values: Sequence[str | None], attribute: Attribute = "org_unit") -> list[Person]:
    """One person per value, user ids 1.."""
    return [
        Person(user_id=i, login=f"u{i}", name=f"사람{i}", **{attribute: value})
        for i, value in enumerate(values, start=1)
    ]


def clustered(sizes: Sequence[int], unknown: int = 0) -> list[Person]:
    """Clusters of the given sizes (values "v0", "v1", ...) and some people with no value."""
    values: list[str | None] = [f"v{k}" for k, size in enumerate(sizes) for _ in range(size)]
    return people_with([*values, *[None] * unknown])


def random_people(n: int, rng: random.Random) -> list[Person]:
    """n people, user ids not in order, org units skewed (some common, some rare, some unknown)."""
    ids = rng.sample(range(1, 10 * n + 1), n)
    units: list[str | None] = ["총무과", "총무과", "총무과", "교육과", "교육과", "세무과", None]
    return [
        Person(user_id=uid, login=f"u{uid}", name=f"사람{uid}", org_unit=rng.choice(units))
        for uid in ids
    ]


def value_of(people: Sequence[Person]) -> dict[int, str | None]:
    return {p.user_id: p.org_unit for p in people}


def groups_holding(groups: list[list[int]], values: dict[int, str | None]) -> dict[str | None, int]:
    """For each value: in how many groups it appears."""
    return dict(Counter(v for group in groups for v in {values[uid] for uid in group}))


def assert_a_fill(groups: list[list[int]], people: Sequence[Person], group_count: int) -> None:
    assert len(groups) == group_count
    assert sorted(uid for group in groups for uid in group) == sorted(p.user_id for p in people)
    assert [len(group) for group in groups] == target_sizes(len(people), group_count)


# --- sizes, validation, determinism -------------------------------------------------------------


def test_target_sizes_are_level_with_the_larger_groups_first() -> None:
    assert target_sizes(10, 3) == [4, 3, 3]
    assert target_sizes(11, 3) == [4, 4, 3]
    assert target_sizes(9, 3) == [3, 3, 3]
    assert target_sizes(0, 2) == [0, 0]


@pytest.mark.parametrize("fill", FILLS)
def test_every_fill_places_everyone_once_in_level_groups(fill: str) -> None:
    rng = random.Random(20240601)
    for n in range(1, 41):
        for g in range(1, min(n, 9) + 1):
            people = random_people(n, rng)
            assert_a_fill(FILLS[fill](people, g, rng.randrange(1000)), people, g)


@pytest.mark.parametrize("fill", FILLS)
def test_a_seed_gives_the_same_groups_whatever_order_people_come_in(fill: str) -> None:
    people = random_people(30, random.Random(1))
    first = FILLS[fill](people, 4, 7)
    assert FILLS[fill](list(reversed(people)), 4, 7) == first
    assert FILLS[fill](sorted(people, key=lambda p: p.login), 4, 7) == first
    others = {str(FILLS[fill](people, 4, seed)) for seed in range(8, 20)}
    assert others - {str(first)}  # other seeds draw other groups


@pytest.mark.parametrize("fill", FILLS)
def test_no_people_make_empty_groups(fill: str) -> None:
    assert FILLS[fill]([], 3, 1) == [[], [], []]


@pytest.mark.parametrize("fill", FILLS)
def test_group_count_must_be_between_one_and_the_number_of_people(fill: str) -> None:
    people = clustered([2, 1])
    with pytest.raises(ValueError, match="at least 1"):
        FILLS[fill](people, 0, 1)
    with pytest.raises(ValueError, match="at least 1"):
        FILLS[fill]([], 0, 1)
    with pytest.raises(ValueError, match="must not exceed the number of people"):
        FILLS[fill](people, 4, 1)
    assert len(FILLS[fill](people, 3, 1)) == 3


@pytest.mark.parametrize("fill", FILLS)
def test_someone_listed_twice_is_refused(fill: str) -> None:
    person = Person(1, "kim", "김")
    with pytest.raises(ValueError, match="only once"):
        FILLS[fill]([person, person, Person(2, "lee", "이")], 2, 1)


def test_balanced_groups_refuses_an_unknown_mode_or_attribute() -> None:
    people = clustered([2, 2])
    with pytest.raises(ValueError, match="mode"):
        balanced_groups(people, 2, "org_unit", "mixed", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="attribute"):
        balanced_groups(people, 2, "name", "spread", 1)  # type: ignore[arg-type]


# --- spread ---------------------------------------------------------------------------------------


def test_spread_puts_each_value_at_most_one_apart_across_groups() -> None:
    rng = random.Random(5)
    for n in range(1, 41):
        for g in range(1, min(n, 9) + 1):
            people = random_people(n, rng)
            groups = balanced_groups(people, g, "org_unit", "spread", rng.randrange(1000))
            assert_a_fill(groups, people, g)
            values = value_of(people)
            for value in set(values.values()):
                counts = [sum(values[uid] == value for uid in group) for group in groups]
                assert max(counts) - min(counts) <= 1, (n, g, value, groups)


def test_spread_uses_the_attribute_asked_for() -> None:
    people = [
        Person(i, f"u{i}", f"사람{i}", org_unit="총무과", grade=grade)
        for i, grade in enumerate(["5급", "5급", "6급", "6급", "7급", "7급"], start=1)
    ]
    grades = {p.user_id: p.grade for p in people}
    groups = balanced_groups(people, 2, "grade", "spread", 3)
    for group in groups:
        assert sorted(str(grades[uid]) for uid in group) == ["5급", "6급", "7급"]


# --- together -------------------------------------------------------------------------------------


def test_together_keeps_each_value_in_one_group_when_the_values_match_the_group_sizes() -> None:
    rng = random.Random(9)
    for n in range(1, 41):
        for g in range(1, min(n, 9) + 1):
            targets = target_sizes(n, g)
            rng.shuffle(targets)
            people = clustered(targets)  # one value per group, in a shuffled order
            groups = balanced_groups(people, g, "org_unit", "together", rng.randrange(1000))
            assert_a_fill(groups, people, g)
            assert set(groups_holding(groups, value_of(people)).values()) == {1}, (n, g)


def test_together_packs_small_clusters_into_the_room_they_fit_exactly() -> None:
    # Targets 4, 3, 3: the two 3s take the 3-groups whole and the two 2s share the 4-group;
    # filling the first group before looking ahead would split a 3.
    people = clustered([3, 3, 2, 2])
    for seed in range(20):
        groups = balanced_groups(people, 3, "org_unit", "together", seed)
        assert_a_fill(groups, people, 3)
        assert groups_holding(groups, value_of(people)) == {"v0": 1, "v1": 1, "v2": 1, "v3": 1}


def test_together_splits_a_cluster_only_into_as_few_groups_as_the_sizes_allow() -> None:
    # 17 people in 4 groups (5, 4, 4, 4): the 9 of v0 need two groups, the 4 of v1 and v2
    # each fit one group's room once v0 is placed.
    people = clustered([9, 4, 4])
    for seed in range(20):
        groups = balanced_groups(people, 4, "org_unit", "together", seed)
        assert_a_fill(groups, people, 4)
        assert groups_holding(groups, value_of(people)) == {"v0": 2, "v1": 1, "v2": 1}
    # The largest value needs as many groups as the largest targets take to hold it.
    rng = random.Random(11)
    for n in range(2, 41):
        for g in range(2, min(n, 9) + 1):
            big = rng.randrange(1, n + 1)
            people = clustered([big, *[1] * (n - big)])
            groups = balanced_groups(people, g, "org_unit", "together", 1)
            need = next(k for k in range(1, g + 1) if sum(sorted(target_sizes(n, g))[-k:]) >= big)
            assert groups_holding(groups, value_of(people))["v0"] == need, (n, g, big)


def test_together_never_splits_a_cluster_that_fits_the_room_left() -> None:
    # 12 in 3 groups of 4: v0 (5) must split 4 + 1; v1 (3) then fits the group holding v0's
    # one left-over person, and v2, v3 (2 each) share the last group.
    people = clustered([5, 3, 2, 2])
    for seed in range(20):
        groups = balanced_groups(people, 3, "org_unit", "together", seed)
        assert groups_holding(groups, value_of(people)) == {"v0": 2, "v1": 1, "v2": 1, "v3": 1}


def test_together_places_the_unknowns_last_in_whatever_room_is_left() -> None:
    # Six unknowns would take a whole group and split a known value if placed first.
    people = clustered([3, 3], unknown=6)
    for seed in range(20):
        groups = balanced_groups(people, 3, "org_unit", "together", seed)
        assert_a_fill(groups, people, 3)
        holding = groups_holding(groups, value_of(people))
        assert holding["v0"] == 1
        assert holding["v1"] == 1
        assert holding[None] == 3


def test_together_keeps_values_apart_where_spread_mixes_them() -> None:
    people = clustered([4, 4, 4])
    together = balanced_groups(people, 3, "org_unit", "together", 2)
    spread = balanced_groups(people, 3, "org_unit", "spread", 2)
    assert set(groups_holding(together, value_of(people)).values()) == {1}
    assert set(groups_holding(spread, value_of(people)).values()) == {3}


def test_together_draws_who_goes_where_when_a_value_is_split() -> None:
    people = clustered([10])
    draws = {
        str(sorted(map(sorted, balanced_groups(people, 2, "org_unit", "together", s))))
        for s in range(10)
    }
    assert len(draws) > 1


# --- by choice ------------------------------------------------------------------------------------


def test_choosing_a_group_with_room() -> None:
    current: dict[int, int | None] = {1: 10, 2: None, 3: 20}
    chosen = assign_by_choice(current, {10: 2, 20: None}, 2, 10)
    assert chosen == {1: 10, 2: 10, 3: 20}
    assert current == {1: 10, 2: None, 3: 20}  # the caller's mapping is not changed
    # Someone not yet in the mapping, and a group without a cap.
    assert assign_by_choice(current, {10: 2, 20: None}, 4, 20) == {1: 10, 2: None, 3: 20, 4: 20}


def test_a_full_group_refuses_newcomers() -> None:
    current: dict[int, int | None] = {1: 10, 2: 10, 3: 20}
    with pytest.raises(GroupFull) as refused:
        assign_by_choice(current, {10: 2, 20: 2}, 3, 10)
    assert refused.value.group_id == 10
    assert refused.value.capacity == 2
    with pytest.raises(GroupFull):
        assign_by_choice(current, {10: 0, 20: 2}, 4, 10)
    # Moving between groups frees the old place: 3 leaves 20 and 2 can join it.
    moved = assign_by_choice(current, {10: 3, 20: 1}, 3, 10)
    assert assign_by_choice(moved, {10: 3, 20: 1}, 2, 20) == {1: 10, 2: 20, 3: 10}


def test_choosing_your_own_group_again_changes_nothing_even_when_it_is_full() -> None:
    current: dict[int, int | None] = {1: 10, 2: 10}
    assert assign_by_choice(current, {10: 2}, 1, 10) == current
    assert assign_by_choice({1: 10, 2: 10, 3: 10}, {10: 2}, 3, 10) == {1: 10, 2: 10, 3: 10}


def test_choosing_a_group_that_is_not_there() -> None:
    with pytest.raises(UnknownGroup) as refused:
        assign_by_choice({1: 10}, {10: None}, 1, 99)
    assert refused.value.group_id == 99
    with pytest.raises(UnknownGroup):
        assign_by_choice({1: 99}, {10: None}, 1, 99)  # even if the mapping says you are in it


# --- spreadsheets ---------------------------------------------------------------------------------

GROUPS = ["1분임", "2분임", "3분임"]


def test_a_comma_separated_sheet() -> None:
    text = 'login,name,group\r\n kim , "김, 철수" ,1분임\r\nLee,이영희,  2분임 \r\n'
    result = parse_csv(text, GROUPS)
    assert result.errors == []
    assert result.rows == [("kim", "1분임"), ("lee", "2분임")]  # logins as the log-in stores them


def test_a_tab_separated_sheet_with_commas_in_cells() -> None:
    text = "group\tlogin\tname\n3분임\tpark\t박, 민수\n1분임\tchoi\t최\n"
    result = parse_csv(text, GROUPS)
    assert result.errors == []
    assert result.rows == [("park", "3분임"), ("choi", "1분임")]


def test_a_sheet_with_a_byte_order_mark_and_korean_headers() -> None:
    for login_header, group_header in [("아이디", "분임"), ("로그인", "조"), ("LOGIN", "Group")]:
        text = f"\ufeff{login_header},{group_header}\nkim,1분임\n"
        result = parse_csv(text, GROUPS)
        assert result.errors == [], login_header
        assert result.rows == [("kim", "1분임")]


def test_decomposed_hangul_from_a_mac_matches_the_group_name() -> None:
    text = unicodedata.normalize("NFD", "아이디,분임\nkim,2분임\n")
    result = parse_csv(text, GROUPS)
    assert result.errors == []
    assert result.rows == [("kim", "2분임")]
    # And the other way round: the set's names typed on a Mac, the sheet composed.
    decomposed = [unicodedata.normalize("NFD", name) for name in GROUPS]
    result = parse_csv("아이디,분임\nkim, 2분임 \n", decomposed)
    assert result.errors == []
    assert result.rows == [("kim", decomposed[1])]  # spelled as the set spells it


def test_blank_lines_are_skipped_and_lines_are_counted_as_in_the_file() -> None:
    text = "\n\nlogin,group\n\nkim,1분임\n  \n,,\nlee,9분임\n"
    result = parse_csv(text, GROUPS)
    assert result.rows == [("kim", "1분임")]
    assert [e.line for e in result.errors] == [8]


def test_missing_columns_is_one_error_on_the_header_line() -> None:
    result = parse_csv("login,name\nkim,김\nlee,이\n", GROUPS)
    assert result.rows == []
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert '"group"' in result.errors[0].message
    assert '"login"' not in result.errors[0].message
    both = parse_csv("이름,부서\n김,총무과\n", GROUPS).errors
    assert len(both) == 1
    assert '"login"' in both[0].message
    assert '"group"' in both[0].message
    for empty in ["", "\ufeff", "\n\n"]:
        assert [e.line for e in parse_csv(empty, GROUPS).errors] == [1]


def test_empty_logins_and_groups_are_errors_on_their_lines() -> None:
    text = "login,group\nkim,1분임\n ,2분임\nlee,\npark\nchoi,3분임\n"
    result = parse_csv(text, GROUPS)
    assert result.rows == [("kim", "1분임"), ("choi", "3분임")]
    assert result.errors == [
        CsvError(3, "the login is empty"),
        CsvError(4, "the group is empty"),
        CsvError(5, "the group is empty"),  # a short row
    ]


def test_an_unknown_group_is_named_with_the_valid_ones() -> None:
    result = parse_csv("login,group\nkim,4분임\nlee,1분임\n", GROUPS)
    assert result.rows == [("lee", "1분임")]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.line == 2
    assert "4분임" in error.message
    assert "1분임, 2분임, 3분임" in error.message
    many = [f"{k}조" for k in range(1, 31)]
    message = parse_csv("login,group\nkim,31조\n", many).errors[0].message
    assert "31조" in message
    assert "1조" in message
    assert "30조" not in message  # the list is cut short
    assert "more" in message
    assert len(message) < 200


def test_a_login_listed_twice_is_an_error_on_the_second_line() -> None:
    text = "login,group\nkim,1분임\nlee,2분임\nKIM,3분임\n"
    result = parse_csv(text, GROUPS)
    assert result.rows == [("kim", "1분임"), ("lee", "2분임")]
    assert len(result.errors) == 1
    assert result.errors[0].line == 4
    assert "kim" in result.errors[0].message
    assert "line 2" in result.errors[0].message


def test_a_line_can_have_more_than_one_error() -> None:
    result = parse_csv("login,group\nkim,1분임\nkim,없는분임\n", GROUPS)
    assert result.rows == [("kim", "1분임")]
    assert [e.line for e in result.errors] == [3, 3]


def test_a_quoted_cell_across_lines_is_reported_where_its_record_starts() -> None:
    text = 'login,group,note\nkim,1분임,"two\nlines"\nlee,없음,x\n'
    result = parse_csv(text, GROUPS)
    assert result.rows == [("kim", "1분임")]
    assert [e.line for e in result.errors] == [4]
