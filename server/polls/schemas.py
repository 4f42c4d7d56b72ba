"""Q&A in and out (socket events on /class, and the export)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from server.core.schemas import In, Out, RecordId

RequestKey = str


class AskIn(In):
    text: str = Field(min_length=1, max_length=1000)
    anonymous: bool = Field(default=True, description="false: my name is shown with it")
    request_id: str | None = Field(
        default=None, min_length=8, max_length=64,
        description="the same id again is the same question (retries)",
    )  # fmt: skip


class QuestionRef(In):
    question_id: RecordId


class EditIn(QuestionRef):
    text: str = Field(min_length=1, max_length=1000)


class VoteIn(QuestionRef):
    up: bool = Field(default=True, description="false: take my upvote back")


class ModerateIn(QuestionRef):
    action: Literal["approve", "reject"]


class MergeIn(QuestionRef):
    into: RecordId


class ReplyIn(QuestionRef):
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    live: bool = Field(default=False, description="answered out loud in class")


class PinIn(QuestionRef):
    pinned: bool


class ModeIn(In):
    mode: Literal["none", "pre"] = Field(description="pre: every question waits for approval")


class ListIn(In):
    sort: Literal["popular", "recent", "answered"] = "popular"


class QuestionOut(Out):
    id: int
    text: str
    anonymous: bool
    author_name: str | None = Field(description="null when anonymous")
    status: str
    flags: list[str]
    votes: int
    pinned: bool
    answered: str | None
    reply: str | None
    group_id: int | None
    merged_into: int | None
    created_at: datetime
    edited_at: datetime | None
    revision: int = Field(
        description="+1 on every change of this question; apply only a newer one than you hold"
    )
    mine: bool = Field(default=False, description="asked by whoever receives this answer")
    voted: bool = Field(default=False, description="upvoted by whoever receives this answer")


# ---- polls ----------------------------------------------------------------------------------

PollKind = Literal["single", "multiple", "rating", "wordcloud", "open", "ranking", "quiz"]


class ItemIn(In):
    kind: PollKind
    prompt: str = Field(min_length=1, max_length=500)
    options: list[str] = Field(default_factory=list, max_length=20)
    scale: Literal[5, 10] | None = Field(default=None, description="rating: 1–5 or 1–10")
    correct: list[int] | None = Field(default=None, description="quiz: the right options")
    points: int = Field(default=1, ge=0, le=100)

    @model_validator(mode="after")
    def _fits(self) -> ItemIn:
        choice = self.kind in ("single", "multiple", "ranking", "quiz")
        if choice and not 2 <= len(self.options) <= 20:
            raise ValueError("options: 2 to 20 for a choice, ranking or quiz")
        if not choice and self.options:
            raise ValueError(f"options: none for {self.kind}")
        if any(not o.strip() or len(o) > 200 for o in self.options):
            raise ValueError("options: 1 to 200 characters each")
        if self.kind == "rating" and self.scale is None:
            self.scale = 5
        if self.kind == "quiz":
            if not self.correct or any(not 0 <= c < len(self.options) for c in self.correct):
                raise ValueError("correct: one or more option numbers (from 0)")
        elif self.correct is not None:
            raise ValueError("correct: only for a quiz")
        return self


class PollIn(In):
    title: str = Field(min_length=1, max_length=200)
    anonymous: bool = Field(
        default=True,
        description="false: answers are kept with names (quizzes that count toward "
        "completion; participants are told)",
    )
    leaderboard: bool = Field(default=False, description="quiz: a pseudonymous top ten")
    items: list[ItemIn] = Field(min_length=1, max_length=30, description="several: a survey")


class ItemOut(Out):
    id: int
    position: int
    kind: str
    prompt: str
    options: list[str]
    scale: int | None
    points: int


class PollOut(Out):
    id: int
    title: str
    anonymous: bool
    leaderboard: bool
    course_id: int | None
    class_session_id: int | None
    items: list[ItemOut]


class LaunchIn(In):
    poll_id: RecordId
    timer_s: int | None = Field(default=None, ge=10, le=3600, description="closes by itself")
    group_id: RecordId | None = Field(default=None, description="only this breakout group")
    each_group: bool = Field(default=False, description="one run in every open breakout group")
    results_shown: bool = False


class RunRef(In):
    run_id: RecordId


class ShowIn(RunRef):
    shown: bool


class AnswerIn(RunRef):
    item_id: RecordId
    value: dict[str, object] = Field(
        description="by kind: choice, choices, rating, words, text, order"
    )
    request_id: str | None = Field(default=None, min_length=8, max_length=64)
