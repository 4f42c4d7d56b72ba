"""The rules of users and credentials: plain async functions over a session.

Who is calling is decided in ``identify`` and nowhere else: a bearer API token, or the
browser session cookie (whose writes must also carry the CSRF token derived from it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from aiohttp import web
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.config import keys_of
from server.core.auth.models import ApiToken, User, UserRole, WebSession
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.auth.schemas import (
    SelfUpdate,
    TokenCreate,
    UserCreate,
    UserOut,
    UserQuery,
    UserUpdate,
)
from server.core.db import get_or_404, keyset_page
from server.core.errors import Problem
from server.core.keys import CLOCK, SECRET_KEY

SESSION_COOKIE = "baeum_session"
API_TOKEN_PREFIX = "bm_"  # noqa: S105 - a visible prefix, so leaked tokens are recognisable
TOKEN_TOUCH_INTERVAL = timedelta(minutes=10)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request or socket connection."""

    user_id: int
    name: str
    roles: frozenset[Role]
    via: Literal["token", "cookie"]
    csrf_token: str | None = None
    #: the same token under the previous secret keys: still accepted after a key rotation
    csrf_previous: tuple[str, ...] = ()

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def check_csrf(self, sent: str | None) -> None:
        if self.csrf_token is None or sent is None:
            raise Problem("csrf-failed")
        accepted = [hmac.compare_digest(t, sent) for t in (self.csrf_token, *self.csrf_previous)]
        if not any(accepted):
            raise Problem("csrf-failed")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def csrf_token_for(secret: bytes, session_token: str) -> str:
    """Derived, not stored: only the holder of the cookie can know it (via /auth/session)."""
    return hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()[:40]


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(
        {
            **{c: getattr(user, c) for c in UserOut.model_fields if c != "roles"},
            "roles": sorted(user.role_names()),
        }
    )


async def identify(session: AsyncSession, request: web.Request) -> Principal | None:
    clock = request.app[CLOCK]
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Problem("not-authenticated", "Use 'Authorization: Bearer <token>'.")
        return await principal_for_api_token(session, raw.strip(), clock.now())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await principal_for_cookie(session, cookie, clock.now(), request.app[SECRET_KEY])
    return None


async def principal_for_api_token(session: AsyncSession, raw: str, now: datetime) -> Principal:
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        raise Problem("not-authenticated", "The API token is not valid.")
    if token.expires_at is not None and token.expires_at <= now:
        raise Problem("not-authenticated", "The API token has expired.")
    user = await session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise Problem("not-authenticated", "The token's user is deactivated.")
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        await session.execute(
            update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
        )
    return Principal(user.id, user.name, _roles(user), "token")


async def principal_for_cookie(
    session: AsyncSession, raw: str, now: datetime, secret: bytes
) -> Principal | None:
    """A stale or revoked cookie means "not logged in", not an error: the browser may keep it.

    Every request asks this, so it is one plain query (no ORM objects): the session's user
    with one row per role, and only if the session and the user are live.
    """
    rows = (
        await session.execute(
            select(User.id, User.name, UserRole.role)
            .select_from(WebSession)
            .join(User, User.id == WebSession.user_id)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .where(
                WebSession.token_hash == hash_token(raw),
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > now,
                User.is_active.is_(True),
            )
        )
    ).all()
    if not rows:
        return None
    roles = frozenset(Role(r.role) for r in rows if r.role is not None)
    previous = tuple(csrf_token_for(key, raw) for key in keys_of(secret)[1:])
    return Principal(
        rows[0].id, rows[0].name, roles, "cookie", csrf_token_for(secret, raw), previous
    )


async def principal_for_user(session: AsyncSession, user_id: int) -> Principal:
    """The person a signed token (join link, class token) names, if still active."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Problem("not-authenticated", "This person's account is not active.")
    return Principal(user.id, user.name, _roles(user), "token")


def _roles(user: User) -> frozenset[Role]:
    return frozenset(Role(r) for r in user.role_names())


async def create_user(
    session: AsyncSession, data: UserCreate, passwords: Passwords, now: datetime
) -> User:
    if await session.scalar(select(User.id).where(User.login == data.login)) is not None:
        raise Problem("conflict", f"The login {data.login!r} is taken.")
    user = User(
        **data.model_dump(exclude={"roles", "password"}),
        password_hash=await passwords.hash(data.password.get_secret_value())
        if data.password
        else None,
        is_active=True,
        created_at=now,
        roles=[UserRole(role=r.value) for r in dict.fromkeys(data.roles)],
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise Problem("conflict", f"The login {data.login!r} is taken.") from None
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    return await get_or_404(session, User, user_id, "user")


async def names_of(session: AsyncSession, user_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


async def users_by_id(session: AsyncSession, user_ids: list[int]) -> list[User]:
    """Several people at once, in id order (unknown ids are left out)."""
    if not user_ids:
        return []
    stmt = select(User).where(User.id.in_(user_ids)).order_by(User.id)
    return list((await session.scalars(stmt)).all())


async def ids_by_login(session: AsyncSession, logins: list[str]) -> dict[str, int]:
    """Log-in → user id, for the logins that exist."""
    if not logins:
        return {}
    rows = await session.execute(select(User.login, User.id).where(User.login.in_(logins)))
    return {login: user_id for login, user_id in rows.all()}


async def list_users(session: AsyncSession, query: UserQuery) -> list[User]:
    """Up to limit+1 users after the cursor, so the caller can tell if there is more."""
    stmt = keyset_page(select(User), User.id, query)
    if query.q:
        like = f"%{query.q}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.login.ilike(like)))
    if query.role:
        stmt = stmt.where(User.roles.any(UserRole.role == query.role.value))
    if query.org_unit:
        stmt = stmt.where(User.org_unit == query.org_unit)
    return list((await session.scalars(stmt)).all())


async def update_user(
    session: AsyncSession,
    user_id: int,
    data: UserUpdate | SelfUpdate,
    passwords: Passwords,
    now: datetime,
) -> User:
    user = await get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True, exclude={"password"})
    for key, value in changes.items():
        setattr(user, key, value)
    if isinstance(data, UserUpdate) and data.password is not None:
        user.password_hash = await passwords.hash(data.password.get_secret_value())
    if changes.get("is_active") is False:
        await _revoke_all_sessions(session, user.id, now)
    await session.flush()
    return user


async def set_roles(session: AsyncSession, user_id: int, roles: list[Role]) -> User:
    user = await get_user(session, user_id)
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=r.value) for r in wanted - user.role_names()
    ]
    await session.flush()
    return user


async def log_in(
    session: AsyncSession,
    login: str,
    password: str,
    passwords: Passwords,
    *,
    now: datetime,
    ttl: timedelta,
    user_agent: str | None,
) -> tuple[User, str]:
    user = await session.scalar(select(User).where(User.login == login.strip().lower()))
    ok = await passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise Problem("invalid-credentials")
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)
    raw = await start_web_session(session, user.id, "password", now=now, ttl=ttl, ua=user_agent)
    return user, raw


async def start_web_session(
    session: AsyncSession,
    user_id: int,
    via: str,
    *,
    now: datetime,
    ttl: timedelta,
    ua: str | None,
    details: dict[str, object] | None = None,
) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user_id,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + ttl,
            via=via,
            user_agent=(ua or "")[:300] or None,
            details=details,
        )
    )
    await session.flush()
    return raw


async def log_out(session: AsyncSession, raw_cookie: str, now: datetime) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.token_hash == hash_token(raw_cookie), WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def _revoke_all_sessions(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def create_api_token(
    session: AsyncSession, user_id: int, data: TokenCreate, now: datetime
) -> tuple[ApiToken, str]:
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token = ApiToken(
        user_id=user_id,
        name=data.name,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=expires,
    )
    session.add(token)
    await session.flush()
    return token, raw


async def list_api_tokens(session: AsyncSession, user_id: int) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    return list((await session.scalars(stmt)).all())


async def revoke_api_token(
    session: AsyncSession, user_id: int, token_id: int, now: datetime
) -> None:
    token = await session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise Problem("not-found", f"No token {token_id} of yours.")
    if token.revoked_at is None:
        token.revoked_at = now


async def placements_of(session: AsyncSession, user_ids: Collection[int]) -> dict[int, Placement]:
    """Where each of these people works: org unit and grade (None where not recorded), for
    reports that break figures down by them (a few thousand ids at a time)."""
    wanted, found = sorted(user_ids), {}
    for at in range(0, len(wanted), PLACEMENT_BATCH):
        stmt = select(User.id, User.org_unit, User.grade).where(
            User.id.in_(wanted[at : at + PLACEMENT_BATCH])
        )
        found.update({uid: Placement(unit, grade)
                      for uid, unit, grade in (await session.execute(stmt)).all()})  # fmt: skip
    return found


PLACEMENT_BATCH = 5000


@dataclass(frozen=True)
class Placement:
    org_unit: str | None
    grade: str | None
