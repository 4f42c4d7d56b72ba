"""Typed keys for what the app shares; everything hangs off the app, nothing is global."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    import socketio

    from server.config import Settings
    from server.core.auth.passwords import Passwords
    from server.core.clock import Clock
    from server.core.db import Database
    from server.core.http import Endpoint
    from server.core.live.base import LiveState
    from server.core.metrics import Metrics

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
SECRET_KEY: web.AppKey[bytes] = web.AppKey("secret_key")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
DATABASE: web.AppKey[Database] = web.AppKey("database")
LIVE: web.AppKey[LiveState] = web.AppKey("live")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
SIO: web.AppKey[socketio.AsyncServer] = web.AppKey("sio")
ENDPOINTS: web.AppKey[list[Endpoint]] = web.AppKey("endpoints")
PASSWORDS: web.AppKey[Passwords] = web.AppKey("passwords")
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)
