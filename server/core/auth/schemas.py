"""What goes in and out of the auth and user routes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, SecretStr, field_validator
from pydantic.json_schema import SkipJsonSchema

from server.core.auth.roles import Role
from server.core.schemas import In, Out, PageQuery, RecordId

LOGIN_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 -]{6,20}$"


class AccessibilityNeed(StrEnum):
    """Aids the institute provides (domain.md, Accessibility)."""

    CAPTIONS = "captions"  # live captions by a stenographer
    SIGN_LANGUAGE = "sign_language"
    SCREEN_MAGNIFIER = "screen_magnifier"
    SCREEN_READER = "screen_reader"
    VOICE_OUTPUT = "voice_output"
    KEYBOARD_ONLY = "keyboard_only"


class UserCreate(In):
    login: str = Field(pattern=LOGIN_PATTERN, description="lower-case; employee number or id")
    name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    org_unit: str | None = Field(default=None, max_length=100)
    grade: str | None = Field(default=None, max_length=32)
    job_series: str | None = Field(default=None, max_length=64)
    accessibility_needs: list[AccessibilityNeed] = Field(default_factory=list, max_length=10)
    roles: list[Role] = Field(default_factory=lambda: [Role.TRAINEE], min_length=1, max_length=6)
    password: SecretStr | None = Field(default=None, min_length=10, max_length=200)


def _not_null(value: object) -> object:
    """A field that may be left out but not cleared: its column is never empty."""
    if value is None:
        raise ValueError("may be left out, not set to null")
    return value


class UserUpdate(In):
    name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    org_unit: str | None = Field(default=None, max_length=100)
    grade: str | None = Field(default=None, max_length=32)
    job_series: str | None = Field(default=None, max_length=64)
    accessibility_needs: list[AccessibilityNeed] | SkipJsonSchema[None] = Field(
        default=None, max_length=10
    )
    is_active: bool | SkipJsonSchema[None] = None
    password: SecretStr | None = Field(default=None, min_length=10, max_length=200)

    _set_not_null = field_validator("name", "accessibility_needs", "is_active", mode="before")(
        _not_null
    )


class SelfUpdate(In):
    """What a person may change about themselves."""

    email: str | None = Field(default=None, pattern=EMAIL_PATTERN, max_length=254)
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    accessibility_needs: list[AccessibilityNeed] | SkipJsonSchema[None] = Field(
        default=None, max_length=10
    )

    _set_not_null = field_validator("accessibility_needs", mode="before")(_not_null)


class RolesIn(In):
    roles: list[Role] = Field(min_length=1, max_length=6)


class UserPath(In):
    user_id: RecordId


class UserQuery(PageQuery):
    q: str | None = Field(default=None, max_length=100, description="part of name or login")
    role: Role | None = None
    org_unit: str | None = Field(default=None, max_length=100)


class UserOut(Out):
    id: int
    login: str
    name: str
    email: str | None
    phone: str | None
    org_unit: str | None
    grade: str | None
    job_series: str | None
    accessibility_needs: list[AccessibilityNeed]
    roles: list[Role]
    is_active: bool
    created_at: datetime


class LoginIn(In):
    login: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=200)


class SessionOut(Out):
    user: UserOut
    csrf_token: str = Field(description="send as X-CSRF-Token on cookie-authenticated writes")


class TokenCreate(In):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=90, ge=1, le=365)


class TokenOut(Out):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="shown once; send as Authorization: Bearer <token>")


class TokenPath(In):
    token_id: RecordId
