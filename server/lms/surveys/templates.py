"""The institute's standard survey forms, from which an operator starts a new survey.

Satisfaction (만족도): items about the course, one item per instructor of the cohort, and free
text. On-the-job application (현업적용도): the same 5-point questions at each phase, worded
for the phase (before: expectation; right after: intention; 2-3 months after: what happened).
The operator edits the draft before opening it; the template is only a starting point, so it
is built here in words and never stored.
"""

from __future__ import annotations

from typing import Literal

from server.lms.surveys.models import ItemKind, SurveyKind, SurveyPhase
from server.lms.surveys.schemas import ItemIn, SurveyIn

Lang = Literal["ko", "en"]

COURSE_ITEMS: dict[Lang, tuple[str, ...]] = {
    "ko": ("교육 내용은 전반적으로 만족스러웠습니까?",
           "교육 내용은 업무에 도움이 되겠습니까?",
           "교육 운영(일정·안내·학습 환경)은 만족스러웠습니까?"),
    "en": ("Overall, were you satisfied with the course content?",
           "Will the course content help you in your work?",
           "Were you satisfied with how the course was run (schedule, information, setting)?"),
}  # fmt: skip
INSTRUCTOR_ITEM: dict[Lang, str] = {
    "ko": "{name} 강사의 강의에 만족하십니까?",
    "en": "Were you satisfied with {name}'s teaching?",
}
FREE_TEXT: dict[Lang, str] = {
    "ko": "과정에 대해 하고 싶은 말을 자유롭게 적어 주십시오.",
    "en": "Anything else you would like to tell us about the course?",
}
TITLES: dict[Lang, dict[str, str]] = {
    "ko": {"satisfaction": "과정 만족도 조사", "before": "현업적용도 조사 (사전)",
           "after": "현업적용도 조사 (직후)", "follow_up": "현업적용도 조사 (2~3개월 후)"},
    "en": {"satisfaction": "Course satisfaction survey",
           "before": "On-the-job application (before)",
           "after": "On-the-job application (right after)",
           "follow_up": "On-the-job application (2-3 months after)"},
}  # fmt: skip
APPLICATION_ITEMS: dict[Lang, dict[SurveyPhase, tuple[str, ...]]] = {
    "ko": {
        SurveyPhase.BEFORE: ("이 과정의 내용이 지금 업무에 필요합니까?",
                             "지금 업무에서 이 분야를 얼마나 잘 다루고 있습니까?"),
        SurveyPhase.AFTER: ("배운 내용을 업무에 적용할 수 있겠습니까?",
                            "배운 내용을 업무에 적용할 계획이 있습니까?"),
        SurveyPhase.FOLLOW_UP: ("배운 내용을 실제 업무에 적용하고 있습니까?",
                                "교육 후 업무 성과가 나아졌습니까?"),
    },
    "en": {
        SurveyPhase.BEFORE: ("Does your current work need what this course covers?",
                             "How well do you handle this area in your work today?"),
        SurveyPhase.AFTER: ("Will you be able to apply what you learnt in your work?",
                            "Do you plan to apply what you learnt in your work?"),
        SurveyPhase.FOLLOW_UP: ("Are you applying what you learnt in your work?",
                                "Has your work improved since the course?"),
    },
}  # fmt: skip
APPLICATION_TEXT: dict[Lang, str] = {
    "ko": "업무에 적용하면서 겪은 일이나 바라는 점을 적어 주십시오.",
    "en": "Tell us what helped or hindered applying the course at work.",
}


def template(
    kind: SurveyKind, phase: SurveyPhase | None, instructors: list[tuple[int, str]], lang: Lang
) -> SurveyIn:
    """A draft survey's content; ``instructors``: (registry id, name) of the cohort's teachers."""
    scale, text = ItemKind.SCALE5, ItemKind.TEXT
    if kind == SurveyKind.SATISFACTION:
        items = [ItemIn(kind=scale, prompt=p) for p in COURSE_ITEMS[lang]]
        items += [ItemIn(kind=scale, prompt=INSTRUCTOR_ITEM[lang].format(name=name),
                         instructor_id=iid) for iid, name in instructors]  # fmt: skip
        items.append(ItemIn(kind=text, prompt=FREE_TEXT[lang]))
        return SurveyIn(kind=kind, title=TITLES[lang]["satisfaction"], items=items)
    assert phase is not None  # the query's validator sees to it
    items = [ItemIn(kind=scale, prompt=p) for p in APPLICATION_ITEMS[lang][phase]]
    items.append(ItemIn(kind=text, prompt=APPLICATION_TEXT[lang]))
    return SurveyIn(kind=kind, phase=phase, title=TITLES[lang][phase.value], items=items)
