"""Judging one trainee against a rule: pure code over the gathered evidence.

Every criterion gives (required, actual, of, met), where met is True, False or None (unknown:
no survey held, no e-learning data, a required session not yet held). The outcome is
not completed when any criterion is unmet, undetermined when any is unknown, else completed;
an override (the newest) replaces the outcome and is named in the explanation, as is every
excused absence. The explanation is written in Korean and English from the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.lms.completion.evidence import Evidence
from server.lms.completion.models import (
    CompletionCorrection,
    CompletionRule,
    CorrectionKind,
    Outcome,
)
from server.lms.completion.schemas import CriterionOut, ResultOut
from server.lms.models import ClassSession
from server.rooms.attendance import present_seconds

MARK = {True: "✓", False: "✗", None: "?"}
OUTCOME_WORDS = {
    Outcome.COMPLETED: ("수료", "completed"),
    Outcome.NOT_COMPLETED: ("미수료", "not completed"),
    Outcome.UNDETERMINED: ("판정 보류", "undetermined"),
}


@dataclass(frozen=True)
class Said:
    """One criterion, with its sentence in both languages."""

    criterion: CriterionOut
    ko: str
    en: str


def judge(
    rule: CompletionRule, user_id: int, evidence: Evidence, corrections: list[CompletionCorrection],
    now: datetime, names: dict[int, str],
) -> ResultOut:  # fmt: skip
    excused = {c.class_session_id for c in corrections if c.kind == CorrectionKind.EXCUSED_ABSENCE}
    said = [s for s in _criteria(rule, user_id, evidence, excused, now) if s is not None]
    derived = _outcome([s.criterion.met for s in said])
    outcome = derived
    ko = [s.ko for s in said]
    en = [s.en for s in said]
    titles = {s.id: s.title for s in evidence.sessions}
    for c in corrections:
        if c.kind == CorrectionKind.EXCUSED_ABSENCE and c.class_session_id is not None:
            title = titles.get(c.class_session_id, f"#{c.class_session_id}")
            ko.append(f"공결: {title} ({c.reason})")
            en.append(f"excused: {title} ({c.reason})")
    overrides = [c for c in corrections if c.kind == CorrectionKind.OVERRIDE]
    if overrides:
        last = max(overrides, key=lambda c: c.id)
        outcome = Outcome(last.outcome or derived)
        who = names.get(last.author_id, f"#{last.author_id}")
        ko.append(f"{OUTCOME_WORDS[derived][0]} → {OUTCOME_WORDS[outcome][0]} "
                  f"(조정: {who}, {last.reason})")  # fmt: skip
        en.append(f"{OUTCOME_WORDS[derived][1]} → {OUTCOME_WORDS[outcome][1]} "
                  f"(override by {who}: {last.reason})")  # fmt: skip
    else:
        ko.append(OUTCOME_WORDS[outcome][0])
        en.append(OUTCOME_WORDS[outcome][1])
    return ResultOut(
        user_id=user_id, name=names.get(user_id, ""), outcome=outcome, derived_outcome=derived,
        criteria=[s.criterion for s in said], correction_ids=[c.id for c in corrections],
        explanation_ko="; ".join(ko), explanation_en="; ".join(en),
    )  # fmt: skip


def _outcome(mets: list[bool | None]) -> Outcome:
    if any(m is False for m in mets):
        return Outcome.NOT_COMPLETED
    if any(m is None for m in mets):
        return Outcome.UNDETERMINED
    return Outcome.COMPLETED


def _criteria(
    rule: CompletionRule, user_id: int, ev: Evidence, excused: set[int | None], now: datetime
) -> list[Said | None]:
    return [
        _presence(rule, user_id, ev, excused, now),
        _required_sessions(rule, user_id, ev, excused, now),
        _breakout(rule, user_id, ev),
        _polls(rule, user_id, ev),
        _quiz(rule, user_id, ev),
        _survey(rule, user_id, ev),
        _elearning(rule, user_id, ev),
    ]


def _present_in(ev: Evidence, user_id: int, s: ClassSession, now: datetime) -> tuple[int, int]:
    """Seconds present in the session's scheduled time so far, and that time."""
    end = min(s.ends_at, now)
    if end <= s.starts_at:
        return 0, 0
    parts = ev.presence.get(s.id, {}).get(user_id, [])
    return present_seconds(parts, s.starts_at, end), int((end - s.starts_at).total_seconds())


def _pct(part: float, whole: float) -> int:
    """A share in whole percent, rounded down (79.9% is not shown as 80%)."""
    return int(part * 100 // whole)


def _presence(
    rule: CompletionRule, user_id: int, ev: Evidence, excused: set[int | None], now: datetime
) -> Said | None:
    if rule.min_presence_pct is None:
        return None
    present = scheduled = 0
    for s in ev.sessions:
        if s.live and s.id not in excused:
            p, of = _present_in(ev, user_id, s, now)
            present, scheduled = present + p, scheduled + of
    need = rule.min_presence_pct
    if scheduled == 0:
        c = CriterionOut(criterion="presence", required=need, actual=None, of=None, met=None)
        return Said(c, "출석 ? (수업 기록 없음)", "presence ? (no class held)")
    met = present * 100 >= need * scheduled
    mins, of_mins, pct = present // 60, scheduled // 60, _pct(present, scheduled)
    c = CriterionOut(criterion="presence", required=need, actual=mins, of=of_mins, met=met)
    return Said(c, f"출석 {of_mins}분 중 {mins}분 ({pct}%) {MARK[met]}",
                f"present {mins} of {of_mins} min ({pct}%) {MARK[met]}")  # fmt: skip


def _required_sessions(
    rule: CompletionRule, user_id: int, ev: Evidence, excused: set[int | None], now: datetime
) -> Said | None:
    if not rule.required_sessions:
        return None
    attended: list[bool | None] = []
    for position in rule.required_sessions:
        if position > len(ev.sessions):
            attended.append(None)  # this cohort has no such session
            continue
        s = ev.sessions[position - 1]
        if s.id in excused:
            attended.append(True)
        elif s.ends_at > now or not s.live:
            attended.append(None)  # not over yet, or in person (no attendance record here)
        else:
            p, of = _present_in(ev, user_id, s, now)
            need = rule.min_presence_pct
            attended.append(p > 0 if need is None else p * 100 >= need * of)
    count, total = sum(1 for a in attended if a), len(attended)
    met: bool | None = False if False in attended else (None if None in attended else True)
    c = CriterionOut(criterion="required_sessions", required=total, actual=count, of=total, met=met)
    return Said(c, f"필수 차시 {total}개 중 {count}개 {MARK[met]}",
                f"required sessions {count} of {total} {MARK[met]}")  # fmt: skip


def _breakout(rule: CompletionRule, user_id: int, ev: Evidence) -> Said | None:
    need = rule.min_breakout_rounds
    if need is None:
        return None
    if ev.breakout_held == 0:
        c = CriterionOut(criterion="breakout", required=need, actual=None, of=None, met=None)
        return Said(c, "분임 활동 ? (분임 없음)", "breakout ? (no breakout held)")
    n = ev.breakout_rounds.get(user_id, 0)
    met = n >= need
    c = CriterionOut(criterion="breakout", required=need, actual=n, of=ev.breakout_held, met=met)
    return Said(c, f"분임 활동 {ev.breakout_held}회 중 {n}회 (기준 {need}회) {MARK[met]}",
                f"breakout {n} of {ev.breakout_held} rounds (need {need}) {MARK[met]}")  # fmt: skip


def _polls(rule: CompletionRule, user_id: int, ev: Evidence) -> Said | None:
    need = rule.min_poll_pct
    if need is None:
        return None
    if ev.named_polls == 0:
        c = CriterionOut(criterion="polls", required=need, actual=None, of=None, met=None)
        return Said(c, "투표 참여 ? (기명 투표 없음)", "polls ? (no named poll held)")
    mine = ev.polls.get(user_id)
    n = mine.answered if mine else 0
    met = n * 100 >= need * ev.named_polls
    pct = _pct(n, ev.named_polls)
    c = CriterionOut(criterion="polls", required=need, actual=n, of=ev.named_polls, met=met)
    return Said(c, f"투표 참여 {ev.named_polls}회 중 {n}회 ({pct}%) {MARK[met]}",
                f"polls answered {n} of {ev.named_polls} ({pct}%) {MARK[met]}")  # fmt: skip


def _quiz(rule: CompletionRule, user_id: int, ev: Evidence) -> Said | None:
    need = rule.min_quiz_points
    if need is None:
        return None
    if ev.named_polls == 0:
        c = CriterionOut(criterion="quiz", required=need, actual=None, of=None, met=None)
        return Said(c, "퀴즈 ? (퀴즈 없음)", "quiz ? (no quiz held)")
    mine = ev.polls.get(user_id)
    score = mine.score if mine else 0
    met = score >= need
    c = CriterionOut(criterion="quiz", required=need, actual=score, of=None, met=met)
    return Said(c, f"퀴즈 {score}점 (기준 {need}점) {MARK[met]}",
                f"quiz {score} points (need {need}) {MARK[met]}")  # fmt: skip


def _survey(rule: CompletionRule, user_id: int, ev: Evidence) -> Said | None:
    if not rule.survey_required:
        return None
    if ev.surveys_held == 0:
        c = CriterionOut(criterion="survey", required=1, actual=None, of=None, met=None)
        return Said(c, "설문 ? (설문 없음)", "survey ? (no survey held)")
    n = ev.surveys_submitted.get(user_id, 0)
    met = n >= ev.surveys_held
    c = CriterionOut(criterion="survey", required=ev.surveys_held, actual=n,
                     of=ev.surveys_held, met=met)  # fmt: skip
    return Said(c, f"설문 {MARK[met]}", f"survey {MARK[met]}")


def _elearning(rule: CompletionRule, user_id: int, ev: Evidence) -> Said | None:
    need = rule.min_elearning_pct
    if need is None:
        return None
    progress = ev.elearning.get(user_id)
    if progress is None:
        c = CriterionOut(criterion="elearning", required=need, actual=None, of=100, met=None)
        return Said(c, "이러닝 진도 ? (자료 없음)", "e-learning ? (no data)")
    met = progress >= need
    c = CriterionOut(criterion="elearning", required=need, actual=progress, of=100, met=met)
    return Said(c, f"이러닝 진도 {progress:.0f}% {MARK[met]}",
                f"e-learning {progress:.0f}% {MARK[met]}")  # fmt: skip
