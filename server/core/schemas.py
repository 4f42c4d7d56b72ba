"""Shared pydantic shapes: strict input models and cursor pages."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

T = TypeVar("T")

MAX_ID = 2**63 - 1
#: a record id as it may appear in a path, query or body: a positive 64-bit integer
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


class In(BaseModel):
    """Every request body: unknown fields are refused, strings trimmed, and text no database
    can keep (NUL, lone surrogates) refused: PostgreSQL's text cannot hold a NUL and UTF-8
    cannot encode a lone surrogate, so either would otherwise fail at the store."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        where = unstorable(data)
        if where is not None:
            raise ValueError(f"text at {where} holds a NUL or a lone surrogate")
        return data


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(data: Any) -> str | None:
    """Where in ``data`` (JSON-shaped) a string holds a NUL or a lone surrogate, if anywhere.
    A loop, not recursion: a deeply nested payload cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((path, key))
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{n}]", item) for n, item in enumerate(value))
    return None


class Out(BaseModel):
    """Every response body; built from ORM rows by attribute."""

    model_config = ConfigDict(from_attributes=True)


class PageQuery(In):
    """``?limit=&cursor=``: keyset pagination, stable while rows are added."""

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=64)

    @field_validator("cursor")
    @classmethod
    def _decodable(cls, value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value)
        return value

    @property
    def after_id(self) -> int:
        return decode_cursor(self.cursor) if self.cursor else 0


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id" or not value.isdigit() or int(value) > MAX_ID:
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError("not a cursor this API gave out") from None


def page_of(items: list[Any], limit: int, key: str = "id") -> tuple[list[Any], str | None]:
    """Given up to limit+1 rows ordered by key, the page and the cursor for the next one."""
    if len(items) > limit:
        items = items[:limit]
        return items, encode_cursor(getattr(items[-1], key))
    return items, None
