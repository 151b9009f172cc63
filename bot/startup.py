"""`ayilbot run`: check data and database, reach Telegram with backoff, serve until stopped.

A fatal start-up error (a broken data file, a database that cannot be opened, Telegram still
unreachable after AYILBOT_STARTUP_RETRY_SECONDS) ends the process with status 1 and one line
on stderr naming what to fix, so a service manager sees a failed unit, not an "active" process
with nothing behind it. PTB's `run_polling` is not used: it ran post_init inside its own
loop, and when that failed the database it had opened kept the process alive (#21); here every
step is awaited in one place and everything opened is closed on the way out.

The dashboard (#20) is served by this process: beside polling on AYILBOT_WEB_HOST and
AYILBOT_WEB_PORT, and with a webhook on the webhook's own server and port.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.gazetteer import Gazetteer, GazetteerError, use_file
from bot.health import HEARTBEAT_JOB, Heartbeat, heartbeat_interval
from bot.i18n import CatalogsNotCompiled, check_compiled
from bot.rules.early_warning import SEVERITY_PATH, SeverityFileError, SignalConfig
from bot.sdnotify import notify
from bot.wiring import (
    ALLOWED_UPDATES,
    AyilApp,
    add_webhook,
    build_application,
    dashboard,
    tune_gc,
    webhook_secret,
)
from storage.db import Database, SchemaMismatch
from storage.health import JobRun, record_beat
from web.server import serve as serve_web

log = logging.getLogger(__name__)

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 60.0
LONG_POLL_S = 10


class StartupError(Exception):
    """A fatal start-up problem; the message is the one line to print."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates and where this process listens for them."""

    url: str
    listen: str
    port: int

    @property
    def path(self) -> str:
        """The URL's path, which a reverse proxy passes on unchanged."""
        return urlsplit(self.url).path.strip("/")


def check_data(settings: Settings) -> None:
    """Load the gazetteer, the severity weights and the catalogs; StartupError names the file."""
    use_file(settings.gazetteer_path)
    try:
        Gazetteer.default()
        SignalConfig.load(settings.severity_path or SEVERITY_PATH)
        check_compiled()
    except (GazetteerError, SeverityFileError, CatalogsNotCompiled) as exc:
        raise StartupError(str(exc)) from None
    except OSError as exc:  # an AYILBOT_GAZETTEER that does not exist or cannot be read
        raise StartupError(f"{exc.filename}: {exc.strerror}") from None


async def prepare_database(settings: Settings) -> None:
    """Open the database once (migrating it, after a backup) and close it again."""
    try:
        db = await Database.open(settings.db_path, replicated=settings.replica_url is not None)
    except SchemaMismatch as exc:
        raise StartupError(f"{settings.db_path}: {exc}") from None
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(f"AYILBOT_DB={settings.db_path}: {exc}") from None
    await db.close()


def _host(app: AyilApp) -> str:
    return urlsplit(app.bot.base_url).netloc or "?"


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _reason(exc: Exception) -> str:
    text = getattr(exc, "message", "") or str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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
    deadline = clock() + within
    pause = FIRST_PAUSE_S
    attempt = 0
    while True:
        attempt += 1
        try:
            await app.initialize()
            return True
        except InvalidToken:
            # Never its message: PTB puts the token in it.
            raise StartupError(
                f"{_host(app)} refused TELEGRAM_BOT_TOKEN (401 or 404): check the token "
                "and TELEGRAM_API_BASE_URL"
            ) from None
        except RetryAfter as exc:
            reason, wait = _reason(exc), max(pause, _seconds(exc.retry_after))
        except NetworkError as exc:  # refused, DNS, timeouts, 5xx: worth another try
            reason, wait = _reason(exc), pause
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
        try:
            await asyncio.wait_for(stop.wait(), wait)
        except TimeoutError:
            pause = min(pause * 2, LONGEST_PAUSE_S)
            continue
        return False


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
    jobs = [JobRun(name=job.name or "?", next_run=job.next_t) for job in queue.jobs()]
    row = heartbeat.snapshot(jobs, scheduler_running=bool(queue.scheduler.running))
    await app.bot_data.kernel.db.write(lambda conn: record_beat(conn, row))
    notify("WATCHDOG=1")


def _on_poll_error(exc: TelegramError) -> None:
    # PTB's default logs a traceback for every failed long poll; on a rural link one line.
    log.warning("getUpdates failed", extra={"error": _reason(exc)})


async def serve(settings: Settings, webhook: Webhook | None, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set; StartupError for a fatal problem at start."""
    await prepare_database(settings)
    heartbeat = Heartbeat(mode="webhook" if webhook else "polling", clock=Clock())
    app = build_application(settings, on_poll=heartbeat.telegram_ok)
    try:
        reached = await reach_telegram(app, within=settings.startup_retry_seconds, stop=stop)
    except BaseException:
        await app.bot.shutdown()  # the HTTP sessions the attempts opened
        raise
    if not reached:
        await app.bot.shutdown()
        return
    try:
        await _run(app, settings, webhook, heartbeat, stop)
    finally:
        notify("STOPPING=1")
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await _last_beat(app, heartbeat)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
    log.info("stopped")


async def _last_beat(app: AyilApp, heartbeat: Heartbeat) -> None:
    """Say in the heartbeat row that the bot stopped, so health fails at once (best effort:
    a stop is never held up by it)."""
    if not app.bot_data.ready:
        return
    try:
        row = heartbeat.stopped()
        await app.bot_data.kernel.db.write(lambda conn: record_beat(conn, row))
    except Exception as exc:  # a full disk, a read-only file: the stop goes on
        log.warning("could not record the stop in the heartbeat", extra={"error": str(exc)})


async def _run(
    app: AyilApp,
    settings: Settings,
    webhook: Webhook | None,
    heartbeat: Heartbeat,
    stop: asyncio.Event,
) -> None:
    assert app.post_init is not None and app.job_queue is not None and app.updater is not None
    await app.post_init(app)  # services, jobs, the command menu
    queue = app.job_queue

    def ready() -> None:
        notify("READY=1")
        log.info("ready", extra={"mode": heartbeat.mode})
        queue.run_once(beat, 0, data=heartbeat, name=f"{HEARTBEAT_JOB}-now")

    heartbeat.on_first_ok.append(ready)
    queue.run_repeating(
        beat, interval=heartbeat_interval(settings), first=1, data=heartbeat, name=HEARTBEAT_JOB
    )
    tune_gc()
    await app.start()
    try:
        site = dashboard(app)
    except ValueError as exc:  # a tile URL that cannot go into the CSP
        raise StartupError(f"AYILBOT_TILE_URL: {exc}") from None
    runner: web.AppRunner | None = None
    try:
        if webhook is None:
            if settings.web_port:
                runner = await listen(site, settings.web_host, settings.web_port, "AYILBOT_WEB")
            await app.updater.start_polling(
                allowed_updates=ALLOWED_UPDATES,
                error_callback=_on_poll_error,
                timeout=long_poll_seconds(settings),
            )
        else:
            # Telegram's updates and the dashboard on one server and port (README, "Webhooks,
            # the dashboard and a reverse proxy").
            assert settings.token is not None
            secret = webhook_secret(settings.token)
            add_webhook(site, app, webhook.path, secret)
            runner = await listen(site, webhook.listen, webhook.port, "--listen/--port")
            await app.bot.set_webhook(
                url=webhook.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            heartbeat.telegram_ok()  # setWebhook succeeded
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()


async def listen(site: web.Application, host: str, port: int, setting: str) -> web.AppRunner:
    """Serve the web application; StartupError naming the setting when the address is taken."""
    try:
        runner = await serve_web(site, host, port)
    except OSError as exc:
        raise StartupError(f"{setting}: cannot listen on {host}:{port}: {exc.strerror}") from None
    log.info("dashboard listening", extra={"address": f"{host}:{port}"})
    return runner


def run(settings: Settings, webhook: Webhook | None = None) -> int:
    """`ayilbot run` with a token: 0 after a stop signal, 1 after a fatal start-up error."""
    try:
        check_data(settings)
        asyncio.run(_main(settings, webhook))
    except StartupError as exc:
        print(f"ayilbot: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


async def _main(settings: Settings, webhook: Webhook | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, webhook, stop)
