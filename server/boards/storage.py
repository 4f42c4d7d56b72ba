"""Where attachment bytes live: a directory on this machine, or an S3-compatible store.

The records (``BoardAttachment``) hold only a key; the bytes are put, read and deleted here.
The embedded set-up keeps them under ``var/attachments``; several nodes need a store they all
reach, so ``BAEUM_ATTACHMENT_STORE=s3`` sends them to S3 (MinIO, Ceph, a cloud's object
storage) through aiobotocore, which is an optional dependency (``baeum[s3]``).

Keys are made by ``new_key``: unguessable, so a key is never a way to find someone else's
file, and limited to a few characters, so a key can never name a path outside the store.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Protocol

from server.config import Settings, SettingsError
from server.core.errors import Problem

_KEY = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")
MAX_KEY = 200  # BoardAttachment.key


class Storage(Protocol):
    """What the boards need from a store of attachment bytes."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; a missing key is Problem("not-found")."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; a key that is already gone is fine."""
        ...

    async def close(self) -> None: ...


def new_key(board_id: int, extension: str) -> str:
    """A fresh key for one of a board's attachments, with 128 random bits in it."""
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"not an extension: {extension!r}")
    return f"boards/{board_id}/{secrets.token_urlsafe(16)}{extension}"


def check_key(key: str) -> str:
    """Refuse a key that could leave the store's directory: only ``[A-Za-z0-9/_.-]``, no
    leading ``/``, no empty, ``.`` or ``..`` parts. Keys come from ``new_key``, so a bad one
    is a bug (ValueError), never a client's mistake."""
    parts = key.split("/")
    if (
        len(key) > MAX_KEY
        or not _KEY.fullmatch(key)
        or any(part.strip(".") == "" for part in parts)
    ):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _missing() -> Problem:
    return Problem("not-found", "No such attachment.")


class LocalStorage:
    """Files under one directory; file I/O runs in a thread so the event loop never waits."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(_write_atomically, self._path(key), data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise _missing() from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def close(self) -> None:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename over it: a reader (or a crash) never sees half
    a file, and two writers of one key leave one whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class S3Storage:
    """One bucket of an S3-compatible store. The client is made at first use (so a node that
    never touches an attachment never connects) and closed by ``close``."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.region = region
        self._access_key = access_key
        self._secret_key = secret_key
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def client(self) -> Any:
        """The one aiobotocore client, entered on an exit stack that ``close`` unwinds."""
        async with self._lock:
            if self._client is None:
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(self._create_client())
                self._stack = stack
            return self._client

    def _create_client(self) -> Any:
        """Path-style addressing and checksums only where required: what S3-compatible stores
        other than AWS (MinIO, Ceph, older gateways) reliably understand."""
        from aiobotocore.config import AioConfig  # type: ignore[import-untyped]
        from aiobotocore.session import get_session  # type: ignore[import-untyped]

        config = AioConfig(
            s3={"addressing_style": "path"},
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self._access_key,
            aws_secret_access_key=self._secret_key,
            config=config,
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        client = await self.client()
        await client.put_object(
            Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=content_type
        )

    async def get(self, key: str) -> bytes:
        client = await self.client()
        try:
            response = await client.get_object(Bucket=self.bucket, Key=check_key(key))
        except client.exceptions.NoSuchKey:
            raise _missing() from None
        async with response["Body"] as stream:
            data: bytes = await stream.read()
        return data

    async def delete(self, key: str) -> None:
        client = await self.client()
        try:
            await client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except client.exceptions.NoSuchKey:  # S3 answers 204 anyway; some stores do not
            return

    async def close(self) -> None:
        async with self._lock:
            stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()


def make_storage(settings: Settings) -> Storage:
    """The store the settings name; the S3 values were checked when the settings were read."""
    if settings.attachment_store == "local":
        return LocalStorage(settings.var_dir / "attachments")
    secret_key = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
    return S3Storage(
        endpoint_url=_required("s3_endpoint_url", settings.s3_endpoint_url),
        bucket=_required("s3_bucket", settings.s3_bucket),
        region=settings.s3_region,
        access_key=_required("s3_access_key", settings.s3_access_key),
        secret_key=_required("s3_secret_key", secret_key),
    )


def _required(name: str, value: str | None) -> str:
    if not value:
        raise SettingsError(f"BAEUM_{name.upper()}: must be set when BAEUM_ATTACHMENT_STORE is s3")
    return value
