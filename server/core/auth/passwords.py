"""Password hashing with Argon2id (argon2-cffi), off the event loop.

Hashing costs tens of milliseconds of CPU by design, so it runs in a worker thread; a
log-in for an unknown name still verifies against a dummy hash so timing does not tell
which names exist.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from argon2 import Parameters, PasswordHasher, Type, profiles
from argon2.exceptions import InvalidHashError, VerificationError

Profile = Literal["owasp", "rfc9106-low-memory", "cheapest"]

#: OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane): about 20 ms of one core per hash here,
#: where RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes) took about 160 ms of CPU and
#: capped a 2-core node at about 12 log-ins a second (bench/RESULTS.md).
OWASP = Parameters(
    type=Type.ID, version=19, salt_len=16, hash_len=32, time_cost=2, memory_cost=19456,
    parallelism=1,
)  # fmt: skip
PROFILES = {
    "owasp": OWASP,
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "cheapest": profiles.CHEAPEST,  # tests only
}


class Passwords:
    """Hashes with the configured profile; hashes made under another profile still verify
    and are re-hashed at the next log-in (``needs_rehash``)."""

    def __init__(self, profile: Profile = "owasp") -> None:
        self._hasher = PasswordHasher.from_parameters(PROFILES[profile])
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
