"""Logs: one line per event, `key=value` fields or JSON; the bot token is never written.

    ts=2026-06-01T08:30:00.120Z level=INFO logger=bot.wiring msg=ready mode=polling

Fields come from `extra=` (`log.warning("telegram unreachable", extra={"attempt": 2})`); an
exception's traceback is one escaped field, so a line is always one event. Messages carry ids
and types only, never a person's name or a report's text (the handlers keep to that).
Libraries that log every routine step at INFO (APScheduler at each job run, PTB at start and
stop, aiohttp per request) are lowered to WARNING.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

FORMATS = ("text", "json")
QUIET = ("apscheduler", "httpx", "httpcore", "aiohttp.access", "telegram")
REDACTED = "[REDACTED]"
# A bot token (`<bot id>:<secret>`), as it appears in every Bot API address: redacted even
# when it is not the configured one (an error text quoting another address).
_TOKEN = re.compile(r"(?<!\d)\d{3,}:[A-Za-z0-9_-]{30,}")
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/@+,")


class RedactFilter(logging.Filter):
    """Replaces every secret (the bot token, its secret half) wherever it appears in a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so the whole token goes before its secret half would be found in it.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the given secrets and without anything shaped like a bot token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN.sub(REDACTED, text)


def token_secrets(token: str | None) -> list[str]:
    """What of a bot token must never be logged: the token and its part after the colon."""
    if not token:
        return []
    return [token, token.partition(":")[2]]


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The event as ordered fields: time, level, logger, message, extras, exception."""
    when = datetime.fromtimestamp(record.created, UTC)
    fields: dict[str, Any] = {
        "ts": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "level": record.levelname,
        "logger": record.name,
        "msg": record.getMessage(),
    }
    fields.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        fields["exc"] = record.exc_text
    if record.stack_info:
        fields["stack"] = record.stack_info
    return fields


def _value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and all(c in _BARE for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`ts=... level=INFO logger=... msg="..." key=value`, one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_value(value)}" for key, value in fields_of(record).items())


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(fields_of(record), ensure_ascii=False, default=str)


def configure(
    *,
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    file: Path | None = None,
    quiet: Mapping[str, int] | None = None,
) -> logging.Handler:
    """Send every log record to one handler (a file, else `stream`, else stderr)."""
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    for name, at in (
        quiet if quiet is not None else dict.fromkeys(QUIET, logging.WARNING)
    ).items():
        logging.getLogger(name).setLevel(at)
    logging.captureWarnings(True)
    return handler
