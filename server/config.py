"""Settings, read once from the environment (prefix ``BAEUM_``) into one immutable object.

Every knob has a safe default so that ``make run`` works on a machine with only Python:
SQLite under ``var/``, in-process live state, a secret key generated on first start.
A wrong value stops the server at start with one line that names the setting.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    IPvAnyNetwork,
    SecretStr,
    UrlConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

RedisUrl = Annotated[AnyUrl, UrlConstraints(allowed_schemes=["redis", "rediss", "unix"])]

DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")


class IceServer(BaseModel):
    """One entry of RTCConfiguration.iceServers, as browsers and aiortc take it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: list[str] = Field(min_length=1)
    username: str | None = None
    credential: str | None = None


class SettingsError(Exception):
    """A setting has a value the server cannot start with; the message names it."""


class Settings(BaseSettings):
    """Everything the server can be told from outside; see docs/operations.md."""

    model_config = SettingsConfigDict(env_prefix="BAEUM_", extra="ignore", frozen=True)

    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: RedisUrl | None = None
    redis_prefix: str = Field(default="baeum", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    secret_key: SecretStr | None = None
    #: keys signed with before BAEUM_SECRET_KEY was rotated: still accepted, never used to sign
    previous_secret_keys: list[SecretStr] = Field(default_factory=list)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: AnyUrl | None = None
    node_id: str = Field(default_factory=lambda: f"node-{secrets.token_hex(3)}")
    tls: Literal["off", "self-signed"] = "off"

    ice_servers: list[IceServer] = Field(default_factory=list)
    turn_secret: SecretStr | None = None
    reconnect_grace_s: int = Field(default=120, ge=0, le=3600)
    lobby_opens_before_min: int = Field(default=60, ge=0, le=24 * 60)
    class_max_participants: int = Field(default=1000, ge=1, le=100_000)
    breakout_silence_alert_s: int = Field(default=300, ge=10, le=3600)
    rooms_housekeeping_s: float = Field(default=5.0, gt=0, le=3600)
    heap_trim_s: float = Field(default=60.0, ge=0, le=3600)
    presence_batch_s: float = Field(default=0.25, ge=0, le=5)
    socket_ping_interval_s: float = Field(default=10.0, gt=0, le=300)
    socket_ping_timeout_s: float = Field(default=10.0, gt=0, le=300)
    audio_speakers: int = Field(default=3, ge=1, le=16)
    media_quality_s: float = Field(default=30.0, ge=0, le=3600)
    media_host_addresses: list[IPvAnyAddress] = Field(default_factory=list)
    loopback_max: int = Field(default=50, ge=0, le=10_000)
    loopback_timeout_s: float = Field(default=60.0, gt=0, le=3600)

    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    class_token_ttl_s: int = Field(default=600, ge=30, le=86_400)
    join_link_ttl_after_end_h: int = Field(default=6, ge=0, le=24 * 14)
    cookie_secure: bool | None = None
    login_attempts_per_address_per_min: int = Field(default=600, ge=1, le=1_000_000)
    password_hash_profile: Literal["owasp", "rfc9106-low-memory", "cheapest"] = "owasp"  # noqa: S105

    board_attachment_max_bytes: int = Field(default=10 * 1_048_576, ge=1024, le=100 * 1_048_576)
    board_image_max_px: int = Field(default=2560, ge=16, le=16_384)
    link_preview: bool = True  # fetch a pasted link's title and image for its post-it
    link_preview_private: bool = False  # also intranet addresses (never by default: SSRF)
    attachment_store: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    # xAPI (server/xapi): e-learning statements in, Virtual Classroom statements out to an LRS
    xapi_activity_base: str | None = None  # course activity IRIs: base + course code
    xapi_actor_home_page: str | None = None  # the e-learning system's account homePage
    lrs_url: AnyUrl | None = None  # an external Learning Record Store; None: no outbox
    lrs_username: str | None = None
    lrs_password: SecretStr | None = None
    lrs_batch: int = Field(default=100, ge=1, le=1000)
    lrs_poll_s: float = Field(default=1.0, gt=0, le=3600)
    lrs_backoff_max_s: float = Field(default=300.0, gt=0, le=86_400)
    lrs_timeout_s: float = Field(default=10.0, gt=0, le=600)

    # abuse limits (server/core/limits.py; docs/operations.md, "Abuse limits")
    login_lockout_failures: int = Field(default=10, ge=1, le=10_000)  # per login, in the window
    login_lockout_address_failures: int = Field(default=100, ge=1, le=1_000_000)  # per address
    login_lockout_window_s: float = Field(default=900.0, gt=0, le=86_400)
    login_lockout_base_s: float = Field(default=60.0, gt=0, le=86_400)  # the first lock-out
    login_lockout_max_s: float = Field(default=3600.0, gt=0, le=7 * 86_400)  # doubling stops here
    login_lockout_forget_s: float = Field(default=86_400.0, gt=0, le=30 * 86_400)  # per doubling
    limit_join_per_user_per_min: int = Field(default=60, ge=1, le=1_000_000)
    limit_join_per_address_per_min: int = Field(default=6000, ge=1, le=10_000_000)
    limit_chat_per_user_per_min: int = Field(default=120, ge=1, le=1_000_000)
    limit_chat_per_address_per_min: int = Field(default=12_000, ge=1, le=10_000_000)
    limit_question_per_user_per_min: int = Field(default=30, ge=1, le=1_000_000)
    limit_question_per_address_per_min: int = Field(default=3000, ge=1, le=10_000_000)
    limit_vote_per_user_per_min: int = Field(default=240, ge=1, le=1_000_000)
    limit_vote_per_address_per_min: int = Field(default=24_000, ge=1, le=10_000_000)
    limit_post_per_user_per_min: int = Field(default=60, ge=1, le=1_000_000)
    limit_post_per_address_per_min: int = Field(default=6000, ge=1, le=10_000_000)
    limit_upload_per_user_per_min: int = Field(default=30, ge=1, le=1_000_000)
    limit_upload_per_address_per_min: int = Field(default=1500, ge=1, le=10_000_000)
    max_connections_per_address: int = Field(default=1000, ge=1, le=1_000_000)
    header_timeout_s: float = Field(default=10.0, gt=0, le=3600)  # the first request's head
    keepalive_timeout_s: float = Field(default=75.0, gt=0, le=3600)  # idle between requests
    max_header_line_bytes: int = Field(default=8190, ge=1024, le=1_048_576)
    max_header_field_bytes: int = Field(default=8190, ge=1024, le=1_048_576)
    body_idle_timeout_s: float = Field(default=30.0, gt=0, le=3600)  # a body gone quiet mid-way

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(tuple(f"{s}://" for s in DATABASE_SCHEMES)):
            raise ValueError(f"must start with one of {', '.join(DATABASE_SCHEMES)}://")
        return value

    @model_validator(mode="after")
    def _s3_is_complete(self) -> Settings:
        """An S3 store missing a value would only fail at the first upload; stop at start.

        Raised as SettingsError (pydantic lets it through) so the line names the missing setting.
        """
        if self.attachment_store != "s3":
            return self
        required = {
            "s3_endpoint_url": self.s3_endpoint_url,
            "s3_bucket": self.s3_bucket,
            "s3_access_key": self.s3_access_key,
            "s3_secret_key": self.s3_secret_key,
        }
        missing = [f"BAEUM_{name.upper()}" for name, value in required.items() if not value]
        if missing:
            raise SettingsError(
                f"{missing[0]}: must be set when BAEUM_ATTACHMENT_STORE is s3"
                + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else "")
            )
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'baeum.db'}"

    @property
    def effective_public_url(self) -> str:
        if self.public_url is not None:
            return str(self.public_url).rstrip("/")
        scheme = "https" if self.tls != "off" else "http"
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host  # noqa: S104
        return f"{scheme}://{host}:{self.port}"

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.effective_public_url.startswith("https://")


def load_settings(**overrides: object) -> Settings:
    """Read the environment; turn pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "BAEUM_" + "_".join(str(p) for p in err["loc"][:1]).upper()
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("; ".join(lines)) from None


class KeyRing(bytes):
    """The current secret key (the bytes themselves: what signs) and the previous ones, which
    are still accepted when checking a signature, so rotating the key logs no one out.

    Code that signs uses it as the key it is; code that verifies asks ``keys_of`` for all.
    """

    previous: tuple[bytes, ...]

    def __new__(cls, current: bytes, previous: tuple[bytes, ...] = ()) -> KeyRing:
        ring = super().__new__(cls, current)
        ring.previous = tuple(k for k in previous if k != current)
        return ring


def keys_of(secret: bytes) -> tuple[bytes, ...]:
    """Every key a signature may have been made with, the current one first."""
    return (bytes(secret), *secret.previous) if isinstance(secret, KeyRing) else (secret,)


def resolve_secret_key(settings: Settings) -> KeyRing:
    """The key that signs join links, class tokens and CSRF tokens, with the previous keys.

    Taken from BAEUM_SECRET_KEY when set; otherwise generated once and kept in
    ``var/secret_key`` (mode 0600) so restarts do not log everyone out.
    BAEUM_PREVIOUS_SECRET_KEYS are still accepted when checking (see docs/operations.md).
    """
    previous = []
    for old in settings.previous_secret_keys:
        value = old.get_secret_value()
        if len(value) < 32:
            raise SettingsError("BAEUM_PREVIOUS_SECRET_KEYS: each must be at least 32 characters")
        previous.append(value.encode())
    return KeyRing(_current_secret_key(settings), tuple(previous))


def _current_secret_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < 32:
            raise SettingsError("BAEUM_SECRET_KEY: must be at least 32 characters")
        return value.encode()
    path = settings.var_dir / "secret_key"
    if path.exists():
        return path.read_bytes().strip()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    path.touch(mode=0o600)
    path.write_bytes(key)
    return key
