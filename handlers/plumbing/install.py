"""Installing features into the Application: every add_handler, in one order, in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.core.errors import StaleButton
from bot.core.kernel import Kernel
from handlers.plumbing.context import AppContext
from handlers.plumbing.feature import (
    AtStart,
    Buttons,
    Daily,
    Every,
    Feature,
    Handler,
    Job,
    Surface,
)

PRIVATE = filters.ChatType.PRIVATE
AnyApp = Application[Any, AppContext, Any, Any, Any, Any]


def surface_of(features: Sequence[Feature]) -> Surface:
    """Collect the features' commands, menu entries, deep links, screens and jobs."""
    surface = Surface()
    for feature in features:
        surface.commands.extend(feature.commands)
        surface.menu.extend(feature.menu)
        surface.deep_links.update(feature.deep_links)
        _merge(surface.notices, feature.notices)
        _merge(surface.digest_sections, feature.digest_sections)
        surface.jobs.extend(feature.jobs)
    for feature in features:
        if feature.composite_notices is not None:
            _merge(surface.notices, feature.composite_notices(surface))
    surface.menu.sort(key=lambda e: e.position)
    names = [c.name for c in surface.commands]
    if len(names) != len(set(names)):
        raise ValueError(f"a command is declared twice: {names}")
    return surface


def _merge(drawn: dict[type, Any], more: Mapping[type, Any]) -> None:
    """Add a feature's screens by record type; one record has one screen."""
    for kind, screen in more.items():
        if kind in drawn:
            raise ValueError(f"two features draw {kind.__name__}")
        drawn[kind] = screen


def dispatcher(buttons: Buttons) -> Handler:
    """One callback for a feature's prefix: decode with its codec, run the value's handler."""

    async def on_button(update: Update, context: AppContext) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        if buttons.requires is not None:
            context.kernel.access.require(context.actor, buttons.requires)
        value = buttons.codec.decode(query.data)  # StaleButton for anything it never wrote
        await buttons.routes[type(value)](update, context, value)

    return on_button


def install(app: AnyApp, features: Sequence[Feature], *, first: Sequence[Any]) -> Surface:
    """Add every feature's handlers to `app`, after `first` (flood guard, actor), in order."""
    surface = surface_of(features)
    for group, handler in first:
        app.add_handler(handler, group=group)
    # Commands meant for group chats first (/linkgroup), then the catch-all for the others.
    for command in surface.commands:
        if command.in_groups:
            app.add_handler(CommandHandler(command.name, command.run, filters=~PRIVATE))
    for feature in features:
        for handler in feature.extra:
            app.add_handler(handler)
    for command in surface.commands:
        if not command.in_groups:
            app.add_handler(CommandHandler(command.name, command.run, filters=PRIVATE))
    for feature in features:
        if feature.buttons is not None:
            pattern = f"^{feature.buttons.codec.prefix}:"
            app.add_handler(CallbackQueryHandler(dispatcher(feature.buttons), pattern=pattern))
    return surface


def schedule(app: AnyApp, kernel: Kernel, jobs: Sequence[Job]) -> None:
    """Register the features' jobs on PTB's JobQueue; each wakes a rule with the kernel."""
    assert app.job_queue is not None
    zone = kernel.settings.zone
    for job in jobs:

        async def run(context: AppContext, job: Job = job) -> None:
            await job.run(context.kernel)

        if isinstance(job.when, Daily):
            app.job_queue.run_daily(run, time=job.when.at.replace(tzinfo=zone), name=job.name)
        elif isinstance(job.when, Every):
            first = job.when.first
            delay = first if isinstance(first, timedelta) else first(datetime.now(UTC), zone)
            app.job_queue.run_repeating(
                run, interval=job.when.interval, first=delay, name=job.name
            )
        elif isinstance(job.when, AtStart):
            app.job_queue.run_once(run, when=0, name=job.name)


def stale(_: Exception | None = None) -> None:
    """Raise the one "this button is no longer active" refusal."""
    raise StaleButton
