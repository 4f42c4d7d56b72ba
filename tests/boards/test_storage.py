"""Attachment stores: a directory, and a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from server.boards.storage import LocalStorage, S3Storage, Storage, make_storage, new_key
from server.config import Settings, SettingsError, load_settings
from server.core.errors import Problem

S3_SETTINGS = {
    "attachment_store": "s3",
    "s3_endpoint_url": "http://127.0.0.1:9",
    "s3_bucket": "baeum",
    "s3_access_key": "test",
    "s3_secret_key": "test",
}


async def round_trip(storage: Storage) -> None:
    key = new_key(7, ".png")
    await storage.put(key, b"first", "image/png")
    await storage.put(key, b"second", "image/png")  # a second put replaces
    assert await storage.get(key) == b"second"
    await storage.delete(key)
    with pytest.raises(Problem) as caught:
        await storage.get(key)
    assert caught.value.type.slug == "not-found"
    await storage.delete(key)  # already gone: fine


def test_new_keys_are_unguessable_and_tidy() -> None:
    keys = {new_key(12, ".jpg") for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        prefix, name = key.rsplit("/", 1)
        assert prefix == "boards/12"
        assert name.endswith(".jpg")
        assert len(name) >= 22 + 4
    with pytest.raises(ValueError, match="extension"):
        new_key(1, "/../x")


async def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "attachments")
    await round_trip(storage)
    key = new_key(3, ".pdf")
    await storage.put(key, b"%PDF-1.4", "application/pdf")
    stored = tmp_path / "attachments" / key
    assert stored.read_bytes() == b"%PDF-1.4"
    assert sorted(p.name for p in stored.parent.iterdir()) == [stored.name]  # no temp left
    await storage.close()


async def test_a_missing_local_key_is_not_found(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(Problem) as caught:
        await storage.get("boards/1/nothing.jpg")
    assert caught.value.type.status == 404


@pytest.mark.parametrize(
    "key",
    [
        "../outside.jpg",
        "boards/../../outside.jpg",
        "boards/1/..",
        "/etc/passwd",
        "boards//1.jpg",
        "boards/./1.jpg",
        "boards\\1.jpg",
        "boards/1/~x.jpg",
        "boards/1/a b.jpg",
        "",
        "a" * 201,
    ],
)
async def test_a_key_cannot_leave_the_directory(tmp_path: Path, key: str) -> None:
    root = tmp_path / "store"
    storage = LocalStorage(root)
    with pytest.raises(ValueError, match="storage key"):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(ValueError, match="storage key"):
        await storage.get(key)
    with pytest.raises(ValueError, match="storage key"):
        await storage.delete(key)
    assert not os.listdir(tmp_path)


def test_make_storage_picks_the_store(tmp_path: Path) -> None:
    local = make_storage(Settings(var_dir=tmp_path))
    assert isinstance(local, LocalStorage)
    assert local.root == tmp_path / "attachments"
    s3 = make_storage(Settings(var_dir=tmp_path, **S3_SETTINGS))  # type: ignore[arg-type]
    assert isinstance(s3, S3Storage)
    assert (s3.endpoint_url, s3.bucket, s3.region) == ("http://127.0.0.1:9", "baeum", "us-east-1")


@pytest.mark.parametrize(
    "missing", ["s3_endpoint_url", "s3_bucket", "s3_access_key", "s3_secret_key"]
)
def test_an_s3_store_needs_all_its_settings(tmp_path: Path, missing: str) -> None:
    values = {k: v for k, v in S3_SETTINGS.items() if k != missing}
    with pytest.raises(SettingsError) as caught:
        load_settings(var_dir=tmp_path, **values)
    assert str(caught.value).startswith(f"BAEUM_{missing.upper()}: ")


def test_the_s3_check_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BAEUM_") and not name.startswith("BAEUM_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BAEUM_ATTACHMENT_STORE", "s3")
    monkeypatch.setenv("BAEUM_S3_ENDPOINT_URL", "http://minio:9000")
    with pytest.raises(SettingsError, match=r"^BAEUM_S3_BUCKET: "):
        load_settings()
    monkeypatch.setenv("BAEUM_S3_BUCKET", "baeum")
    monkeypatch.setenv("BAEUM_S3_ACCESS_KEY", "key")
    monkeypatch.setenv("BAEUM_S3_SECRET_KEY", "hunter2-s3")
    settings = load_settings()
    assert settings.s3_secret_key is not None
    assert settings.s3_secret_key.get_secret_value() == "hunter2-s3"
    assert "hunter2" not in repr(settings)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread on a free loopback port, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
async def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[S3Storage]:
    """A store on a fresh bucket of the moto server."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy in the environment must not apply
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    storage = S3Storage(
        endpoint_url=s3_endpoint,
        bucket=f"baeum-{secrets.token_hex(4)}",
        region="us-east-1",
        access_key="test",
        secret_key="test",
    )
    client = await storage.client()
    await client.create_bucket(Bucket=storage.bucket)
    try:
        yield storage
    finally:
        await storage.close()


async def test_s3_round_trip(s3: S3Storage) -> None:
    await round_trip(s3)


async def test_s3_keeps_the_bytes_and_their_type(s3: S3Storage) -> None:
    key = new_key(5, ".jpg")
    data = bytes(range(256)) * 4096  # 1 MiB, every byte value
    await s3.put(key, data, "image/jpeg")
    assert await s3.get(key) == data
    client = await s3.client()
    head = await client.head_object(Bucket=s3.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == len(data)


async def test_s3_refuses_bad_keys_too(s3: S3Storage) -> None:
    with pytest.raises(ValueError, match="storage key"):
        await s3.put("../x", b"x", "text/plain")


async def test_s3_client_is_made_once_and_closed(s3: S3Storage) -> None:
    first = await s3.client()
    assert await s3.client() is first
    await s3.close()
    await s3.close()  # twice is fine
    second = await s3.client()  # a closed store opens a new client when used again
    assert second is not first
    await s3.put(new_key(1, ".txt"), b"again", "text/plain")
