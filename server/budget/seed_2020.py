"""The seed's 2020 budget table (2020년 예산 현황, 세출예산, as of 2020-09-30, thousand won),
transcribed row by row in the seed's order, with the figures it prints.

Four printed cells contradict the seed's own amounts, and no choice of won amounts that
round to the printed thousands can produce them (checked by tests/budget/test_seed_table.py):

- e-러닝 운영 증감률 3.5%: 23,233 ÷ 673,628 = 3.449% (3.4%);
- IT전문교육 운영 증감률 △58.1%: 267,207 ÷ 459,476 = 58.155% (△58.2%);
- 사업예산(계) and 인재양성 및 시험관리 집행률 52.3% (two cells): 8,331,316 ÷ 14,890,241
  = 55.95% (56.0%).

The report computes from records, so it prints the arithmetic; ``ERRATA`` lists exactly these
cells with what the seed printed, so a reader comparing with the paper sees why. Every other
figure, including 합계 56.3% executed of 15,534,973 thousand won, is reproduced as printed.
The lines' executed amounts add up to 8,331,317 while the seed prints 8,331,316 for their
total: amounts are kept in won and rounded once per row, so three lines hold a few hundred won
less than their printed thousands (``RESIDUE_WON``), which is how such a table comes about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

YEAR: Final = 2020
AS_OF: Final = date(2020, 9, 30)


@dataclass(frozen=True, slots=True)
class SeedLine:
    """One printed row: thousand won, and the printed change % and execution rate."""

    code: str
    name_ko: str
    name_en: str
    kind: str  # total, programme, unit, line
    parent: str | None
    budget_2019: int
    budget_2020: int
    change: int
    change_rate: Decimal
    executed: int
    executed_rate: Decimal


def _l(code: str, ko: str, en: str, a: int, b: int, c: int, cr: str, e: int, er: str,
       kind: str = "line", parent: str | None = "talent") -> SeedLine:  # fmt: skip
    return SeedLine(code, ko, en, kind, parent, a, b, c, Decimal(cr), e, Decimal(er))


TABLE: Final[tuple[SeedLine, ...]] = (
    _l("total", "합계", "Total", 16_564_599, 15_534_973, -1_029_626, "-6.2", 8_745_807, "56.3",
       "total", None),
    _l("programmes", "사업예산(계)", "Programme budget", 15_922_298, 14_890_241, -1_032_057,
       "-6.5", 8_331_316, "52.3", "programme", "total"),
    _l("talent", "인재양성 및 시험관리", "Talent development and examinations", 15_922_298,
       14_890_241, -1_032_057, "-6.5", 8_331_316, "52.3", "unit", "programmes"),
    _l("elearning-ops", "e-러닝 운영", "E-learning operation", 673_628, 696_861, 23_233, "3.5",
       511_344, "73.4"),
    _l("elearning-content", "e-러닝콘텐츠 개발", "E-learning content development", 305_900,
       997_100, 691_200, "226.0", 757_460, "76.0"),
    _l("curriculum", "교육과정개발 및 교육훈련계획 수립", "Curriculum and training planning",
       44_105, 21_155, -22_950, "-52.0", 14_595, "69.0"),
    _l("hrd", "인적자원개발(HRD)역량강화프로그램운영", "HRD capability programme", 42_598, 17_598,
       -25_000, "-58.7", 0, "0.0"),
    _l("in-service", "재직자 교육과정 운영", "In-service courses", 1_442_942, 743_017, -699_925,
       "-48.5", 435_681, "58.6"),
    _l("grade6", "6급 미래인재 양성과정 운영", "Grade 6 future leaders course", 1_758_128,
       839_703, -918_425, "-52.2", 200_739, "23.9"),
    _l("philosophy", "시정철학 공유 특별교육", "City policy philosophy special training", 193_723,
       182_948, -10_775, "-5.6", 96_310, "52.6"),
    _l("it", "IT전문교육 운영", "IT specialist training", 459_476, 192_269, -267_207, "-58.1",
       138_512, "72.0"),
    _l("new-recruits", "신임자과정 운영", "New recruits course", 1_640_340, 987_129, -653_211,
       "-39.8", 339_014, "34.3"),
    _l("retirement", "퇴직 후 인생설계 교육", "Life after retirement planning", 478_916,
       1_318_803, 839_887, "175.4", 0, "0.0"),
    _l("assessment-prep", "역량평가 이해과정 운영", "Competency assessment preparation", 196_380,
       335_002, 138_622, "70.6", 334_543, "99.9"),
    _l("equipment", "교육훈련장비 확충", "Training equipment", 217_559, 102_000, -115_559,
       "-53.1", 39_364, "38.6"),
    _l("meals", "교육생 급식지원", "Trainees' meals", 453_912, 458_912, 5_000, "1.1", 59_436,
       "13.0"),
    _l("building-repair", "인재원청사 보수·보강", "Building repair and reinforcement", 625_200,
       612_000, -13_200, "-2.1", 312_139, "51.0"),
    _l("building-upkeep", "인재원청사 유지관리", "Building upkeep", 967_025, 1_105_593, 138_568,
       "14.3", 741_999, "67.1"),
    _l("childcare", "직장보육시설 운영", "Workplace childcare", 228_339, 233_834, 5_495, "2.4",
       176_169, "75.3"),
    _l("assessment", "역량평가 운영", "Competency assessment", 1_286_102, 1_376_320, 90_218, "7.0",
       823_241, "59.8"),
    _l("exams", "공무원 채용 및 기타 시험 관리", "Recruitment and other examinations", 4_908_025,
       4_669_997, -238_028, "-4.8", 3_350_771, "71.8"),
    _l("admin-costs", "행정운영경비(계)", "Administrative costs", 642_301, 644_732, 2_431, "0.4",
       414_491, "64.3", "programme", "total"),
)  # fmt: skip

#: (row code, column) -> (what the seed prints, what its own amounts give)
ERRATA: Final[dict[tuple[str, str], tuple[Decimal, Decimal]]] = {
    ("elearning-ops", "change_rate"): (Decimal("3.5"), Decimal("3.4")),
    ("it", "change_rate"): (Decimal("-58.1"), Decimal("-58.2")),
    ("programmes", "expenditure_rate"): (Decimal("52.3"), Decimal("56.0")),
    ("talent", "expenditure_rate"): (Decimal("52.3"), Decimal("56.0")),
}

#: won held below the printed thousands, so that the lines sum to the printed subtotal
RESIDUE_WON: Final[dict[str, int]] = {"exams": 400, "assessment": 400, "building-upkeep": 400}


def leaves() -> tuple[SeedLine, ...]:
    """The rows that carry money (every row that is nobody's parent)."""
    parents = {line.parent for line in TABLE}
    return tuple(line for line in TABLE if line.code not in parents)
