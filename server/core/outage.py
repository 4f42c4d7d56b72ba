"""Telling a dependency that is down from a bug.

When PostgreSQL or Redis does not answer (restarting, stalled, unreachable), the action
cannot be kept: the caller is told ``unavailable`` (HTTP 503, or an error ack on a socket)
so a client knows to try again, and nothing was acknowledged that was not kept.
"""

from __future__ import annotations

import asyncpg
import redis.exceptions
from sqlalchemy import exc as sa

from server.core.errors import Problem


def is_outage(error: BaseException) -> bool:
    """True when ``error`` says the records database or the live state did not answer."""
    if isinstance(error, sa.DBAPIError):
        if error.connection_invalidated or isinstance(error, sa.InterfaceError):
            return True
        return isinstance(error, sa.OperationalError) or is_outage_cause(error.orig)
    if isinstance(error, sa.TimeoutError):  # no pooled connection came free in time
        return True
    return is_outage_cause(error)


def is_outage_cause(error: BaseException | None) -> bool:
    return isinstance(
        error,
        (
            OSError,  # refused, reset, unreachable (ConnectionError is one)
            TimeoutError,
            asyncpg.PostgresConnectionError,
            asyncpg.CannotConnectNowError,
            asyncpg.AdminShutdownError,
            asyncpg.InterfaceError,
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
            redis.exceptions.BusyLoadingError,
        ),
    )


def unavailable() -> Problem:
    return Problem(
        "unavailable",
        "Temporarily unavailable: the server's records or live state do not answer. "
        "Nothing was kept; try again in a moment.",
    )
