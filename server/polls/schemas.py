"""Q&A in and out (socket events on /class, and the export)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

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
    mine: bool = Field(default=False, description="asked by whoever receives this answer")
    voted: bool = Field(default=False, description="upvoted by whoever receives this answer")
