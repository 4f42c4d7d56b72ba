"""xAPI 1.0.3 statements as pydantic models, and what the ingest answers.

Only what the e-learning system sends is modelled (an Agent actor, an Activity object, the
result and context); a statement outside that (a Group actor, a SubStatement object) is refused
as invalid rather than stored half-understood. Field names follow the specification (camelCase)
through aliases.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

#: the cmi5 progress extension: an integer percentage, 0..100
CMI5_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
#: xAPI versions this LRS speaks (the header's major.minor)
XAPI_VERSION = "1.0.3"

Iri = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")]
LanguageMap = dict[Annotated[str, Field(max_length=35)], str]
#: ISO 8601 duration as xAPI uses it (PT1H30M, P1DT2.5S)
Duration = Annotated[
    str,
    Field(
        pattern=r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$",
        min_length=3,
    ),
]


class XapiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)


class Account(XapiModel):
    home_page: Iri = Field(alias="homePage")
    name: str = Field(min_length=1, max_length=200)


class Agent(XapiModel):
    """The actor: identified by exactly one of account, mbox, mbox_sha1sum or openid."""

    object_type: Literal["Agent"] | None = Field(default=None, alias="objectType")
    name: str | None = Field(default=None, max_length=200)
    mbox: str | None = Field(default=None, pattern=r"^mailto:[^@\s]+@[^@\s]+$", max_length=300)
    mbox_sha1sum: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{40}$")
    openid: Iri | None = None
    account: Account | None = None

    @model_validator(mode="after")
    def _one_identifier(self) -> Agent:
        given = [x for x in (self.mbox, self.mbox_sha1sum, self.openid, self.account) if x]
        if len(given) != 1:
            raise ValueError("an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")
        return self

    @property
    def key(self) -> str:
        """One string naming the actor, for counting unresolved ones."""
        if self.account is not None:
            return f"{self.account.home_page}|{self.account.name}"
        return str(self.mbox or self.mbox_sha1sum or self.openid)


class Verb(XapiModel):
    id: Iri
    display: LanguageMap | None = None


class ActivityDefinition(XapiModel):
    name: LanguageMap | None = None
    description: LanguageMap | None = None
    type: Iri | None = None
    more_info: Iri | None = Field(default=None, alias="moreInfo")
    extensions: dict[Iri, Any] | None = None
    interaction_type: str | None = Field(default=None, alias="interactionType", max_length=32)
    correct_responses_pattern: list[str] | None = Field(
        default=None, alias="correctResponsesPattern"
    )
    choices: list[dict[str, Any]] | None = None
    scale: list[dict[str, Any]] | None = None
    source: list[dict[str, Any]] | None = None
    target: list[dict[str, Any]] | None = None
    steps: list[dict[str, Any]] | None = None


class Activity(XapiModel):
    object_type: Literal["Activity"] | None = Field(default=None, alias="objectType")
    id: Iri
    definition: ActivityDefinition | None = None


class Score(XapiModel):
    scaled: float | None = Field(default=None, ge=-1, le=1)
    raw: float | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _in_range(self) -> Score:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("score min is above max")
        if self.raw is not None and (
            (self.min is not None and self.raw < self.min)
            or (self.max is not None and self.raw > self.max)
        ):
            raise ValueError("score raw is outside min..max")
        return self


class Result(XapiModel):
    score: Score | None = None
    success: bool | None = None
    completion: bool | None = None
    response: str | None = Field(default=None, max_length=10_000)
    duration: Duration | None = None
    extensions: dict[Iri, Any] | None = None

    @field_validator("duration")
    @classmethod
    def _some_duration(cls, value: str | None) -> str | None:
        if value is not None and value.endswith("T"):
            raise ValueError("a duration needs a figure after T")
        return value

    @field_validator("extensions")
    @classmethod
    def _cmi5_progress(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value and CMI5_PROGRESS in value:
            progress = value[CMI5_PROGRESS]
            if isinstance(progress, bool) or not isinstance(progress, int):
                raise ValueError("the cmi5 progress extension must be an integer 0..100")
            if not 0 <= progress <= 100:
                raise ValueError("the cmi5 progress extension must be an integer 0..100")
        return value


class Context(XapiModel):
    registration: UUID | None = None
    instructor: dict[str, Any] | None = None
    team: dict[str, Any] | None = None
    context_activities: (
        dict[Literal["parent", "grouping", "category", "other"], list[Activity] | Activity] | None
    ) = Field(default=None, alias="contextActivities")
    revision: str | None = Field(default=None, max_length=100)
    platform: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=35)
    statement: dict[str, Any] | None = None
    extensions: dict[Iri, Any] | None = None


class Statement(XapiModel):
    id: UUID | None = None
    actor: Agent
    verb: Verb
    object: Activity
    result: Result | None = None
    context: Context | None = None
    timestamp: AwareDatetime | None = None
    stored: AwareDatetime | None = None  # set by the LRS; a sender's value is ignored
    authority: dict[str, Any] | None = None
    version: str | None = Field(default=None, pattern=r"^1\.0(\.\d+)?$")
    attachments: list[dict[str, Any]] | None = None

    def as_sent(self) -> dict[str, Any]:
        """The statement's JSON form, as the specification spells it."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def canonical_json(body: dict[str, Any]) -> str:
    """A statement's JSON form (``Statement.as_sent``) as canonical JSON (keys sorted, no
    spaces), without what the LRS sets or may differ between two sends of the same statement
    (id, stored, authority, version)."""
    kept = {k: v for k, v in body.items() if k not in NOT_COMPARED}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(body: dict[str, Any]) -> str:
    """SHA-256 of ``canonical_json``: two posts of one statement have the same hash."""
    return hash_of(canonical_json(body))


def hash_of(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_form(body: dict[str, Any], statement_id: UUID | str, stored: datetime) -> dict[str, Any]:
    """The statement as kept and given back: its id, stored, and a timestamp."""
    kept = {**body, "id": str(statement_id), "stored": stored.isoformat()}
    kept.setdefault("timestamp", kept["stored"])
    return kept


def stored_json(
    canonical: str, body: dict[str, Any], statement_id: str, stored: datetime
) -> str:  # fmt: skip
    """``stored_form`` as JSON text, made from the canonical JSON already written for the
    hash rather than serialising the whole statement a second time (the ingest's hot path):
    the keys the canonical form leaves out are written in front of it. The same JSON value
    as ``json.dumps(stored_form(...))``; only the order of keys differs."""
    at = stored.isoformat()
    extra: dict[str, Any] = {"id": statement_id, "stored": at}
    if "timestamp" not in body:
        extra["timestamp"] = at
    for key in ("authority", "version"):
        if key in body:
            extra[key] = body[key]
    head = json.dumps(extra, separators=(",", ":"), ensure_ascii=False)
    return head[:-1] + "," + canonical[1:]  # canonical is never "{}": actor, verb, object


NOT_COMPARED = frozenset({"id", "stored", "authority", "version"})
STATEMENT = TypeAdapter(Statement)
#: a whole post validated (and dumped) in one call
STATEMENTS = TypeAdapter(list[Statement])


class IngestResult(BaseModel):
    """What one post did: the ids in the order sent, and what became of them."""

    ids: list[str]
    stored: int  # new rows
    duplicates: int  # already held with the same content (accepted, no second row)
    unresolved_actors: int  # among the new rows
    unresolved_activities: int


class XapiSummaryOut(BaseModel):
    """How much the e-learning system has sent, and how much of it we could not place."""

    statements: int
    unresolved_actors: int
    unresolved_activities: int
    progress_rows: int
