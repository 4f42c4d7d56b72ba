"""The 2020 seed reproduces the report table to the unit, and the per-course split loses nothing.

The printed rates below are transcribed independently from the seed's 이수율 column, so a
transcription slip in either the counts or the rates shows up as a mismatch.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from server.lms.seed_2020 import (
    AREA_COURSE_COUNTS_2020,
    AREAS,
    CLASSROOM_REVISED_MODE_COUNTS_2020,
    DELIVERY_MODES,
    PLAN_2020,
    SUB_AREAS,
    TOTALS_2020,
    U_KNOWLEDGE_TRIP_2020,
    CourseSeed,
    PlanRow,
    PlanTotals,
    completion_rate,
    courses_2020,
    plan_rows_from_courses,
)

# 이수율 as printed in the seed, per (track, sub_area); rows with blank actuals are absent.
PRINTED_RATES: dict[tuple[str, str], str] = {
    ("classroom", "core_values"): "40.7",
    ("classroom", "humanities"): "50.6",
    ("classroom", "new_recruits"): "57.3",
    ("classroom", "by_position"): "73.2",
    ("classroom", "by_grade"): "78.4",
    ("classroom", "common"): "67.1",
    ("classroom", "specialised"): "23.3",
    ("classroom", "it"): "43.6",
    ("elearning", "core_values"): "148.4",
    ("elearning", "humanities"): "171.2",
    ("elearning", "by_position"): "103.9",
    ("elearning", "common"): "300.8",
    ("elearning", "specialised"): "147.8",
    ("elearning", "it"): "365.0",
    ("elearning", "certificates"): "151.4",
    ("elearning", "languages"): "108.2",
}
PRINTED_TOTAL_RATES = {"all": "164.3", "classroom": "49.3", "elearning": "172.4"}

CLASSROOM_ORDER = [
    "core_values",
    "humanities",
    "new_recruits",
    "by_position",
    "by_grade",
    "common",
    "specialised",
    "it",
    "practical_officers",
    "agencies",
]
ELEARNING_ORDER = [
    "core_values",
    "humanities",
    "by_position",
    "common",
    "specialised",
    "it",
    "certificates",
    "languages",
]


def _rows(track: str) -> list[PlanRow]:
    return [r for r in PLAN_2020 if r.track == track]


def _sum_optional(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _totals_of(rows: list[PlanRow]) -> tuple[object, ...]:
    return (
        sum(r.courses_original for r in rows),
        sum(r.courses_revised for r in rows),
        _sum_optional([r.runs_original for r in rows]),
        _sum_optional([r.runs_revised for r in rows]),
        sum(r.people_original for r in rows),
        sum(r.people_revised for r in rows),
        _sum_optional([r.actual_courses for r in rows]),
        _sum_optional([r.actual_runs for r in rows]),
        _sum_optional([r.actual_people for r in rows]),
    )


def _printed(t: PlanTotals) -> tuple[object, ...]:
    return (
        t.courses_original,
        t.courses_revised,
        t.runs_original,
        t.runs_revised,
        t.people_original,
        t.people_revised,
        t.actual_courses,
        t.actual_runs,
        t.actual_people,
    )


def test_every_sub_row_is_present_in_printed_order() -> None:
    assert [r.sub_area for r in _rows("classroom")] == CLASSROOM_ORDER
    assert [r.sub_area for r in _rows("elearning")] == ELEARNING_ORDER
    assert len(PLAN_2020) == len(CLASSROOM_ORDER) + len(ELEARNING_ORDER)


def test_rows_point_at_their_area() -> None:
    for row in PLAN_2020:
        area, _ = SUB_AREAS[row.sub_area]
        assert area.code == row.area


def test_taxonomy_codes_are_unique_and_complete() -> None:
    assert [a.code for a in AREAS] == ["basic", "leadership", "job", "public", "self_study"]
    sub_codes = [s.code for a in AREAS for s in a.sub_areas]
    assert len(sub_codes) == len(set(sub_codes)) == 12
    assert {s.code: s.name_ko for a in AREAS for s in a.sub_areas}["practical_officers"] == "실무관"


def test_classroom_rows_add_up_to_the_printed_subtotal() -> None:
    assert _totals_of(_rows("classroom")) == _printed(TOTALS_2020["classroom"])
    assert _totals_of(_rows("classroom")) == (131, 70, 451, 214, 29_901, 12_537, 54, 117, 6_177)


def test_elearning_rows_add_up_to_the_printed_subtotal() -> None:
    assert _totals_of(_rows("elearning")) == _printed(TOTALS_2020["elearning"])
    assert _totals_of(_rows("elearning")) == (
        148,
        148,
        None,
        None,
        180_060,
        180_060,
        148,
        None,
        310_343,
    )


def test_all_rows_add_up_to_the_printed_total() -> None:
    assert _totals_of(list(PLAN_2020)) == _printed(TOTALS_2020["all"])
    assert _printed(TOTALS_2020["all"]) == (
        279,
        218,
        451,
        214,
        209_961,
        192_597,
        202,
        117,
        316_520,
    )


def test_track_subtotals_add_up_to_the_total() -> None:
    c, e, a = TOTALS_2020["classroom"], TOTALS_2020["elearning"], TOTALS_2020["all"]
    assert c.courses_original + e.courses_original == a.courses_original
    assert c.courses_revised + e.courses_revised == a.courses_revised
    assert c.people_original + e.people_original == a.people_original
    assert c.people_revised + e.people_revised == a.people_revised
    assert c.actual_courses + e.actual_courses == a.actual_courses
    assert c.actual_people + e.actual_people == a.actual_people
    assert (c.runs_original, c.runs_revised, c.actual_runs) == (
        a.runs_original,
        a.runs_revised,
        a.actual_runs,
    )


def test_area_course_counts_match_the_printed_parentheses() -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for row in PLAN_2020:
        counts[(row.track, row.area)] += row.courses_original
    assert dict(counts) == dict(AREA_COURSE_COUNTS_2020)


@pytest.mark.parametrize(("key", "printed"), sorted(PRINTED_RATES.items()))
def test_row_rates_round_to_the_printed_rate(key: tuple[str, str], printed: str) -> None:
    (row,) = [r for r in PLAN_2020 if (r.track, r.sub_area) == key]
    assert completion_rate(row.actual_people, row.people_revised) == Decimal(printed)


@pytest.mark.parametrize("key", ["all", "classroom", "elearning"])
def test_total_rates_round_to_the_printed_rate(key: str) -> None:
    t = TOTALS_2020[key]
    assert t.rate_percent == Decimal(PRINTED_TOTAL_RATES[key])
    assert completion_rate(t.actual_people, t.people_revised) == t.rate_percent


def test_known_rate_examples() -> None:
    assert completion_rate(834, 2_050) == Decimal("40.7")
    assert completion_rate(316_520, 192_597) == Decimal("164.3")


def test_rows_with_blank_actuals_are_unknown_not_zero() -> None:
    blank = {(r.track, r.sub_area) for r in PLAN_2020 if r.actual_people is None}
    assert blank == {("classroom", "practical_officers"), ("classroom", "agencies")}
    for row in PLAN_2020:
        if (row.track, row.sub_area) in blank:
            assert row.actual_courses is None
            assert row.actual_runs is None
            assert row.actual_people is None
            assert completion_rate(row.actual_people, row.people_revised) is None
    every_printed_rate_row = {(r.track, r.sub_area) for r in PLAN_2020} - blank
    assert every_printed_rate_row == set(PRINTED_RATES)


def test_elearning_rows_are_always_open_and_unchanged() -> None:
    for row in _rows("elearning"):
        assert row.runs_original is None
        assert row.runs_revised is None
        assert row.actual_runs is None
        assert row.courses_original == row.courses_revised
        assert row.people_original == row.people_revised


def test_u_knowledge_trip_footnote_is_kept_outside_the_totals() -> None:
    fn = U_KNOWLEDGE_TRIP_2020
    assert (fn.planned_people, fn.actual_people, fn.rate_percent) == (
        30_000,
        35_486,
        Decimal("118.3"),
    )
    assert not fn.counted_in_totals
    assert completion_rate(fn.actual_people, fn.planned_people) == fn.rate_percent
    assert sum(r.people_revised for r in _rows("elearning")) == 180_060  # without the 30,000


def test_courses_aggregate_back_to_the_plan_exactly() -> None:
    expected = {
        (r.track, r.sub_area): (
            r.courses_original,
            r.courses_revised,
            r.runs_original,
            r.runs_revised,
            r.people_original,
            r.people_revised,
        )
        for r in PLAN_2020
    }
    assert plan_rows_from_courses(courses_2020()) == expected


def test_courses_are_deterministic() -> None:
    assert courses_2020() == courses_2020()


def test_course_codes_are_unique_and_well_formed() -> None:
    courses = courses_2020()
    codes = [c.code for c in courses]
    assert len(codes) == len(set(codes)) == 279
    assert "2020-C-core_values-01" in codes
    assert "2020-E-it-07" in codes
    for c in courses:
        letter = "C" if c.track == "classroom" else "E"
        assert c.code.startswith(f"2020-{letter}-{c.sub_area}-")
        assert c.title_ko


def _classroom_kept() -> list[CourseSeed]:
    return [c for c in courses_2020() if c.track == "classroom" and c.offered_revised]


def test_revised_classroom_delivery_modes_match_the_seed() -> None:
    kept = _classroom_kept()
    assert len(kept) == 70
    counts = Counter(c.delivery_mode for c in kept)
    assert counts == Counter(live_remote=33, blended=15, elearning_substitute=20, in_person=2)
    assert dict(counts) == dict(CLASSROOM_REVISED_MODE_COUNTS_2020)


def test_in_person_courses_are_the_competency_assessment_prep() -> None:
    in_person = [c for c in _classroom_kept() if c.delivery_mode == "in_person"]
    assert {c.area for c in in_person} == {"leadership"}
    assert all("역량평가" in c.title_ko for c in in_person)


def test_dropped_and_elearning_courses_keep_their_modes() -> None:
    for c in courses_2020():
        assert c.delivery_mode in DELIVERY_MODES
        if c.track == "elearning":
            assert c.delivery_mode == "elearning"
            assert c.offered_revised
            assert c.runs_original is None
            assert c.runs_revised is None
            assert c.people_original == c.people_revised
        elif not c.offered_revised:
            assert c.delivery_mode == "in_person"
            assert c.runs_revised == 0
            assert c.people_revised == 0


def test_every_planned_course_has_at_least_one_run_and_person() -> None:
    for c in courses_2020():
        assert c.offered_original
        assert c.people_original >= 1
        if c.track == "classroom":
            assert c.runs_original is not None
            assert c.runs_original >= 1
            if c.offered_revised:
                assert c.runs_revised is not None
                assert c.runs_revised >= 1
                assert c.people_revised >= 1


def test_splits_are_even_within_a_row() -> None:
    by_row: dict[tuple[str, str], list[CourseSeed]] = {}
    for c in courses_2020():
        by_row.setdefault((c.track, c.sub_area), []).append(c)
    for items in by_row.values():
        kept = [c for c in items if c.offered_revised]
        for values in (
            [c.people_original for c in items],
            [c.people_revised for c in kept],
            [c.runs_original or 0 for c in items],
            [c.runs_revised or 0 for c in kept],
        ):
            if values:
                assert max(values) - min(values) <= 1
                assert values == sorted(values, reverse=True)


def test_seed_named_titles_are_used() -> None:
    titles = {c.title_ko for c in courses_2020()}
    for name in (
        "7~9급 신임자 과정",
        "5급 승진리더 과정",
        "청렴특별시 서울",
        "재난안전실무",
        "서울 경제정책의 이해",
        "유형별 보고서 작성 방법",
        "소통·홍보실무",
        "업무에 바로쓰는 엑셀",
        "블럭코딩으로 안드로이드 앱 만들기",
        "AI기초 이해",
        "행복한 미래설계",
        "인생이모작 준비",
        "6급 미래인재 양성과정",
        "핵심가치 공유",
        "서울 기후환경 정책의 이해",
        "민간위탁사업 실무",
        "공사관리실무",
        "의회협력",
    ):
        assert name in titles


def test_aggregation_counts_only_offered_courses() -> None:
    agencies = [c for c in courses_2020() if c.sub_area == "agencies"]
    assert plan_rows_from_courses(agencies) == {("classroom", "agencies"): (2, 0, 3, 0, 120, 0)}
