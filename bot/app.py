"""Wiring: build the Application, its services and every handler, in order."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.clock import Clock
from bot.config import LANGUAGES, Settings
from bot.context import AppContext, BotData, Services
from bot.forms.engine import FormEngine, FormSpec
from bot.forms.kinds import Env
from bot.forms.onboarding import LANGUAGE, ONBOARDING
from bot.gazetteer import Gazetteer
from bot.http import AiohttpRequest
from bot.i18n import Tr, check_compiled, translator
from bot.menu import COMMANDS
from bot.processor import PerChatUpdateProcessor
from bot.ratelimit import NotificationRateLimiter
from bot.scheduling import register_jobs
from bot.services.access import Access, Actor
from bot.services.flood import FloodGuard
from bot.services.privacy import PrivacyService
from bot.services.users import UserService
from handlers import admin, common, errors, forms, menu
from handlers.notify import TelegramNotifier
from storage.db import Database

log = logging.getLogger(__name__)
AyilApp = Application[Any, AppContext, dict[Any, Any], dict[Any, Any], BotData, Any]
PRIVATE = filters.ChatType.PRIVATE


async def build_services(settings: Settings, app: AyilApp, clock: Clock) -> Services:
    """Open the database and build every service; called from post_init."""
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    access = Access(gazetteer)
    notifier = TelegramNotifier(app.bot)
    users = UserService(db, settings, clock, gazetteer, access)
    privacy = PrivacyService(db, clock)
    specs: dict[str, FormSpec] = {
        "onboarding": FormSpec(ONBOARDING, users.submit_onboarding),
        "language": FormSpec(LANGUAGE, users.submit_language),
    }

    def env_for(tr: Tr, actor: Actor, context: Any) -> Env:
        return Env(
            tr=tr,
            user=actor.user,
            gazetteer=gazetteer,
            today=clock.now().astimezone(settings.zone).date(),
            context=context,
        )

    engine = FormEngine(db, specs, env_for=env_for, clock=clock.now)
    # Features: each builds its service, adds its forms to `specs` and its personal data
    # to `privacy`, and is passed to Services below.
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        gazetteer=gazetteer,
        access=access,
        users=users,
        privacy=privacy,
        forms=engine,
        notifier=notifier,
        flood=FloodGuard(settings.flood_limit_per_minute),
    )


def add_handlers(app: AyilApp) -> None:
    """Every handler, in order; the only place that calls add_handler."""
    # Group -2 drops floods before anything reads the database; -1 resolves the actor once.
    app.add_handler(TypeHandler(Update, common.guard_flood), group=-2)
    app.add_handler(TypeHandler(Update, common.resolve_actor), group=-1)
    group_chat = ~PRIVATE
    app.add_handler(MessageHandler(group_chat & filters.COMMAND, common.on_group_start))
    app.add_handler(CommandHandler("start", common.on_start, filters=PRIVATE))
    app.add_handler(CommandHandler("menu", common.on_menu, filters=PRIVATE))
    app.add_handler(CommandHandler("help", common.on_help, filters=PRIVATE))
    app.add_handler(CommandHandler("language", common.on_language, filters=PRIVATE))
    app.add_handler(CommandHandler("cancel", common.on_cancel, filters=PRIVATE))
    app.add_handler(CommandHandler("mydata", common.on_mydata, filters=PRIVATE))
    app.add_handler(CommandHandler("deleteme", common.on_deleteme, filters=PRIVATE))
    app.add_handler(CommandHandler("invite", admin.on_invite, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(forms.on_form_button, pattern=r"^f:"))
    app.add_handler(CallbackQueryHandler(menu.on_menu_button, pattern=r"^m:"))
    app.add_handler(CallbackQueryHandler(common.on_deleteme_button, pattern=r"^del:"))
    # Last: anything typed in private goes to the open form.
    app.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, forms.on_form_input))
    app.add_handler(CallbackQueryHandler(menu.on_stale_button))
    app.add_error_handler(errors.on_error)


ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def webhook_secret(token: str) -> str:
    """Telegram sends this header with every webhook call; others cannot forge updates."""
    return hashlib.sha256(f"ayilbot-webhook:{token}".encode()).hexdigest()[:48]


def build_application(
    settings: Settings, *, token: str | None = None, clock: Clock | None = None
) -> AyilApp:
    """The Application for a token, talking to `settings.telegram_api_base_url`."""
    check_compiled()
    clock = clock or Clock()
    bot_token = token or settings.token
    if bot_token is None:
        raise ValueError("no token: set TELEGRAM_BOT_TOKEN, or run the sandbox")

    async def post_init(app: AyilApp) -> None:
        app.bot_data.services = await build_services(settings, app, clock)
        register_jobs(app)
        for language in LANGUAGES:
            tr = translator(language)
            commands = [BotCommand(name, tr.label(text)) for name, text in COMMANDS]
            default = language == settings.default_language
            await app.bot.set_my_commands(commands, language_code=language)
            if default:
                await app.bot.set_my_commands(commands)

    async def post_shutdown(app: AyilApp) -> None:
        await app.bot_data.services.db.close()

    context_types = ContextTypes(context=AppContext, bot_data=BotData)
    app: AyilApp = (
        ApplicationBuilder()
        .token(bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.base_file_url)
        .context_types(context_types)
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrency))
        .rate_limiter(NotificationRateLimiter(max_retries=3))
        # Twice the update concurrency: a handler may send while an alert goes out.
        .request(AiohttpRequest(connection_pool_size=2 * settings.concurrency, pool_timeout=5.0))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    add_handlers(app)
    return app


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
