"""Signed, expiring tokens (JWT, HS256 with the app's secret key) for one purpose each.

- ``join``: a join link's invitation, per trainee and class session, valid until some hours
  after the class ends; opening it logs the trainee in on that device and mints a class token.
- ``class``: a short-lived, class-scoped grant (publish, subscribe, moderate, caption) that the
  live-class socket checks on connect, the way LiveKit and Jitsi do it.

Expiry is checked against the app's clock, not the wall clock, so tests can move time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import jwt

from server.config import keys_of

ALGORITHM = "HS256"
ISSUER = "baeum"


class Purpose(StrEnum):
    JOIN = "join"
    CLASS = "class"


class TokenInvalid(Exception):
    """Signature, purpose or shape is wrong: the token was altered or is not ours."""


class TokenExpired(Exception):
    """The token was ours and is past its expiry."""


def sign(secret: bytes, purpose: Purpose, claims: dict[str, Any], expires_at: datetime) -> str:
    payload = {**claims, "aud": purpose.value, "iss": ISSUER, "exp": int(expires_at.timestamp())}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def verify(secret: bytes, purpose: Purpose, token: str, now: datetime) -> dict[str, Any]:
    """Checked against the current key, then each previous one (see ``config.KeyRing``)."""
    claims: dict[str, Any] | None = None
    for key in keys_of(secret):
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=purpose.value,
                issuer=ISSUER,
                options={"verify_exp": False, "require": ["exp", "aud", "iss"]},
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise TokenInvalid(str(exc)) from None
    if claims is None:
        raise TokenInvalid("Signature verification failed")
    if not isinstance(claims["exp"], int):
        raise TokenInvalid("exp is not a number")
    if claims["exp"] <= now.timestamp():
        raise TokenExpired(f"expired at {claims['exp']}")
    return claims
