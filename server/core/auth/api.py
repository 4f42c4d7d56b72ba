"""HTTP routes for log-in, sessions, API tokens and the user registry."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from server.config import Settings
from server.core.auth import service
from server.core.auth.roles import STAFF, Role
from server.core.auth.schemas import (
    LoginIn,
    RolesIn,
    SelfUpdate,
    SessionOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
    TokenPath,
    UserCreate,
    UserOut,
    UserPath,
    UserQuery,
    UserUpdate,
)
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx, client_address
from server.core.keys import LIVE, PASSWORDS, SECRET_KEY
from server.core.limits import LoginGuard, too_many
from server.core.schemas import Page, page_of

router = ApiRouter("auth")


def session_response(ctx: Ctx, user_out: UserOut, raw_cookie: str) -> web.Response:
    """The log-in answer: the user, the CSRF token, and the session cookie."""
    body = SessionOut(
        user=user_out, csrf_token=service.csrf_token_for(ctx.app[SECRET_KEY], raw_cookie)
    )
    response = web.Response(text=body.model_dump_json(), content_type="application/json")
    set_session_cookie(response, raw_cookie, ctx.settings)
    return response


def set_session_cookie(response: web.StreamResponse, raw_cookie: str, settings: Settings) -> None:
    """HttpOnly so scripts cannot read it; SameSite=Lax so a join link opened from a text
    message still carries it; Secure whenever the public URL is https."""
    response.set_cookie(
        service.SESSION_COOKIE,
        raw_cookie,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="Lax",
        path="/",
    )


async def _check_log_in_allowed(ctx: Ctx, login: str, address: str) -> None:
    """Refused while the login or the address is locked out (``core/limits.LoginGuard``),
    before the password is looked at; and all attempts from one address at a rate (stops
    spraying many logins). The address limits are generous: a whole city office shares one
    egress address."""
    await LoginGuard(ctx.app).check(login, address)
    per_min = ctx.settings.login_attempts_per_address_per_min
    decision = await ctx.app[LIVE].rate_limit(f"login-address:{address}", per_min, 60.0)
    if not decision.allowed:
        raise too_many("Too many log-ins from this address; wait and try again.",
                       decision.retry_after_s)  # fmt: skip


@router.post("/auth/login", body=LoginIn, response=SessionOut, allow=Allow.anyone())
async def log_in(ctx: Ctx, body: LoginIn) -> web.Response:
    """Log in with a password; sets the session cookie and returns the CSRF token."""
    address = client_address(ctx.request)
    await _check_log_in_allowed(ctx, body.login, address)
    try:
        user, raw = await service.log_in(
            ctx.session,
            body.login,
            body.password.get_secret_value(),
            ctx.app[PASSWORDS],
            now=ctx.clock.now(),
            ttl=timedelta(hours=ctx.settings.session_ttl_hours),
            user_agent=ctx.request.headers.get("User-Agent"),
        )
    except Problem:
        await LoginGuard(ctx.app).failed(body.login, address)
        raise
    await LoginGuard(ctx.app).succeeded(body.login)
    return session_response(ctx, service.user_out(user), raw)


@router.post("/auth/logout", allow=Allow.signed_in(), status=204)
async def log_out(ctx: Ctx) -> web.Response:
    """End this browser session."""
    raw = ctx.request.cookies.get(service.SESSION_COOKIE)
    if raw:
        await service.log_out(ctx.session, raw, ctx.clock.now())
    response = web.Response(status=204)
    response.del_cookie(service.SESSION_COOKIE, path="/")
    return response


@router.get("/auth/session", response=SessionOut, allow=Allow.signed_in())
async def current_session(ctx: Ctx) -> SessionOut:
    """Who is logged in, and the CSRF token for this session."""
    user = await service.get_user(ctx.session, ctx.user.user_id)
    return SessionOut(user=service.user_out(user), csrf_token=ctx.user.csrf_token or "")


@router.get("/auth/tokens", response=list[TokenOut], allow=Allow.signed_in())
async def list_tokens(ctx: Ctx) -> list[TokenOut]:
    """My API tokens (never their values)."""
    tokens = await service.list_api_tokens(ctx.session, ctx.user.user_id)
    return [TokenOut.model_validate(t) for t in tokens]


@router.post(
    "/auth/tokens", body=TokenCreate, response=TokenCreated, status=201, allow=Allow.signed_in()
)
async def create_token(ctx: Ctx, body: TokenCreate) -> TokenCreated:
    """Create an API token for scripts; its value is shown only in this answer."""
    token, raw = await service.create_api_token(
        ctx.session, ctx.user.user_id, body, ctx.clock.now()
    )
    return TokenCreated.model_validate(
        {**TokenOut.model_validate(token).model_dump(), "token": raw}
    )


@router.delete("/auth/tokens/{token_id}", path_model=TokenPath, allow=Allow.signed_in())
async def revoke_token(ctx: Ctx, path: TokenPath) -> None:
    """Revoke one of my API tokens."""
    await service.revoke_api_token(ctx.session, ctx.user.user_id, path.token_id, ctx.clock.now())


@router.get("/users", query=UserQuery, response=Page[UserOut], allow=Allow.only(*STAFF))
async def list_users(ctx: Ctx, query: UserQuery) -> Page[UserOut]:
    """The user registry, filtered and paged."""
    users, cursor = page_of(await service.list_users(ctx.session, query), query.limit)
    return Page[UserOut](items=[service.user_out(u) for u in users], next_cursor=cursor)


@router.post("/users", body=UserCreate, response=UserOut, status=201, allow=Allow.only(Role.ADMIN))
async def create_user(ctx: Ctx, body: UserCreate) -> UserOut:
    """Register a person with their roles."""
    user = await service.create_user(ctx.session, body, ctx.app[PASSWORDS], ctx.clock.now())
    return service.user_out(user)


@router.get("/users/me", response=UserOut, allow=Allow.signed_in())
async def get_me(ctx: Ctx) -> UserOut:
    """My own record."""
    return service.user_out(await service.get_user(ctx.session, ctx.user.user_id))


@router.patch("/users/me", body=SelfUpdate, response=UserOut, allow=Allow.signed_in())
async def update_me(ctx: Ctx, body: SelfUpdate) -> UserOut:
    """Change my contact details and accessibility needs."""
    user = await service.update_user(
        ctx.session, ctx.user.user_id, body, ctx.app[PASSWORDS], ctx.clock.now()
    )
    return service.user_out(user)


@router.get(
    "/users/{user_id}",
    path_model=UserPath,
    response=UserOut,
    allow=Allow.only(*STAFF, or_self="user_id"),
)
async def get_user(ctx: Ctx, path: UserPath) -> UserOut:
    """One person's record: staff see anyone, everyone else only themselves."""
    return service.user_out(await service.get_user(ctx.session, path.user_id))


@router.patch(
    "/users/{user_id}",
    path_model=UserPath,
    body=UserUpdate,
    response=UserOut,
    allow=Allow.only(Role.ADMIN),
)
async def update_user(ctx: Ctx, path: UserPath, body: UserUpdate) -> UserOut:
    """Change a person's record; deactivating ends their sessions."""
    user = await service.update_user(
        ctx.session, path.user_id, body, ctx.app[PASSWORDS], ctx.clock.now()
    )
    return service.user_out(user)


@router.put(
    "/users/{user_id}/roles",
    path_model=UserPath,
    body=RolesIn,
    response=UserOut,
    allow=Allow.only(Role.ADMIN),
)
async def set_roles(ctx: Ctx, path: UserPath, body: RolesIn) -> UserOut:
    """Replace a person's roles."""
    if path.user_id == ctx.user.user_id and Role.ADMIN not in body.roles:
        raise Problem("conflict", "You cannot remove your own admin role.")
    return service.user_out(await service.set_roles(ctx.session, path.user_id, body.roles))
