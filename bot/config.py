"""Settings: one pydantic-settings class, read from the environment and `.env`."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("ky", "ru", "en")
TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
# Where Litestream can replicate to (its replica types); a bare absolute path is a file replica.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
REPLICA_SCHEMES = ("s3://", "sftp://", "file://", "gs://", "abs://", "webdav://", "nats://")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    """Everything ayilbot reads from its environment; `.env.example` documents each field."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default=TELEGRAM_API_BASE_URL, alias="TELEGRAM_API_BASE_URL"
    )
    db_path: Path = Field(default=Path("./ayilbot.db"), alias="AYILBOT_DB")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="AYILBOT_ADMIN_IDS"
    )
    timezone: str = Field(default="Asia/Bishkek", alias="AYILBOT_TIMEZONE")
    default_language: str = Field(default="ky", alias="AYILBOT_DEFAULT_LANGUAGE")
    concurrency: int = Field(default=256, ge=1, le=1024, alias="AYILBOT_CONCURRENCY")
    flood_limit_per_minute: int = Field(default=60, ge=5, alias="AYILBOT_FLOOD_LIMIT")
    coordinate_precision: int = Field(default=2, ge=0, le=6, alias="AYILBOT_COORD_DECIMALS")
    media_retention_days: int = Field(default=0, ge=0, alias="AYILBOT_MEDIA_RETENTION_DAYS")
    backup_dir: Path | None = Field(default=None, alias="AYILBOT_BACKUP_DIR")
    backup_keep: int = Field(default=7, ge=1, alias="AYILBOT_BACKUP_KEEP")  # days
    # An invitation link (/invite, `ayilbot admin invite`) works this many days, once.
    invite_days: int = Field(default=14, ge=1, le=365, alias="AYILBOT_INVITE_DAYS")
    # Running it for months (#21): data overrides, start-up, logs, health, replication.
    gazetteer_path: Path | None = Field(default=None, alias="AYILBOT_GAZETTEER")
    severity_path: Path | None = Field(default=None, alias="AYILBOT_SEVERITY")
    startup_retry_seconds: float = Field(
        default=300, ge=0, le=86_400, alias="AYILBOT_STARTUP_RETRY_SECONDS"
    )
    log_format: Literal["text", "json"] = Field(default="text", alias="AYILBOT_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="AYILBOT_LOG_LEVEL"
    )
    health_max_age_seconds: float = Field(default=120, ge=1, alias="AYILBOT_HEALTH_MAX_AGE")
    min_free_mb: int = Field(default=200, ge=0, alias="AYILBOT_MIN_FREE_MB")
    replica_url: str | None = Field(default=None, alias="AYILBOT_REPLICA_URL")
    offsite_copy: str | None = Field(default=None, alias="AYILBOT_OFFSITE_COPY")
    # Outputs (#19): the media folder, the largest file kept, the organisation's documents.
    media_folder: Path | None = Field(default=None, alias="AYILBOT_MEDIA_DIR")
    # Telegram lets a bot download files up to 20 MB (getFile); a local Bot API server more.
    media_max_mb: int = Field(default=20, ge=1, le=2000, alias="AYILBOT_MEDIA_MAX_MB")
    organisation: str = Field(default="", max_length=200, alias="AYILBOT_ORGANISATION")
    letterhead_path: Path | None = Field(default=None, alias="AYILBOT_LETTERHEAD")
    # The dashboard (#20): where its web server listens beside polling (0: no dashboard), the
    # public address people open (behind the HTTPS reverse proxy), the map's tiles.
    web_host: str = Field(default="127.0.0.1", alias="AYILBOT_WEB_HOST")
    web_port: int = Field(default=8080, ge=0, le=65535, alias="AYILBOT_WEB_PORT")
    web_url: str | None = Field(default=None, alias="AYILBOT_WEB_URL")
    web_session_hours: float = Field(
        default=12, gt=0, le=24 * 30, alias="AYILBOT_WEB_SESSION_HOURS"
    )
    tile_url: str = Field(default=OSM_TILES, alias="AYILBOT_TILE_URL")
    tile_attribution: str = Field(
        default="© OpenStreetMap contributors", alias="AYILBOT_TILE_ATTRIBUTION"
    )

    @field_validator(
        "backup_dir",
        "gazetteer_path",
        "severity_path",
        "replica_url",
        "offsite_copy",
        "media_folder",
        "letterhead_path",
        "web_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `.env.example` lists these as `NAME=`; an empty path would otherwise mean ".".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _fold_case(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        folded = value.strip()
        return folded.lower() if folded.lower() in ("text", "json") else folded.upper()

    @field_validator("replica_url")
    @classmethod
    def _check_replica(cls, value: str | None) -> str | None:
        if value is None or value.startswith(REPLICA_SCHEMES) or value.startswith("/"):
            return value
        raise ValueError(
            "expected s3://BUCKET/PATH, sftp://USER@HOST/PATH, file:///PATH or an absolute path"
        )

    @field_validator("offsite_copy")
    @classmethod
    def _check_copy(cls, value: str | None) -> str | None:
        if value is not None and "{src}" not in value:
            raise ValueError(
                "the command must contain {src}, e.g. rclone copy {src} b2:ayilbot/{name}"
            )
        return value

    @field_validator("letterhead_path")
    @classmethod
    def _check_letterhead(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        if not value.is_file():
            raise ValueError(f"{value} is not a file: give a .docx or .dotx letterhead")
        if not zipfile.is_zipfile(value):
            raise ValueError(f"{value} is not a Word file (.docx or .dotx)")
        with zipfile.ZipFile(value) as archive:
            if "word/document.xml" not in archive.namelist():
                raise ValueError(f"{value} is not a Word file (.docx or .dotx)")
        return value

    @field_validator("organisation")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("web_url")
    @classmethod
    def _check_web_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError(
                "expected the dashboard's public address, e.g. https://bot.example.org"
            )
        return value.rstrip("/")

    @field_validator("tile_url")
    @classmethod
    def _check_tiles(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or "{z}" not in value:
            raise ValueError("expected a tile URL template such as " + OSM_TILES)
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("expected comma-separated Telegram user ids, e.g. 12345,67890")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Bishkek") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        """The bot token, or None when the sandbox should run instead."""
        if self.telegram_bot_token is None:
            return None
        return self.telegram_bot_token.get_secret_value().strip() or None

    @property
    def media_dir(self) -> Path:
        """The folder for photos and voice notes: AYILBOT_MEDIA_DIR, else beside the database."""
        return self.media_folder or self.db_path.parent / "media"

    @property
    def media_max_bytes(self) -> int:
        """The largest photo or voice note downloaded (AYILBOT_MEDIA_MAX_MB)."""
        return self.media_max_mb * 1024 * 1024

    @property
    def dashboard_url(self) -> str:
        """The dashboard's address as people open it: AYILBOT_WEB_URL, else where it listens."""
        if self.web_url:
            return self.web_url
        host = self.web_host if self.web_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{f'[{host}]' if ':' in host else host}:{self.web_port}"

    @property
    def base_file_url(self) -> str:
        """File download URL matching `telegram_api_base_url` (Telegram's or a local server)."""
        base = self.telegram_api_base_url
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {alias or field}: {message}") from None
