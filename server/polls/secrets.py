"""Each class's pseudonym key: made on first use, sealed with the server's own key (so a copy
of the database alone cannot use it), destroyed when the class is archived.

A pseudonym is HMAC-SHA256(class key, user id): the same person in the same class always gets
the same one (one vote each, editing one's own question, muting), different classes never
link, and without the class key nobody (not a database administrator, not the server after
destruction) can say whose it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.config import keys_of
from server.core.errors import Problem
from server.polls.models import ClassSecret


def _fernet(server_key: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"baeum class pseudonym keys").derive(server_key)  # fmt: skip
    return Fernet(base64.urlsafe_b64encode(derived))


def _sealer(server_key: bytes) -> MultiFernet:
    """Seals with the current server key; unseals with it or a previous one (key rotation)."""
    return MultiFernet([_fernet(key) for key in keys_of(server_key)])


class Pseudonyms:
    """The node's view of class keys (one per app; the cache is only for speed)."""

    def __init__(self, server_key: bytes) -> None:
        self._sealer = _sealer(server_key)
        self._current = _fernet(server_key)
        self._keys: dict[bytes, bytes] = {}  # sealed -> unsealed

    async def key(self, session: AsyncSession, class_session_id: int, now: datetime) -> bytes:
        """The class key; read from the records each time (one row by its key), so a key
        destroyed on any node is gone on every node; only the unsealing is cached."""
        row = await session.get(ClassSecret, class_session_id)
        if row is None:
            raw = secrets.token_bytes(32)
            sealed = self._sealer.encrypt(raw)
            try:
                async with session.begin_nested():  # two first uses at once: one key wins
                    session.add(ClassSecret(class_session_id=class_session_id, sealed=sealed,
                                            created_at=now))  # fmt: skip
            except IntegrityError:
                return await self.key(session, class_session_id, now)
            self._keys[sealed] = raw
            return raw
        if row.sealed is None:
            raise Problem("forbidden", "This class's questions and votes are archived.")
        known = self._keys.get(row.sealed)
        if known is None:
            known = self._keys[row.sealed] = self._sealer.decrypt(row.sealed)
            try:
                self._current.decrypt(row.sealed)
            except InvalidToken:  # sealed under a previous server key: seal it under this one
                row.sealed = self._current.encrypt(known)
                self._keys[row.sealed] = known
        return known

    async def tag(self, session: AsyncSession, class_session_id: int, user_id: int,
                  now: datetime) -> str:  # fmt: skip
        key = await self.key(session, class_session_id, now)
        return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:40]

    async def destroy(self, session: AsyncSession, class_session_id: int, now: datetime) -> None:
        """Forget the class key for good: its pseudonyms can never be linked to anyone again."""
        row = await session.get(ClassSecret, class_session_id)
        if row is None:
            session.add(ClassSecret(class_session_id=class_session_id, sealed=None,
                                    created_at=now, destroyed_at=now))  # fmt: skip
        else:
            self._keys.pop(row.sealed or b"", None)
            row.sealed, row.destroyed_at = None, now
