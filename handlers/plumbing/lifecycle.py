"""Talking to Telegram around the bot's life: reaching it at start, the heartbeat's webhook
check, a failed long poll in one line.

`ayilbot run` (bot/wiring.py `serve`) starts the bot through these. PTB's `run_polling` is not
used: it ran post_init inside its own loop, and when that failed the database it had opened
kept the process alive (#21).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.config import Settings
from bot.core.errors import StartupError
from bot.health import Heartbeat, record
from bot.sdnotify import notify
from handlers.plumbing.context import AyilApp

log = logging.getLogger(__name__)

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 60.0
LONG_POLL_S = 10


def _host(app: AyilApp) -> str:
    return urlsplit(app.bot.base_url).netloc or "?"


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _reason(exc: Exception) -> str:
    text = getattr(exc, "message", "") or str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _attempt(app: AyilApp, pause: float) -> tuple[str, float] | None:
    """One getMe: None when it worked, else why not and how long to wait before the next."""
    try:
        await app.initialize()
    except InvalidToken:
        # Never its message: PTB puts the token in it.
        raise StartupError(
            f"{_host(app)} refused TELEGRAM_BOT_TOKEN (401 or 404): check the token "
            "and TELEGRAM_API_BASE_URL"
        ) from None
    except RetryAfter as exc:
        return _reason(exc), max(pause, _seconds(exc.retry_after))
    except NetworkError as exc:  # refused, DNS, timeouts, 5xx: worth another try
        return _reason(exc), pause
    return None


async def reach_telegram(
    app: AyilApp,
    *,
    within: float,
    stop: asyncio.Event,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Initialise the application (getMe), retrying network errors with growing pauses.

    Returns False if a stop signal came while waiting. Raises StartupError for a refused
    token, or when Telegram is still unreachable after `within` seconds.
    """
    deadline, pause = clock() + within, FIRST_PAUSE_S
    for attempt in itertools.count(1):
        failed = await _attempt(app, pause)
        if failed is None:
            return True
        reason, wait = failed
        remaining = deadline - clock()
        if remaining <= 0:
            raise StartupError(
                f"Telegram is unreachable at {_host(app)}: "
                f"{attempt} attempts in {within:.0f} s (AYILBOT_STARTUP_RETRY_SECONDS); "
                f"last error {reason}"
            )
        wait = min(wait, remaining)
        log.warning(
            "telegram unreachable, retrying",
            extra={"attempt": attempt, "retry_in_s": round(wait, 1), "error": reason},
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
            return False  # stopped while waiting
        pause = min(pause * 2, LONGEST_PAUSE_S)
    raise AssertionError("unreachable")  # itertools.count never ends


def long_poll_seconds(settings: Settings) -> int:
    """How long getUpdates waits for news: PTB's 10 s, or less for a short health age limit."""
    # An idle bot's long polls must come back well within AYILBOT_HEALTH_MAX_AGE, or health
    # would call a quiet bot unreachable.
    return int(max(1, min(LONG_POLL_S, settings.health_max_age_seconds / 3)))


async def beat(context: Any) -> None:
    """The heartbeat job: check the webhook if any, write the row, pet systemd's watchdog."""
    app = context.application
    heartbeat: Heartbeat = context.job.data
    if heartbeat.mode == "webhook":
        try:
            info = await app.bot.get_webhook_info()
        except TelegramError as exc:
            log.warning("getWebhookInfo failed", extra={"error": _reason(exc)})
        else:
            heartbeat.webhook_checked(
                info.last_error_date, info.last_error_message, info.pending_update_count
            )
    queue = app.job_queue
    jobs = [(job.name or "?", job.next_t) for job in queue.jobs()]
    row = heartbeat.snapshot(jobs, scheduler_running=bool(queue.scheduler.running))
    await record(app.bot_data.kernel.db, row)
    notify("WATCHDOG=1")


def on_poll_error(exc: TelegramError) -> None:
    # PTB's default logs a traceback for every failed long poll; on a rural link one line.
    log.warning("getUpdates failed", extra={"error": _reason(exc)})
