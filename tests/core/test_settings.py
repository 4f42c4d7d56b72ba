"""Settings: safe defaults, one clear line for a wrong value, a secret key kept under var/."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import SettingsError, load_settings, resolve_secret_key


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BAEUM_") and not name.startswith("BAEUM_TEST_"):
            monkeypatch.delenv(name)


def test_defaults_need_nothing_but_python() -> None:
    settings = load_settings()
    assert settings.effective_database_url == "sqlite+aiosqlite:///var/baeum.db"
    assert settings.redis_url is None
    assert settings.port == 8080
    assert settings.reconnect_grace_s == 120
    assert settings.effective_public_url == "http://localhost:8080"
    assert not settings.secure_cookies


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BAEUM_PORT", "eighty"),
        ("BAEUM_PORT", "70000"),
        ("BAEUM_DATABASE_URL", "mysql://root@localhost/baeum"),
        ("BAEUM_REDIS_URL", "http://localhost:6379"),
        ("BAEUM_ICE_SERVERS", '[{"url": "stun:x"}]'),
        ("BAEUM_TLS", "maybe"),
        ("BAEUM_RECONNECT_GRACE_S", "-5"),
    ],
)
def test_a_wrong_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{name}: ")
    assert "\n" not in str(caught.value)


def test_ice_servers_are_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "BAEUM_ICE_SERVERS",
        '[{"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"}]',
    )
    assert load_settings().ice_servers[0].urls == ["turn:turn.example:3478"]


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path / "var")
    first = resolve_secret_key(settings)
    assert len(first) >= 32
    assert resolve_secret_key(settings) == first
    mode = stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode)
    assert mode & 0o077 == 0


def test_a_given_secret_key_must_be_long_enough(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="BAEUM_SECRET_KEY"):
        resolve_secret_key(load_settings(var_dir=tmp_path, secret_key="short"))
    assert not (tmp_path / "secret_key").exists()


def serve(**env: str) -> subprocess.CompletedProcess[str]:
    """``python -m server serve`` as an operator would run it, expected to stop at once."""
    return subprocess.run(
        [sys.executable, "-m", "server", "serve"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_server_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    done = serve(BAEUM_PORT="eighty", BAEUM_VAR_DIR=str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "baeum: bad setting: BAEUM_PORT: Input should be a valid integer, "
        "unable to parse string as an integer"
    ]


def test_the_server_refuses_a_database_it_was_not_migrated_for(tmp_path: Path) -> None:
    done = serve(BAEUM_VAR_DIR=str(tmp_path))
    assert done.returncode == 2
    assert "run `python -m server migrate` first" in done.stderr
