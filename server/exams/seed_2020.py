"""The seed's exam figures (2020 주요업무 보고, 시험관리; and the council's follow-up on
question errors), as constants the demo loads and the tests check.

2020 rounds (채용규모 총 3,241명):
- 제1·2회 병합 (6.13): 접수 49,920명 (경쟁률 17:1), 응시 23,655명 (응시율 47.4%), 필기합격
  3,712명, 59개 모집단위 2,959명 최종 선발. The seed prints no planned figure for this round;
  3,241 − 284 (the 3rd round) = 2,957 is used, which gives its 17:1.
- 제3회 (10.17): 35개 모집단위 284명 선발예정, 접수 17,595명 (62:1); interviews in December,
  so sitting and results are "no data".
- 일반임기제 경력경쟁: 36개 분야 38명 — 27 fields, 27 hired (5급 8, 6급 19); 9 fields, 11 in
  progress (5급 4, 6급 7).
- 전문경력관 등: 6개 분야 7명 — 비상대비민방위 1, 중증장애인 전산 2개 분야 3명, 의무 1 done;
  의무 2개 분야 2명 in progress.

Question errors: 2018 163 subjects 9 errors (0.28%); 2019 164 subjects 3 errors (0.09%), of
which June 9급 53 subjects 0 errors and October 7급 82 subjects 1 error (0.06%), the other 29
subjects (164 − 53 − 82) 2 errors; June 2020 9급 (the merged round) 28 subjects, 0 errors.
Only 2018's yearly total is printed, so 2018 is one combined round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.exams.models import RoundKind

YEAR = 2020
PLANNED_2020 = 3_241


@dataclass(frozen=True)
class TalliedRound:
    """A round whose totals are spread evenly over its units (the seed gives totals only)."""

    number: int
    kind: RoundKind
    name: str
    held_on: date | None
    units: int
    planned: int
    applicants: int | None
    sat: int | None
    written_passed: int | None
    final_passed: int | None


ROUND_1 = TalliedRound(1, RoundKind.OPEN, "제1·2회 공개경쟁 임용시험(병합)", date(2020, 6, 13),
                       59, 2_957, 49_920, 23_655, 3_712, 2_959)  # fmt: skip
ROUND_3 = TalliedRound(3, RoundKind.OPEN, "제3회 공개경쟁·경력경쟁 임용시험", date(2020, 10, 17),
                       35, 284, 17_595, None, None, None)  # fmt: skip

#: (job series, grade, planned, final passes or None while in progress)
CAREER: tuple[tuple[str, str, int, int | None], ...] = (
    tuple((f"일반임기제 분야 {i + 1:02d}", "5급", 1, 1) for i in range(8))
    + tuple((f"일반임기제 분야 {i + 9:02d}", "6급", 1, 1) for i in range(19))
    + (("법률전문요원", "5급", 2, None), ("일반임기제 분야 28", "5급", 1, None),
       ("일반임기제 분야 29", "5급", 1, None), ("일반임기제 분야 30", "6급", 2, None))
    + tuple((f"일반임기제 분야 {i + 31:02d}", "6급", 1, None) for i in range(5))
)  # fmt: skip
SPECIALIST: tuple[tuple[str, str, int, int | None], ...] = (
    ("비상대비민방위", "전문경력관", 1, 1),
    ("전산(중증장애인) 1", "전문경력관", 2, 2),
    ("전산(중증장애인) 2", "전문경력관", 1, 1),
    ("의무 1", "전문경력관", 1, 1),
    ("의무 2", "전문경력관", 1, None),
    ("의무 3", "전문경력관", 1, None),
)
CAREER_ROUND = (1, RoundKind.CAREER, "일반임기제 경력경쟁 임용시험")
SPECIALIST_ROUND = (1, RoundKind.SPECIALIST, "전문경력관 등 경력경쟁 임용시험")

SERIES_9 = ("일반행정", "세무", "사회복지", "전산", "토목", "건축", "보건", "간호", "공업",
            "사서", "시설관리", "녹지", "운전", "방호", "교육행정")  # fmt: skip


@dataclass(frozen=True)
class QualityRound:
    year: int
    number: int
    name: str
    held_on: date | None
    subjects: int
    errors: int


QUALITY: tuple[QualityRound, ...] = (
    QualityRound(2018, 1, "2018년 임용시험(회차 통합)", None, 163, 9),
    QualityRound(2019, 1, "2019년 6월 9급 공채", None, 53, 0),
    QualityRound(2019, 2, "2019년 10월 7급 공채", None, 82, 1),
    QualityRound(2019, 3, "2019년 그 밖의 회차(통합)", None, 29, 2),
)
#: the 2020 merged round (ROUND_1) is the seed's "’20.6월 9급 공채(28과목): 오류 0건"
SUBJECTS_2020 = 28

SUBJECT_NAMES = ("국어", "영어", "한국사", "행정법총론", "행정학개론", "사회복지학개론",
                 "세법개론", "회계학", "컴퓨터일반", "정보보호론", "응용역학개론", "토목설계",
                 "건축계획", "건축구조", "지방자치론", "공중보건", "간호관리", "물리", "화학",
                 "경제학")  # fmt: skip
CAUSES = (
    ("정답 근거 법령이 시험 직전 개정되었으나 반영되지 않음", "복수정답 인정"),
    ("보기 문장의 오탈자로 두 보기가 모두 정답이 됨", "복수정답 인정; 편집 단계 교정 인력 추가"),
    ("출제위원 풀이 과정의 계산 오류", "전원 정답 처리; 문제풀이 검토 단계 신설"),
)

EXPECTED_RATES = {2018: "0.28", 2019: "0.09"}
EXPECTED_OCTOBER_2019 = "0.06"
