"""The 2020 training plan and results, transcribed from the institute's report to the council.

Source: the table "교육훈련과정 2020년 계획/변경계획 2020년 실적" (as of end of September 2020) in
``seed/000_de9d8e7a4177dc94.txt``. The report tables must be *reproducible from records*, so this
module keeps two things apart:

- ``PLAN_2020``: the printed table, row by row, exactly as submitted (the reference a report is
  checked against), plus the printed totals (``TOTALS_2020``) and area course counts;
- ``courses_2020()``: a deterministic split of every row into individual courses, which is what the
  database stores; aggregating those courses back (``plan_rows_from_courses``) must give the
  printed table again, to the unit.

Everything here is plain data and pure functions: no database, no I/O, so it can be imported by
migrations, seeders and tests alike. Unknown values are ``None``, never ``0``: the council was
embarrassed once by a "0" that really meant "not known yet".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final, Literal

Track = Literal["classroom", "elearning"]
"""The two halves of every plan table: classroom (집합교육) and e-learning (e러닝)."""

YEAR: Final = 2020

# --------------------------------------------------------------------------------------------
# Taxonomy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubAreaSeed:
    """A sub-area (the rows of every report); codes are unique across all areas."""

    code: str
    name_ko: str
    name_en: str


@dataclass(frozen=True, slots=True)
class AreaSeed:
    """A competency area (역량 영역) and its sub-areas, in the order the report prints them."""

    code: str
    name_ko: str
    name_en: str
    sub_areas: tuple[SubAreaSeed, ...]


AREAS: Final[tuple[AreaSeed, ...]] = (
    AreaSeed(
        "basic",
        "기본역량",
        "Basic competency",
        (
            SubAreaSeed("core_values", "핵심가치", "Core values"),
            SubAreaSeed("humanities", "인문소양", "Humanities"),
            SubAreaSeed("new_recruits", "신규임용", "New recruits"),
        ),
    ),
    AreaSeed(
        "leadership",
        "리더십역량",
        "Leadership competency",
        (
            SubAreaSeed("by_position", "직위", "By position"),
            SubAreaSeed("by_grade", "직급", "By grade"),
        ),
    ),
    AreaSeed(
        "job",
        "직무역량",
        "Job competency",
        (
            SubAreaSeed("common", "공통", "Common job skills"),
            SubAreaSeed("specialised", "전문", "Specialised job skills"),
            SubAreaSeed("it", "IT", "IT"),
        ),
    ),
    AreaSeed(
        "public",
        "공공역량",
        "Public-service competency",
        (
            SubAreaSeed("practical_officers", "실무관", "Practical officers"),
            SubAreaSeed("agencies", "투자출연기관", "City-funded agencies"),
        ),
    ),
    AreaSeed(
        "self_study",
        "개인학습",
        "Self-directed learning",
        (
            SubAreaSeed("certificates", "자격증", "Certificates"),
            SubAreaSeed("languages", "외국어", "Foreign languages"),
        ),
    ),
)

DeliveryMode = Literal["in_person", "live_remote", "blended", "elearning_substitute", "elearning"]

DELIVERY_MODES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "in_person": ("집합(대면)", "In person"),
        "live_remote": ("실시간 원격교육", "Live remote class"),
        "blended": ("원격+e러닝 혼합", "Remote + e-learning blend"),
        "elearning_substitute": ("e-러닝 대체교육", "E-learning substitute"),
        "elearning": ("e러닝", "E-learning"),
    }
)
"""Delivery mode code → (Korean label, English label); codes match ``models.DeliveryMode``."""


def _sub_area_index() -> dict[str, tuple[AreaSeed, SubAreaSeed]]:
    """Look-up by sub-area code, so rows and courses can carry codes instead of objects."""
    return {sub.code: (area, sub) for area in AREAS for sub in area.sub_areas}


SUB_AREAS: Final[Mapping[str, tuple[AreaSeed, SubAreaSeed]]] = MappingProxyType(_sub_area_index())

# --------------------------------------------------------------------------------------------
# The printed table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One sub-row of the seed table: original/revised plan (당초/변경) and actual (실적).

    e-learning rows are always open (상시): runs are ``None`` and the plan did not change, so
    original == revised. Rows whose actual columns are blank in the seed have ``actual_*`` =
    ``None``: "no data" must stay distinguishable from "zero".
    """

    track: Track
    area: str
    sub_area: str
    courses_original: int
    courses_revised: int
    runs_original: int | None
    runs_revised: int | None
    people_original: int
    people_revised: int
    actual_courses: int | None
    actual_runs: int | None
    actual_people: int | None


def _classroom(
    area: str,
    sub_area: str,
    courses: tuple[int, int],
    runs: tuple[int, int],
    people: tuple[int, int],
    actual: tuple[int, int, int] | None,
) -> PlanRow:
    """Build a classroom row in the seed's column order, to keep transcription easy to check."""
    a_courses, a_runs, a_people = actual if actual is not None else (None, None, None)
    return PlanRow(
        track="classroom",
        area=area,
        sub_area=sub_area,
        courses_original=courses[0],
        courses_revised=courses[1],
        runs_original=runs[0],
        runs_revised=runs[1],
        people_original=people[0],
        people_revised=people[1],
        actual_courses=a_courses,
        actual_runs=a_runs,
        actual_people=a_people,
    )


def _elearning(
    area: str, sub_area: str, courses: int, people: int, actual: tuple[int, int]
) -> PlanRow:
    """Build an always-open e-learning row: no runs, and the plan is the same in both versions."""
    a_courses, a_people = actual
    return PlanRow(
        track="elearning",
        area=area,
        sub_area=sub_area,
        courses_original=courses,
        courses_revised=courses,
        runs_original=None,
        runs_revised=None,
        people_original=people,
        people_revised=people,
        actual_courses=a_courses,
        actual_runs=None,
        actual_people=a_people,
    )


PLAN_2020: Final[tuple[PlanRow, ...]] = (
    # 집합교육 (131): courses orig/rev, runs orig/rev, people orig/rev, actual courses/runs/people
    _classroom("basic", "core_values", (7, 5), (66, 36), (6_840, 2_050), (5, 19, 834)),
    _classroom("basic", "humanities", (7, 5), (29, 17), (2_447, 1_727), (4, 9, 874)),
    _classroom("basic", "new_recruits", (4, 2), (25, 16), (7_043, 3_412), (2, 10, 1_956)),
    _classroom("leadership", "by_position", (7, 7), (50, 42), (2_040, 1_390), (5, 29, 1_017)),
    _classroom("leadership", "by_grade", (4, 2), (11, 8), (809, 749), (2, 4, 587)),
    _classroom("job", "common", (11, 5), (37, 12), (880, 310), (4, 8, 208)),
    _classroom("job", "specialised", (36, 21), (75, 35), (4_050, 1_700), (12, 13, 396)),
    _classroom("job", "it", (50, 22), (143, 47), (2_972, 699), (20, 25, 305)),
    _classroom("public", "practical_officers", (3, 1), (12, 1), (2_700, 500), None),
    _classroom("public", "agencies", (2, 0), (3, 0), (120, 0), None),
    # e러닝 (148): courses, people planned (상시), actual courses/people
    _elearning("basic", "core_values", 16, 54_650, (16, 81_120)),
    _elearning("basic", "humanities", 6, 7_000, (6, 11_983)),
    _elearning("leadership", "by_position", 12, 12_500, (12, 12_992)),
    _elearning("job", "common", 28, 26_160, (28, 78_677)),
    _elearning("job", "specialised", 53, 20_960, (53, 30_976)),
    _elearning("job", "it", 29, 9_290, (29, 33_913)),
    _elearning("self_study", "certificates", 3, 16_500, (3, 24_974)),
    _elearning("self_study", "languages", 1, 33_000, (1, 35_708)),
)
"""Every sub-row of the seed table, in printed order (classroom first, then e-learning)."""


@dataclass(frozen=True, slots=True)
class PlanTotals:
    """A printed total or subtotal line: kept verbatim so computed reports can be checked.

    ``runs_*``/``actual_runs`` are ``None`` where the seed prints 상시 (always open).
    ``rate_percent`` is the printed 이수율 (actual people ÷ revised planned people).
    """

    courses_original: int
    courses_revised: int
    runs_original: int | None
    runs_revised: int | None
    people_original: int
    people_revised: int
    actual_courses: int
    actual_runs: int | None
    actual_people: int
    rate_percent: Decimal


TOTALS_2020: Final[Mapping[str, PlanTotals]] = MappingProxyType(
    {
        # 전 체 279/218 451/214 209,961/192,597 202 117 316,520 164.3%
        "all": PlanTotals(
            279, 218, 451, 214, 209_961, 192_597, 202, 117, 316_520, Decimal("164.3")
        ),
        # 집합교육 소 계 131/70 451/214 29,901/12,537 54 117 6,177 49.3%
        "classroom": PlanTotals(131, 70, 451, 214, 29_901, 12_537, 54, 117, 6_177, Decimal("49.3")),
        # e러닝 소 계 148 (상시) 180,060 148 (상시) 310,343 172.4%
        "elearning": PlanTotals(
            148, 148, None, None, 180_060, 180_060, 148, None, 310_343, Decimal("172.4")
        ),
    }
)
"""The seed's printed total (전 체) and track subtotals (소 계)."""

AREA_COURSE_COUNTS_2020: Final[Mapping[tuple[Track, str], int]] = MappingProxyType(
    {
        ("classroom", "basic"): 18,
        ("classroom", "leadership"): 11,
        ("classroom", "job"): 97,
        ("classroom", "public"): 5,
        ("elearning", "basic"): 22,
        ("elearning", "leadership"): 12,
        ("elearning", "job"): 110,
        ("elearning", "self_study"): 4,
    }
)
"""The parenthesised course counts printed under each area label (original plan)."""


@dataclass(frozen=True, slots=True)
class FootnoteSeed:
    """A figure printed in parentheses under the table, outside its totals."""

    name_ko: str
    name_en: str
    planned_people: int
    actual_people: int
    rate_percent: Decimal
    counted_in_totals: bool


U_KNOWLEDGE_TRIP_2020: Final = FootnoteSeed(
    name_ko="u-지식여행",
    name_en="u-Knowledge Trip (about 2,000 short videos)",
    planned_people=30_000,
    actual_people=35_486,
    rate_percent=Decimal("118.3"),
    counted_in_totals=False,
)
"""u-지식여행 (30,000) (35,486) (118.3%): printed in parentheses, outside the e-learning sums."""

_ONE_DECIMAL = Decimal("0.1")


def completion_rate(actual_people: int | None, people_revised: int) -> Decimal | None:
    """이수율 in percent, rounded half-up to one decimal as printed; ``None`` means "no data".

    ``None`` (not 0%) when nothing was recorded or nothing was planned, because a rate of 0 would
    claim a result that does not exist.
    """
    if actual_people is None or people_revised <= 0:
        return None
    rate = Decimal(actual_people) * 100 / Decimal(people_revised)
    return rate.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Individual courses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourseSeed:
    """One course (과정) with its original and revised plan.

    A course dropped in the revised plan keeps its original figures and has ``offered_revised``
    False with 0 runs and 0 people; its ``delivery_mode`` stays ``in_person`` because that is how
    it was originally planned.
    """

    code: str
    title_ko: str
    track: Track
    area: str
    sub_area: str
    delivery_mode: DeliveryMode
    offered_original: bool
    offered_revised: bool
    runs_original: int | None
    runs_revised: int | None
    people_original: int
    people_revised: int


# Titles named in the seed, in row order; the first ``courses_revised`` of each classroom row are
# the ones kept in the revised plan. Rows run out of named titles quickly, and the rest get a
# neutral "<sub-area> 과정 n" title rather than invented names.
_CLASSROOM_TITLES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "core_values": (
            "핵심가치 공유",
            "청렴특별시 서울",
            "서울시 들여다보기",
            "사례로 이해하는 청렴",
        ),
        "humanities": ("행복한 미래설계", "인생이모작 준비"),
        "new_recruits": ("7~9급 신임자 과정",),
        # 직위별 리더십 4 + 6급 미래인재 + 4·5급 역량평가이해 (the 2 that stayed in person)
        "by_position": (
            "과장 리더십 과정",
            "팀장 리더십 과정",
            "성과 리더십 과정(6급)",
            "실무 리더십 과정(7급 이하)",
            "6급 미래인재 양성과정",
            "4급 역량평가 이해과정",
            "5급 역량평가 이해과정",
        ),
        "by_grade": ("5급 승진리더 과정", "6급 승진자 리더십 과정"),
        "common": ("유형별 보고서 작성 방법", "소통·홍보실무", "갈등관리·조정"),
        "specialised": (
            "서울 기후환경 정책의 이해",
            "서울 경제정책의 이해",
            "서울 복지정책의 이해",
            "의회협력",
            "민간위탁사업 실무",
            "재난안전실무",
            "공사관리실무",
            "서울 도시교통 정책 우수사례",
        ),
        "it": (
            "업무에 바로쓰는 엑셀",
            "블럭코딩으로 안드로이드 앱 만들기",
            "AI기초 이해",
            "SNS 홍보하기",
            "보고서 꾸미기 팁",
            "구글서비스 200% 활용하기",
            "PC 활용 팁",
        ),
    }
)

_ELEARNING_TITLES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "common": ("e-新행정과 인권",),
        "languages": ("외국어 학습(12개 언어)",),
    }
)

# How the 70 classroom courses kept in the revised plan were delivered, per sub-area, as
# (live_remote, blended, elearning_substitute, in_person). The seed only gives the overall split
# (33 live remote, 15 blended, 20 e-learning substitute, 2 in person: the 4·5급 역량평가이해
# courses); the per-row split below is a deterministic allocation that reproduces it. Within a
# row, modes are handed out in this order to the courses kept, so the two 역량평가이해 courses,
# listed last in ``by_position``, are the in-person ones.
_MODE_ORDER: Final[tuple[DeliveryMode, ...]] = (
    "live_remote",
    "blended",
    "elearning_substitute",
    "in_person",
)
_CLASSROOM_MODE_MIX: Final[Mapping[str, tuple[int, int, int, int]]] = MappingProxyType(
    {
        "core_values": (4, 1, 0, 0),
        "humanities": (2, 1, 2, 0),
        "new_recruits": (1, 1, 0, 0),
        "by_position": (4, 1, 0, 2),
        "by_grade": (1, 1, 0, 0),
        "common": (3, 1, 1, 0),
        "specialised": (8, 5, 8, 0),
        "it": (10, 3, 9, 0),
        "practical_officers": (0, 1, 0, 0),
        "agencies": (0, 0, 0, 0),
    }
)

#: the overall split printed in the seed (비대면 교육 추진실적: 33 + 15 + 20, and 2 in person)
CLASSROOM_REVISED_MODE_COUNTS_2020: Final[Mapping[str, int]] = MappingProxyType(
    {"live_remote": 33, "blended": 15, "elearning_substitute": 20, "in_person": 2}
)


def _split_evenly(total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` integers differing by at most 1, larger ones first.

    Even and front-loaded so the result is deterministic and every part gets at least 1 whenever
    ``total >= parts``.
    """
    if parts <= 0:
        if total != 0:
            raise ValueError(f"cannot split {total} into {parts} parts")
        return []
    base, extra = divmod(total, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def _title(sub: SubAreaSeed, track: Track, index: int) -> str:
    """The seed's course name where it gives one, otherwise a neutral numbered title."""
    named = (_CLASSROOM_TITLES if track == "classroom" else _ELEARNING_TITLES).get(sub.code, ())
    if index < len(named):
        return named[index]
    suffix = "과정" if track == "classroom" else "e러닝 과정"
    return f"{sub.name_ko} {suffix} {index + 1}"


def _modes(row: PlanRow) -> list[DeliveryMode]:
    """Delivery mode per course of a row, in course order (see ``_CLASSROOM_MODE_MIX``)."""
    if row.track == "elearning":
        return ["elearning"] * row.courses_original
    mix = _CLASSROOM_MODE_MIX[row.sub_area]
    if sum(mix) != row.courses_revised:
        raise ValueError(f"mode mix for {row.sub_area} does not cover {row.courses_revised}")
    kept = [mode for mode, count in zip(_MODE_ORDER, mix, strict=True) for _ in range(count)]
    dropped: list[DeliveryMode] = ["in_person"] * (row.courses_original - row.courses_revised)
    return kept + dropped


def _row_courses(row: PlanRow) -> list[CourseSeed]:
    """Split one plan row into courses whose sums reproduce the row exactly."""
    _, sub = SUB_AREAS[row.sub_area]
    n_orig, n_rev = row.courses_original, row.courses_revised
    if not 0 <= n_rev <= n_orig:
        raise ValueError(f"{row.track}/{row.sub_area}: revised courses exceed original")
    people_orig = _split_evenly(row.people_original, n_orig)
    people_rev = _split_evenly(row.people_revised, n_rev) + [0] * (n_orig - n_rev)
    runs_orig: list[int | None]
    runs_rev: list[int | None]
    if row.runs_original is None or row.runs_revised is None:
        runs_orig = [None] * n_orig
        runs_rev = [None] * n_orig
    else:
        runs_orig = list(_split_evenly(row.runs_original, n_orig))
        runs_rev = [*_split_evenly(row.runs_revised, n_rev), *([0] * (n_orig - n_rev))]
    modes = _modes(row)
    letter = "C" if row.track == "classroom" else "E"
    return [
        CourseSeed(
            code=f"{YEAR}-{letter}-{row.sub_area}-{i + 1:02d}",
            title_ko=_title(sub, row.track, i),
            track=row.track,
            area=row.area,
            sub_area=row.sub_area,
            delivery_mode=modes[i],
            offered_original=True,
            offered_revised=i < n_rev,
            runs_original=runs_orig[i],
            runs_revised=runs_rev[i],
            people_original=people_orig[i],
            people_revised=people_rev[i],
        )
        for i in range(n_orig)
    ]


def courses_2020() -> tuple[CourseSeed, ...]:
    """Every 2020 course, derived deterministically from ``PLAN_2020``.

    The seed only prints row totals; storing per-course plans lets the report be recomputed from
    records, and ``plan_rows_from_courses`` proves the split loses nothing.
    """
    return tuple(course for row in PLAN_2020 for course in _row_courses(row))


PlanKey = tuple[str, str]
PlanSums = tuple[int, int, int | None, int | None, int, int]


def _sum_runs(values: list[int | None]) -> int | None:
    """Sum runs; ``None`` only if every course is always open (mixing would hide an error).

    No courses at all sum to 0: a version that offers nothing plans zero runs (투자출연기관).
    """
    if not values:
        return 0
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        raise ValueError("a row mixes always-open and scheduled courses")
    return sum(v for v in values if v is not None)


def plan_rows_from_courses(
    courses: Iterable[CourseSeed],
) -> dict[PlanKey, PlanSums]:
    """Aggregate courses back per (track, sub_area) into the table's plan columns.

    Returns (courses_original, courses_revised, runs_original, runs_revised, people_original,
    people_revised); runs are ``None`` for always-open rows. Only courses offered in a version
    count towards that version, so dropped courses cannot leak into the revised plan.
    """
    grouped: dict[PlanKey, list[CourseSeed]] = {}
    for course in courses:
        grouped.setdefault((course.track, course.sub_area), []).append(course)
    result: dict[PlanKey, PlanSums] = {}
    for key, items in grouped.items():
        orig = [c for c in items if c.offered_original]
        rev = [c for c in items if c.offered_revised]
        result[key] = (
            len(orig),
            len(rev),
            _sum_runs([c.runs_original for c in orig]),
            _sum_runs([c.runs_revised for c in rev]),
            sum(c.people_original for c in orig),
            sum(c.people_revised for c in rev),
        )
    return result
