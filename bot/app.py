"""Wiring: build the Application, its services and every handler, in order."""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.config import LANGUAGES, Settings
from bot.context import AppContext, BotData, Services
from bot.forms.engine import FormEngine, FormSpec
from bot.forms.incident import (
    INCIDENT,
    REPORT_UPDATE,
    REPORTER_ANSWER,
    REVIEW_DUPLICATE,
    REVIEW_QUESTION,
    REVIEW_REJECT,
)
from bot.forms.kinds import Env
from bot.forms.onboarding import LANGUAGE, ONBOARDING
from bot.gazetteer import Gazetteer
from bot.health import WatchedRequest
from bot.http import AiohttpRequest
from bot.i18n import Tr, check_compiled, translator
from bot.menu import COMMANDS
from bot.processor import PerChatUpdateProcessor
from bot.ratelimit import NotificationRateLimiter
from bot.scheduling import register_jobs
from bot.services.access import Access, Actor
from bot.services.assessments import AssessmentService
from bot.services.digests import DigestService
from bot.services.early_warning import (
    SEVERITY_PATH,
    EarlyWarningSection,
    EarlyWarningService,
    SignalConfig,
)
from bot.services.exports import ExportService
from bot.services.flood import FloodGuard
from bot.services.groups import INVITE_PREFIX, GroupService
from bot.services.incidents import IncidentService
from bot.services.needs import NeedService
from bot.services.practices import PracticeService
from bot.services.privacy import PrivacyService
from bot.services.recommendations import RecommendationService
from bot.services.stats import StatsService
from bot.services.users import UserService
from handlers import (
    admin,
    assessments,
    common,
    coordinator,
    digests,
    early_warning,
    errors,
    forms,
    groups,
    incidents,
    menu,
    needs,
    practices,
    review,
)
from handlers.notify import TelegramNotifier
from storage.db import Database

log = logging.getLogger(__name__)
AyilApp = Application[Any, AppContext, dict[Any, Any], dict[Any, Any], BotData, Any]
PRIVATE = filters.ChatType.PRIVATE


async def build_services(settings: Settings, app: AyilApp, clock: Clock) -> Services:
    """Open the database and build every service; called from post_init."""
    # Data files first: an error in them must not leave the database's threads running,
    # which kept the process alive after a failed start (#21).
    gazetteer = Gazetteer.default()
    signal_config = SignalConfig.load(settings.severity_path or SEVERITY_PATH)
    db = await Database.open(settings.db_path, replicated=settings.replica_url is not None)
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
    reports = IncidentService(db, settings, clock, gazetteer, access, users, notifier)
    specs["incident"] = FormSpec(INCIDENT, reports.submit_report)
    specs["incident_update"] = FormSpec(REPORT_UPDATE, reports.submit_update)
    specs["incident_question"] = FormSpec(REVIEW_QUESTION, reports.submit_question)
    specs["incident_answer"] = FormSpec(REPORTER_ANSWER, reports.submit_answer)
    specs["incident_duplicate"] = FormSpec(REVIEW_DUPLICATE, reports.submit_duplicate)
    specs["incident_reject"] = FormSpec(REVIEW_REJECT, reports.submit_reject)
    privacy.register("incidents", export=reports.export_personal, erase=reports.erase_personal)
    # Women's needs, programmes, election results (#10) and rapid assessments.
    need_service = NeedService(db, clock, access, gazetteer, engine, notifier)
    specs.update(need_service.specs())
    privacy.register("needs", export=need_service.export, erase=need_service.erase)
    assessment_service = AssessmentService(db, clock, access, gazetteer, engine)
    specs.update(assessment_service.specs())
    privacy.register(
        "assessments", export=assessment_service.export, erase=assessment_service.erase
    )
    # Practices, peer groups and compiled recommendations (#4).
    group_service = GroupService(
        db, clock, access, gazetteer, notifier, engine, bot_username=app.bot.username
    )
    practice_service = PracticeService(
        db, settings, clock, access, gazetteer, notifier, engine, users
    )
    specs.update(practice_service.specs() | group_service.specs())
    # A newcomer who opened a group's link is offered to join once registered.
    specs["onboarding"] = FormSpec(
        ONBOARDING, group_service.join_after_onboarding(specs["onboarding"].submit)
    )
    privacy.register(
        "practices", export=practice_service.export_personal, erase=practice_service.erase_personal
    )
    privacy.register(
        "groups", export=group_service.export_personal, erase=group_service.erase_personal
    )
    # Weekly digests (#5): sections of other features are added with `digests.add_section`.
    digest_service = DigestService(
        db, settings, clock, gazetteer, access, users, group_service, need_service, notifier
    )
    privacy.register(
        "digests", export=digest_service.export_personal, erase=digest_service.erase_personal
    )
    # Early warning (#11): checked after each new or updated report, daily, and in digests.
    warning_service = EarlyWarningService(
        db, settings, clock, gazetteer, access, users, notifier, config=signal_config
    )
    reports.on_incident_changed.append(warning_service.on_incident_changed)
    digest_service.add_section(EarlyWarningSection(warning_service), before="review")
    privacy.register(
        "early_warning",
        export=warning_service.export_personal,
        erase=warning_service.erase_personal,
    )
    # Coordinator tools (#6): exports and /stats, scoped by `access`.
    exports = ExportService(db, settings, clock, gazetteer, access, need_service)
    stats = StatsService(db, settings, clock, gazetteer, exports, need_service)
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
        incidents=reports,
        needs=need_service,
        assessments=assessment_service,
        practices=practice_service,
        groups=group_service,
        recommendations=RecommendationService(db, clock, access, gazetteer, settings.zone),
        digests=digest_service,
        early_warning=warning_service,
        exports=exports,
        stats=stats,
    )


# Measured in `make bench`: with Python's default thresholds the cyclic collector ran about
# once every five updates and took 18% of the CPU of a /help (PTB builds many objects per
# update); the objects built at start-up never need scanning again.
GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    """Freeze what start-up built and collect cycles less often; for the bot's own process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def add_handlers(app: AyilApp) -> None:
    """Every handler, in order; the only place that calls add_handler."""
    # Group -2 drops floods before anything reads the database; -1 resolves the actor once.
    app.add_handler(TypeHandler(Update, common.guard_flood), group=-2)
    app.add_handler(TypeHandler(Update, common.resolve_actor), group=-1)
    group_chat = ~PRIVATE
    # Before the catch-all for commands in group chats: /linkgroup is meant to be sent there.
    app.add_handler(CommandHandler("linkgroup", groups.on_linkgroup, filters=group_chat))
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
    app.add_handler(CommandHandler("report", incidents.on_report, filters=PRIVATE))
    app.add_handler(CommandHandler("myreports", incidents.on_my_reports, filters=PRIVATE))
    app.add_handler(CommandHandler("review", review.on_review, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(incidents.on_my_reports, pattern=r"^inc:l:\d+$"))
    app.add_handler(CallbackQueryHandler(incidents.on_my_report, pattern=r"^inc:m:\d+$"))
    app.add_handler(CallbackQueryHandler(incidents.on_add_news, pattern=r"^inc:u:\d+$"))
    app.add_handler(CallbackQueryHandler(incidents.on_followup, pattern=r"^inc:f:\d+:\w$"))
    app.add_handler(CallbackQueryHandler(incidents.on_reply, pattern=r"^inc:a:\d+$"))
    app.add_handler(CallbackQueryHandler(incidents.on_media, pattern=r"^inc:p:\d+$"))
    app.add_handler(CallbackQueryHandler(review.on_open, pattern=r"^inc:o:\d+$"))
    app.add_handler(CallbackQueryHandler(review.on_next, pattern=r"^inc:n:\d+$"))
    app.add_handler(CallbackQueryHandler(review.on_verify, pattern=r"^inc:v:\d+$"))
    app.add_handler(CallbackQueryHandler(review.on_duplicate_of, pattern=r"^inc:D:\d+:\d+$"))
    app.add_handler(CallbackQueryHandler(review.on_review_form, pattern=r"^inc:[qdr]:\d+$"))
    # Women's needs, programmes, election results and rapid assessments (#10).
    app.add_handler(CommandHandler("need", needs.on_need, filters=PRIVATE))
    app.add_handler(CommandHandler("myneeds", needs.on_myneeds, filters=PRIVATE))
    app.add_handler(CommandHandler("programme", needs.on_programme, filters=PRIVATE))
    app.add_handler(CommandHandler("election", needs.on_election, filters=PRIVATE))
    app.add_handler(CommandHandler("needs", needs.on_needs_overview, filters=PRIVATE))
    app.add_handler(CommandHandler("results", needs.on_results, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(needs.on_need_button, pattern=r"^nd:"))
    app.add_handler(CommandHandler("assessment", assessments.on_assessment, filters=PRIVATE))
    app.add_handler(CommandHandler("compare", assessments.on_compare, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(assessments.on_assessment_button, pattern=r"^as:"))
    # Practices, peer groups and recommendations (#4); `/start g_<code>` joins a group.
    common.START_ROUTES[INVITE_PREFIX] = groups.on_group_link
    app.add_handler(CommandHandler("practice", practices.on_practice, filters=PRIVATE))
    app.add_handler(CommandHandler("practices", practices.on_practices, filters=PRIVATE))
    app.add_handler(CommandHandler("search", practices.on_search, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(practices.on_button, pattern=r"^pr:"))
    app.add_handler(CommandHandler("newgroup", groups.on_newgroup, filters=PRIVATE))
    app.add_handler(CommandHandler("groups", groups.on_groups, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(groups.on_button, pattern=r"^grp:"))
    # Weekly digests (#5): a preview, settings and their buttons.
    app.add_handler(CommandHandler("digest", digests.on_digest, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(digests.on_button, pattern=r"^dg:"))
    # Early warning (#11): the watch list, a place's weeks and its reports.
    app.add_handler(CommandHandler("watch", early_warning.on_watch, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(early_warning.on_watch, pattern=r"^ew:w$"))
    app.add_handler(CallbackQueryHandler(early_warning.on_place, pattern=r"^ew:p:[A-Z0-9-]+$"))
    app.add_handler(CallbackQueryHandler(early_warning.on_reports, pattern=r"^ew:r:[A-Z0-9-]+$"))
    # Coordinator tools (#6): exports and statistics.
    app.add_handler(CommandHandler("export", coordinator.on_export, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(coordinator.on_export_button, pattern=r"^exp:"))
    app.add_handler(CommandHandler("stats", coordinator.on_stats, filters=PRIVATE))
    app.add_handler(ChatMemberHandler(common.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, common.on_unknown_command))
    # Last: anything typed in private goes to the open form.
    app.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, forms.on_form_input))
    app.add_handler(CallbackQueryHandler(menu.on_stale_button))
    app.add_error_handler(errors.on_error)


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
        app.bot_data.services = await build_services(settings, app, clock)
        register_jobs(app)
        await publish_commands(app, settings)

    async def post_shutdown(app: AyilApp) -> None:
        if app.bot_data.built:  # post_init may have failed before building them
            await app.bot_data.services.db.close()

    poll_request: BaseRequest = AiohttpRequest(connection_pool_size=1)
    if on_poll is not None:
        poll_request = WatchedRequest(poll_request, on_poll)
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
        .get_updates_request(poll_request)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    add_handlers(app)
    return app


async def publish_commands(app: AyilApp, settings: Settings) -> None:
    """Telegram's command menu in each language; a failure here must not stop the bot."""
    try:
        for language in LANGUAGES:
            tr = translator(language)
            commands = [BotCommand(name, tr.label(text)) for name, text in COMMANDS]
            await app.bot.set_my_commands(commands, language_code=language)
            if language == settings.default_language:
                await app.bot.set_my_commands(commands)
    except TelegramError as exc:
        log.warning("could not publish the command menu: %s", type(exc).__name__)


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
