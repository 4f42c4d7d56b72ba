"""Breakout groups in and out: group sets, filling them, and the live round's messages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from server.core.schemas import In, Out, RecordId

GroupName = str


class SetIn(In):
    """A new set: ``groups`` as a count (named 1조, 2조, …) or as names."""

    name: str = Field(min_length=1, max_length=100)
    groups: int | list[GroupName] = Field(description="how many groups, or their names")
    capacity: int | None = Field(default=None, ge=1, le=1000, description="per group, for choosing")
    self_select: bool = Field(default=False, description="participants choose their group")

    @model_validator(mode="after")
    def _groups(self) -> SetIn:
        if isinstance(self.groups, int) and not 1 <= self.groups <= 100:
            raise ValueError("groups: between 1 and 100")
        if isinstance(self.groups, list):
            names = [n.strip() for n in self.groups]
            if not 1 <= len(names) <= 100 or any(not n or len(n) > 100 for n in names):
                raise ValueError("groups: 1 to 100 names of 1 to 100 characters")
            if len(set(names)) != len(names):
                raise ValueError("groups: names must differ")
            self.groups = names
        return self


class GroupOut(Out):
    id: int
    name: str
    position: int
    capacity: int | None
    members: list[int]
    visitors: list[int] = Field(default_factory=list, description="staff looking in (live round)")


class SetOut(Out):
    id: int
    name: str
    cohort_id: int | None
    class_session_id: int | None
    self_select: bool
    groups: list[GroupOut]
    unassigned: list[int] = Field(description="the class's trainees in no group of this set")
    names: dict[int, str] = Field(default_factory=dict, description="user id -> name")


class Assignment(In):
    user_id: RecordId
    group_id: RecordId | None = Field(description="null: out of every group of the set")


class MembersIn(In):
    assignments: list[Assignment] = Field(min_length=1, max_length=2000)


class FillIn(In):
    """Fill the whole set again: at random, or balanced by an attribute (spread people who
    share a value across groups, or keep them together)."""

    mode: Literal["random", "balanced"]
    attribute: Literal["org_unit", "grade", "job_series"] | None = None
    together: bool = Field(default=False, description="balanced: keep alike people together")
    seed: int | None = Field(default=None, description="the same seed gives the same groups")

    @model_validator(mode="after")
    def _attribute(self) -> FillIn:
        if self.mode == "balanced" and self.attribute is None:
            raise ValueError("attribute: required when mode is balanced")
        return self


class ImportIn(In):
    csv: str = Field(min_length=1, max_length=500_000, description="columns login and group")


class ChooseIn(In):
    group_id: RecordId


# ---- the live round (socket events on /class) ------------------------------------------------


class OpenIn(In):
    set_id: RecordId
    minutes: float = Field(gt=0, le=240)
    warnings_s: list[int] = Field(default=[60], max_length=5, description="seconds before the end")
    board_template: Literal["kpt", "swot", "brainstorm"] = Field(
        default="brainstorm", description="the sections of each group's own board"
    )


class MoveIn(In):
    user_id: RecordId
    group_id: RecordId | None = Field(description="null: back to the main room")


class ExtendIn(In):
    minutes: float = Field(gt=0, le=120)


class CloseIn(In):
    grace_s: int = Field(default=0, ge=0, le=300, description="a last countdown before closing")


class BroadcastIn(In):
    text: str = Field(min_length=1, max_length=500)


class VoiceIn(In):
    on: bool = Field(description="my voice into every group (true) or back to my room only")


class VisitIn(In):
    group_id: RecordId | None = Field(description="null: back to the main room")


class RoundOut(Out):
    """The open round as a participant sees it: the groups, their own, and the clock."""

    round_id: int
    set_id: int
    ends_at: datetime
    closing_at: datetime | None
    groups: list[GroupOut]
    my_group: int | None
    server_time: datetime
    names: dict[int, str] = Field(default_factory=dict, description="user id -> name")


class CohortPath(In):
    cohort_id: RecordId


class SetPath(In):
    set_id: RecordId


class FillOut(Out):
    set: SetOut
    seed: int = Field(description="send it again to get the same groups")


class MoveOut(Out):
    user_id: int
    group_id: int | None = Field(description="null: the main room")
    at: datetime
    visiting: bool


class PostSummaryOut(Out):
    id: int
    title: str | None
    text: str = Field(description="the post's text, plain, cut at 140 characters")
    likes_and_votes: int


class GroupBoardOut(Out):
    board_id: int
    title: str
    posts: int = Field(description="published posts on the group's board")
    top: list[PostSummaryOut] = Field(description="the most liked and voted (up to 3)")


class GroupRecordOut(Out):
    """What one group was and left: who took part in it, its board, its questions. The
    board stays readable to the whole class after the round."""

    group_id: int
    name: str
    members: list[int] = Field(description="in the group at some time in the round")
    board: GroupBoardOut | None = Field(description="null: the group had no board")
    questions: int = Field(description="published questions asked in the group")


class RoundRecordOut(Out):
    """One round on record: who was in which group when (attendance counts it as class),
    and each group's summary."""

    id: int
    set_id: int
    opened_at: datetime
    ends_at: datetime
    closed_at: datetime | None
    moves: list[MoveOut]
    groups: list[GroupRecordOut]


class ChoiceGroupOut(Out):
    id: int
    name: str
    capacity: int | None
    count: int


class ChoiceOut(Out):
    """A set whose groups the trainees choose themselves, as a trainee sees it."""

    set_id: int
    name: str
    groups: list[ChoiceGroupOut]
    my_group: int | None
