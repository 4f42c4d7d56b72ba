"""Boards in and out: socket events on /class, and the HTTP routes (course boards, uploads,
exports). Text fields arrive raw and are sanitised by the service (``sanitize``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from server.core.schemas import In, Out, RecordId

Layout = Literal["wall", "grid", "columns", "canvas", "timeline"]
Template = Literal["kpt", "swot", "brainstorm"]
Moderation = Literal["none", "pre", "staff"]
RequestId = str

REQUEST_ID = Field(
    default=None, min_length=8, max_length=64,
    description="the same id again is the same post (a retry after a reconnect)",
)  # fmt: skip


class SectionIn(In):
    id: str | None = Field(default=None, min_length=1, max_length=40,
                           description="keep an existing section; none: a new one")  # fmt: skip
    title: str = Field(min_length=1, max_length=100)


class BoardIn(In):
    title: str = Field(min_length=1, max_length=200)
    layout: Layout = "wall"
    template: Template | None = Field(
        default=None, description="kpt, swot or brainstorm: its sections, columns layout"
    )
    sections: list[SectionIn] | None = Field(default=None, max_length=30)
    moderation: Moderation = Field(
        default="none", description="pre: posts wait for approval; staff: only staff post"
    )
    anonymous_allowed: bool = True


class BoardCreateIn(BoardIn):
    from_board_id: RecordId | None = Field(
        default=None, description="a course's prepared board to copy into this class"
    )


class SeedPostIn(In):
    title: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=20_000)
    section: int | None = Field(default=None, ge=0, description="index in sections")
    colour: str = Field(default="yellow", max_length=16)


class CourseBoardIn(BoardIn):
    """A course's prepared board: its layout, sections and the instructor's starter posts."""

    posts: list[SeedPostIn] = Field(default_factory=list, max_length=100)


class BoardRef(In):
    board_id: RecordId


class BoardUpdateIn(BoardRef):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    layout: Layout | None = None
    sections: list[SectionIn] | None = Field(default=None, max_length=30)
    moderation: Moderation | None = None
    anonymous_allowed: bool | None = None
    locked: bool | None = None


class PreviewIn(In):
    url: str = Field(min_length=1, max_length=2000)


class LinkIn(In):
    url: str = Field(min_length=1, max_length=2000)
    title: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=1000)
    image: str | None = Field(default=None, max_length=2000)


class PostFields(In):
    title: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=20_000, description="limited HTML")
    link: LinkIn | None = None
    attachment_id: RecordId | None = None
    colour: str = Field(default="yellow", max_length=16)
    happened_on: date | None = Field(default=None, description="a timeline post's date")


class PostIn(PostFields, BoardRef):
    section_id: str | None = Field(default=None, max_length=40)
    x: float | None = Field(default=None, ge=0, le=10_000)
    y: float | None = Field(default=None, ge=0, le=10_000)
    anonymous: bool = Field(default=False, description="true: posted under no name")
    request_id: RequestId | None = REQUEST_ID

    @model_validator(mode="after")
    def _something(self) -> PostIn:
        if not (self.title.strip() or self.body.strip() or self.link or self.attachment_id):
            raise ValueError("a post needs a title, a text, a link or an attachment")
        return self


class PostRef(In):
    post_id: RecordId


class PostEditIn(PostRef):
    """Only the fields sent change; ``version`` is the one the edit was made from."""

    version: int = Field(ge=1)
    title: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=20_000)
    link: LinkIn | None = None
    attachment_id: RecordId | None = None
    colour: str | None = Field(default=None, max_length=16)
    happened_on: date | None = None


class PostMoveIn(PostRef):
    version: int = Field(ge=1)
    section_id: str | None = Field(default=None, max_length=40)
    index: int | None = Field(default=None, ge=0, description="place in the section, from 0")
    x: float | None = Field(default=None, ge=0, le=10_000)
    y: float | None = Field(default=None, ge=0, le=10_000)

    @model_validator(mode="after")
    def _somewhere(self) -> PostMoveIn:
        if (self.x is None) != (self.y is None):
            raise ValueError("send both x and y")
        if self.x is None and self.index is None and "section_id" not in self.model_fields_set:
            raise ValueError("send a section and index, or x and y")
        return self


class PostModerateIn(PostRef):
    action: Literal["approve", "reject", "remove", "restore"]
    reason: str | None = Field(default=None, max_length=300)


class HighlightIn(PostRef):
    highlighted: bool


class GradeIn(PostRef):
    grade: str | None = Field(default=None, min_length=1, max_length=40,
                              description="e.g. A, 9/10, 우수; null clears it")  # fmt: skip


class CommentIn(PostRef):
    text: str = Field(min_length=1, max_length=2000)
    anonymous: bool = False
    request_id: RequestId | None = REQUEST_ID


class CommentRef(In):
    comment_id: RecordId


class ReactIn(PostRef):
    kind: Literal["like", "vote", "star"]
    value: int = Field(ge=0, le=5, description="like/vote: 1 on, 0 off; star: 1-5, 0 off")

    @model_validator(mode="after")
    def _range(self) -> ReactIn:
        if self.kind != "star" and self.value > 1:
            raise ValueError("like and vote take 0 or 1")
        return self


class ConnectIn(In):
    from_post_id: RecordId
    to_post_id: RecordId
    label: str = Field(default="", max_length=100)


class ConnectorRef(In):
    connector_id: RecordId


class ExportQuery(In):
    format: Literal["csv", "xlsx", "png", "pdf"] = "xlsx"


class UploadQuery(In):
    filename: str = Field(default="attachment", min_length=1, max_length=300)


# ---- out -------------------------------------------------------------------------------------


class SectionOut(Out):
    id: str
    title: str


class BoardOut(Out):
    id: int
    class_session_id: int | None
    course_id: int | None
    group_id: int | None
    title: str
    layout: str
    sections: list[SectionOut]
    moderation: str
    anonymous_allowed: bool
    locked: bool
    archived: bool = Field(description="a breakout group's board after the groups closed")
    version: int


class LinkOut(Out):
    url: str
    title: str | None
    description: str | None
    image: str | None


class AttachmentOut(Out):
    id: int
    kind: str
    content_type: str
    filename: str
    size: int
    width: int | None
    height: int | None
    url: str


class ReactionsOut(Out):
    like: int = 0
    vote: int = 0
    star_count: int = 0
    star_avg: float | None = Field(default=None, description="null: nobody rated it yet")


class PostOut(Out):
    id: int
    board_id: int
    title: str
    body: str = Field(description="sanitised HTML")
    link: LinkOut | None
    attachment: AttachmentOut | None
    colour: str
    section_id: str | None
    rank: float
    x: float | None
    y: float | None
    happened_on: str | None
    anonymous: bool
    author_name: str | None
    status: str
    highlighted: bool
    grade: str | None
    version: int
    created_at: datetime
    edited_at: datetime | None
    reactions: ReactionsOut
    comments: int
    mine: bool = False
    my_reactions: dict[str, int] = Field(default_factory=dict)


class CommentOut(Out):
    id: int
    post_id: int
    text: str
    anonymous: bool
    author_name: str | None
    status: str
    created_at: datetime
    mine: bool = False


class ConnectorOut(Out):
    id: int
    board_id: int
    from_post_id: int
    to_post_id: int
    label: str


class BoardStateOut(Out):
    board: BoardOut
    posts: list[PostOut]
    comments: list[CommentOut]
    connectors: list[ConnectorOut]
    can_post: bool
    can_moderate: bool
