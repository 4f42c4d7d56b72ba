"""Password hashing with Argon2id (argon2-cffi), off the event loop.

Hashing costs tens of milliseconds of CPU by design, so it runs in a worker thread; a
log-in for an unknown name still verifies against a dummy hash so timing does not tell
which names exist.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

Profile = Literal["rfc9106-low-memory", "cheapest"]


class Passwords:
    def __init__(self, profile: Profile = "rfc9106-low-memory") -> None:
        params = profiles.RFC_9106_LOW_MEMORY if profile != "cheapest" else profiles.CHEAPEST
        self._hasher = PasswordHasher.from_parameters(params)
        self._dummy = self._hasher.hash("not a real password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, stored or self._dummy, password, stored)

    def _verify(self, stored: str, password: str, real: str | None) -> bool:
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        return real is not None

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
