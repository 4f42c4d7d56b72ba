"""JSON API routes declared once: path, models, who may call, and nothing else to remember.

A feature's ``api.py`` makes an ``ApiRouter`` and decorates plain async handlers::

    @router.get("/users/{user_id}", path=UserPath, response=UserOut,
                allow=Allow.only(Role.ADMIN, Role.OPERATOR, or_self="user_id"))
    async def get_user(ctx: Ctx, path: UserPath) -> UserOut: ...

The wrapper built here is the single place where, for every route, the caller is identified,
authorised (roles, CSRF for cookie writes), the input parsed by pydantic (bad input answers
problem+json and changes nothing), one database transaction opened and committed, and the
answer serialised. The OpenAPI document is generated from the same declarations.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth.roles import Role
from server.core.errors import Problem
from server.core.keys import CLOCK, DATABASE, REQUEST_ID, SETTINGS

if TYPE_CHECKING:
    from server.config import Settings
    from server.core.auth.service import Principal
    from server.core.clock import Clock

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Allow:
    """Who may call a route. Object-level rules beyond this live in the service."""

    public: bool = False
    roles: frozenset[Role] | None = None
    or_self: str | None = None

    @classmethod
    def anyone(cls) -> Allow:
        return cls(public=True)

    @classmethod
    def signed_in(cls) -> Allow:
        return cls()

    @classmethod
    def only(cls, *roles: Role, or_self: str | None = None) -> Allow:
        return cls(roles=frozenset(roles), or_self=or_self)

    def check(self, principal: Principal | None, path_values: dict[str, Any]) -> None:
        if self.public:
            return
        if principal is None:
            raise Problem("not-authenticated")
        if self.roles is None or principal.roles & self.roles:
            return
        if self.or_self and path_values.get(self.or_self) == principal.user_id:
            return
        raise Problem("forbidden")


@dataclass
class Ctx:
    """What a handler gets: the caller, the open transaction, the app's shared parts."""

    request: web.Request
    session: AsyncSession
    principal: Principal | None
    pending: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run once the request's transaction has committed (e.g. tell live clients)."""
        self.pending.append(action)

    @property
    def app(self) -> web.Application:
        return self.request.app

    @property
    def settings(self) -> Settings:
        return self.request.app[SETTINGS]

    @property
    def clock(self) -> Clock:
        return self.request.app[CLOCK]

    @property
    def user(self) -> Principal:
        if self.principal is None:  # only reachable on routes declared public
            raise Problem("not-authenticated")
        return self.principal


Handler = Callable[..., Awaitable[Any]]


@dataclass
class Endpoint:
    method: Method
    path: str
    handler: Handler
    allow: Allow
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_model: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    adapter: TypeAdapter[Any] | None = None

    def __post_init__(self) -> None:
        if self.response is not None:
            self.adapter = TypeAdapter(self.response)

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path


class ApiRouter:
    """The routes of one feature package, mounted under /api/v1 by the app factory."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: Method,
        path: str,
        *,
        allow: Allow,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        path_model: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            doc = (handler.__doc__ or "").strip()
            self.endpoints.append(
                Endpoint(
                    method, path, handler, allow, body, query, path_model, response, status,
                    summary=doc.splitlines()[0] if doc else handler.__name__, tags=[self.tag],
                )
            )  # fmt: skip
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)


def mount(app: web.Application, routers: Iterable[ApiRouter]) -> list[Endpoint]:
    endpoints: list[Endpoint] = []
    for router in routers:
        for ep in router.endpoints:
            app.router.add_route(
                ep.method, ep.full_path, _wrap(ep), name=f"{ep.tags[0]}.{ep.handler.__name__}"
            )
            endpoints.append(ep)
    return endpoints


def _wrap(ep: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        from server.core.auth.service import identify  # the auth package uses this module

        raw_body = await _read_body(request) if ep.body is not None else b""
        async with request.app[DATABASE].unit_of_work(
            request_id=request.get(REQUEST_ID)
        ) as session:
            principal = await identify(session, request)
            if principal is None and not ep.allow.public:
                raise Problem("not-authenticated")
            kwargs = _parse_path(ep, request)
            ep.allow.check(principal, kwargs["path"].model_dump() if kwargs else {})
            if principal is not None and _needs_csrf(ep, principal, request.method):
                principal.check_csrf(request.headers.get("X-CSRF-Token"))
            kwargs.update(_parse_input(ep, request, raw_body))
            session.info["actor_id"] = principal.user_id if principal else None
            ctx = Ctx(request, session, principal)
            result = await ep.handler(ctx, **kwargs)
        for action in ctx.pending:
            await action()
        return _respond(ep, result)

    return handle


def client_address(request: web.Request) -> str:
    """The caller's address: the peer's, unless the peer is a trusted proxy
    (``BAEUM_TRUSTED_PROXIES``); then X-Forwarded-For read from the right, past every trusted
    proxy, to the first hop none of ours added (what a client writes itself is further left
    and never read)."""
    remote = request.remote or "unknown"
    trusted = request.app[SETTINGS].trusted_proxies
    if not trusted or not _is_trusted(remote, trusted):
        return remote
    hops = [h.strip() for v in request.headers.getall("X-Forwarded-For", []) for h in v.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_trusted(hop, trusted):
            return hop
    return remote


def _is_trusted(address: str, trusted: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def _needs_csrf(ep: Endpoint, principal: Principal, method: str) -> bool:
    """Cookie-authenticated writes; public routes (log-in, join) act on no one's behalf."""
    return principal.via == "cookie" and method in UNSAFE_METHODS and not ep.allow.public


def _respond(ep: Endpoint, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if result is None:
        return web.Response(status=204)
    if ep.adapter is not None:
        body = ep.adapter.dump_json(result)
    elif isinstance(result, BaseModel):
        body = result.model_dump_json().encode()
    else:
        body = json.dumps(result, ensure_ascii=False).encode()
    return web.Response(body=body, status=ep.status, content_type="application/json")


def _parse_path(ep: Endpoint, request: web.Request) -> dict[str, Any]:
    """The path first: the access rule may name a path value (``or_self``)."""
    if ep.path_model is None:
        return {}
    return {"path": _validate(ep.path_model, dict(request.match_info), "path")}


def _parse_input(ep: Endpoint, request: web.Request, raw_body: bytes) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if ep.query is not None:
        kwargs["query"] = _validate(ep.query, _query_dict(request), "query")
    if ep.body is not None:
        kwargs["body"] = _validate(ep.body, _decode_json(raw_body), "body")
    return kwargs


def _validate(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Problem(
            "validation-error",
            f"The {where} does not match the schema.",
            errors=[
                {"in": where, "loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_input=False)
            ],
        ) from None


def _query_dict(request: web.Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


async def _read_body(request: web.Request) -> bytes:
    """Read before the transaction opens, so a slow sender never holds a database connection."""
    if request.content_type != "application/json":
        raise Problem("unsupported-media-type", "Send the body as application/json.")
    return await request.read()  # aiohttp enforces client_max_size here (413)


def _decode_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem("malformed-json", f"The body is not valid JSON: {exc}.") from None
    except RecursionError:  # nested deeper than the decoder's stack
        raise Problem("malformed-json", "The body is nested too deeply.") from None
