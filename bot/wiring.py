"""The wiring: build the kernel, install every feature, assemble the Telegram Application.

This is the one module of `bot/` that sees every side (the domain, the chat surface,
storage); the import-linter contracts in pyproject.toml hold the rest apart.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import signal
import sqlite3
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.config import LANGUAGES, Settings
from bot.core.access import Access, Actor
from bot.core.errors import StartupError
from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine, FormSpec
from bot.forms.kinds import Env
from bot.gazetteer import Gazetteer, GazetteerError, use_file
from bot.health import HEARTBEAT_JOB, Heartbeat, heartbeat_interval, record
from bot.i18n import CatalogsNotCompiled, Tr, check_compiled, translator
from bot.rules.early_warning import SEVERITY_PATH, SeverityFileError, SignalConfig
from bot.rules.privacy import HoldsPersonalData, PrivacyRules
from bot.rules.users import sole_reporter_places
from bot.sdnotify import notify
from handlers.admin.feature import FEATURE as ADMIN
from handlers.assessments.feature import FEATURE as ASSESSMENTS
from handlers.common.feature import FEATURE as COMMON
from handlers.dashboard.feature import FEATURE as DASHBOARD
from handlers.dashboard.media import telegram_media
from handlers.digests.feature import FEATURE as DIGESTS
from handlers.dossier.feature import FEATURE as DOSSIER
from handlers.early_warning.feature import FEATURE as EARLY_WARNING
from handlers.exports.feature import FEATURE as EXPORTS
from handlers.forms.feature import FEATURE as FORMS
from handlers.groups.feature import FEATURE as GROUPS
from handlers.incidents.feature import FEATURE as INCIDENTS
from handlers.media.feature import FEATURE as MEDIA
from handlers.needs.feature import FEATURE as NEEDS
from handlers.places.feature import FEATURE as PLACES
from handlers.plumbing import errors
from handlers.plumbing.context import AppContext, BotData
from handlers.plumbing.context import AyilApp as AyilApp  # what tests and the sandbox type against
from handlers.plumbing.feature import Feature, Surface
from handlers.plumbing.guards import admit, flood_gate
from handlers.plumbing.http import AiohttpRequest
from handlers.plumbing.install import install, schedule
from handlers.plumbing.lifecycle import beat, long_poll_seconds, on_poll_error, reach_telegram
from handlers.plumbing.media import TelegramMediaFetcher
from handlers.plumbing.menu import on_menu_button
from handlers.plumbing.notify import TelegramNotifier
from handlers.plumbing.processor import PerChatUpdateProcessor
from handlers.plumbing.ratelimit import NotificationRateLimiter
from handlers.plumbing.render import answer_stale
from handlers.plumbing.watch import WatchedRequest
from handlers.plumbing.webhook import webhook_route
from handlers.practices.feature import FEATURE as PRACTICES
from handlers.review.feature import FEATURE as REVIEW
from handlers.stats.feature import FEATURE as STATS
from storage.db import Database, SchemaMismatch
from web.app import dashboard_app
from web.media import first_of, stored_media
from web.server import serve as serve_web

log = logging.getLogger(__name__)

# Every feature, in the order of Telegram's command list and /help (the menu has its own
# positions). Rules are built in this order, so a feature comes after those it uses; hooks
# into later ones go in its `connect`. A new feature is its folder and one line here.
FEATURES: tuple[Feature, ...] = (
    COMMON,
    FORMS,
    ADMIN,
    INCIDENTS,
    REVIEW,
    EARLY_WARNING,
    NEEDS,
    ASSESSMENTS,
    PRACTICES,
    GROUPS,
    DIGESTS,
    STATS,
    EXPORTS,
    DOSSIER,
    PLACES,
    DASHBOARD,
    MEDIA,  # after every feature that stores files: its eraser sees theirs done
)


@runtime_checkable
class HasForms(Protocol):
    """Rules that declare forms (the engine runs them)."""

    def specs(self) -> Mapping[str, FormSpec]: ...


async def build_kernel(
    settings: Settings, app: AyilApp, clock: Clock, features: tuple[Feature, ...] = FEATURES
) -> Kernel:
    """Open the database, build the kernel and every feature's rules; called from post_init."""
    # Data files first: an error in them must not leave the database open behind it (#21).
    gazetteer = Gazetteer.default()
    SignalConfig.load(settings.severity_path or SEVERITY_PATH)
    db = await Database.open(settings.db_path, replicated=settings.replica_url is not None)
    try:
        return _assemble(settings, app, clock, features, db, gazetteer)
    except BaseException:
        await db.close()
        raise


def _assemble(
    settings: Settings,
    app: AyilApp,
    clock: Clock,
    features: tuple[Feature, ...],
    db: Database,
    gazetteer: Gazetteer,
) -> Kernel:
    kernel = Kernel(
        settings=settings,
        db=db,
        clock=clock,
        gazetteer=gazetteer,
        access=Access(gazetteer),
        notifier=TelegramNotifier(app.bot, app.bot_data.surface),
        media=TelegramMediaFetcher(app.bot),
        bot_username=app.bot.username,
    )

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(
            tr=tr,
            user=actor.user,
            gazetteer=gazetteer,
            today=clock.now().astimezone(settings.zone).date(),
            context=context,
            alone_in=sole_reporter_places(actor),
            backup_days=settings.backup_keep,
        )

    engine = kernel.add(FormEngine(db, {}, env_for=env_for, clock=clock.now))
    for feature in features:
        for build in feature.rules:
            part = kernel.add(build(kernel))
            if isinstance(part, HasForms):
                engine.specs.update(part.specs())
            if isinstance(part, HoldsPersonalData):
                kernel.get(PrivacyRules).register(
                    feature.name, export=part.export_personal, erase=part.erase_personal
                )
    for feature in features:
        if feature.connect is not None:
            feature.connect(kernel)
    return kernel


# Measured in `make bench`: with Python's default thresholds the cyclic collector ran about
# once every five updates and took 18% of the CPU of a /help (PTB builds many objects per
# update); the objects built at start-up never need scanning again.
GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    """Freeze what start-up built and collect cycles less often; for the bot's own process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def add_handlers(app: AyilApp, features: tuple[Feature, ...] = FEATURES) -> Surface:
    """Every handler, in order; the only place that adds them (through `install`)."""
    # Group -1 resolves the actor (floods were dropped earlier, by the processor's gate).
    first = ((-1, TypeHandler(Update, admit)),)
    surface = install(app, features, first=first)
    app.add_handler(CallbackQueryHandler(on_menu_button, pattern=r"^m:"))
    for feature in features:
        for handler in feature.fallbacks:
            app.add_handler(handler)
    # Any other button: from an old message or a version that no longer exists.
    app.add_handler(CallbackQueryHandler(answer_stale))
    app.add_error_handler(errors.on_error)
    return surface


ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def webhook_secret(token: str) -> str:
    """Telegram sends this header with every webhook call; others cannot forge updates."""
    return hashlib.sha256(f"ayilbot-webhook:{token}".encode()).hexdigest()[:48]


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    clock: Clock | None = None,
    on_poll: Callable[[], None] | None = None,
) -> AyilApp:
    """The Application for a token, talking to `settings.telegram_api_base_url`.

    `on_poll` is called after each successful getUpdates (the heartbeat of `ayilbot run`).
    """
    check_compiled()
    clock = clock or Clock()
    bot_token = token or settings.token
    if bot_token is None:
        raise ValueError("no token: set TELEGRAM_BOT_TOKEN, or run the sandbox")

    async def post_init(app: AyilApp) -> None:
        kernel = await build_kernel(settings, app, clock)
        app.bot_data.kernel = kernel
        schedule(app, kernel, app.bot_data.surface.jobs)
        await publish_commands(app, settings)

    async def post_shutdown(app: AyilApp) -> None:
        if app.bot_data.ready:
            await app.bot_data.kernel.db.close()

    poll_request: BaseRequest = AiohttpRequest(connection_pool_size=1)
    if on_poll is not None:
        poll_request = WatchedRequest(poll_request, on_poll)
    context_types = ContextTypes(context=AppContext, bot_data=BotData)
    processor = PerChatUpdateProcessor(settings.concurrency)
    app: AyilApp = (
        ApplicationBuilder()
        .token(bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.base_file_url)
        .context_types(context_types)
        .concurrent_updates(processor)
        .rate_limiter(NotificationRateLimiter(max_retries=3))
        # Twice the update concurrency: a handler may send while an alert goes out.
        .request(AiohttpRequest(connection_pool_size=2 * settings.concurrency, pool_timeout=5.0))
        .get_updates_request(poll_request)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    processor.gate = flood_gate(app)
    app.bot_data.surface = add_handlers(app)
    return app


async def publish_commands(app: AyilApp, settings: Settings) -> None:
    """Telegram's command menu in each language; a failure here must not stop the bot."""
    listed = [c for c in app.bot_data.surface.commands if c.description and not c.in_groups]
    try:
        for language in LANGUAGES:
            tr = translator(language)
            commands = [BotCommand(c.name, tr.label(c.description or "")) for c in listed]
            await app.bot.set_my_commands(commands, language_code=language)
            if language == settings.default_language:
                await app.bot.set_my_commands(commands)
    except TelegramError as exc:
        log.warning("could not publish the command menu: %s", type(exc).__name__)


def dashboard(app: AyilApp) -> web.Application:
    """The dashboard's web application over the bot's kernel (issue #20).

    Photos and voice notes come from the media store; one still waiting for its download is
    fetched through Telegram's getFile.
    """
    kernel = app.bot_data.kernel
    return dashboard_app(kernel, first_of(stored_media(kernel), telegram_media(app.bot)))


def add_webhook(site: web.Application, app: AyilApp, path: str, secret: str) -> None:
    """Telegram's webhook as a route of the dashboard's server: one server, one port."""
    site.router.add_post("/" + path, webhook_route(app, secret))


async def initialize_application(app: AyilApp) -> None:
    """initialize() plus post_init, which PTB runs only inside run_polling/run_webhook."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)


async def shutdown_application(app: AyilApp) -> None:
    """shutdown() plus post_shutdown, the counterpart of `initialize_application`."""
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


# ---------------------------------------------------------------------- `ayilbot run`
# Check data and database, reach Telegram with backoff, serve until stopped. A fatal start-up
# error (a broken data file, a database that cannot be opened, Telegram still unreachable after
# AYILBOT_STARTUP_RETRY_SECONDS) ends the process with status 1 and one line on stderr naming
# what to fix, so a service manager sees a failed unit, not an "active" process with nothing
# behind it. The dashboard (#20) is served by this process: beside polling on AYILBOT_WEB_HOST
# and AYILBOT_WEB_PORT, and with a webhook on the webhook's own server and port.


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
        await record(app.bot_data.kernel.db, row)
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
                error_callback=on_poll_error,
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
