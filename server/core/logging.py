"""Structured JSON logs (structlog), each line carrying the request id it belongs to."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from server.config import Settings

#: field names whose values are never written, whatever they hold
SECRET_FIELDS = re.compile(
    r"passw(or)?d|secret|token|cookie|authori[sz]ation|credential|csrf|api[_-]?key", re.I
)
#: credentials recognisable in any text: API tokens, JWTs (join links, class tokens), bearer
#: headers, and the session cookie as a header would carry it
SECRET_TEXT = re.compile(
    r"bm_[A-Za-z0-9_-]{16,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,}"
    r"|baeum_session=[^;\s\"']+"
)
REDACTED = "[redacted]"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return SECRET_TEXT.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: REDACTED if _secret_name(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _secret_name(name: object) -> bool:
    return isinstance(name, str) and SECRET_FIELDS.search(name) is not None


def redact_secrets(
    logger: Any, method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The last line of defence: fields named like a secret are dropped, and credentials
    that slipped into any text (a message, an exception, a URL) are replaced."""
    for key, value in list(event_dict.items()):
        if key in ("_record", "_from_structlog"):
            continue
        event_dict[key] = REDACTED if _secret_name(key) else _scrub(value)
    return event_dict


def configure_logging(
    settings: Settings, *, stream: TextIO | None = None, cache_loggers: bool = True
) -> None:
    """Called by the CLI once per process; apps made in tests leave logging as pytest set it
    (the secrets-in-logs test sets it up as the CLI does, into its own ``stream``)."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    last: list[structlog.types.Processor] = [structlog.processors.format_exc_info, redact_secrets]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=cache_loggers,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *last,  # tracebacks as one "exception" field, then secrets out of every field
                renderer,
            ],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("engineio.server").setLevel(logging.WARNING)
    logging.getLogger("socketio.server").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
