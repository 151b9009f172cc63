"""JobQueue registrations: APScheduler only wakes the services, whose state lives in SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import AppContext
from bot.replication import copy_folders_offsite
from bot.services.backups import scheduled_backup
from bot.services.digests import DIGEST_TICK, first_tick_delay
from bot.services.retention import purge_old_media

HOUSEKEEPING_EVERY = timedelta(hours=1)


async def housekeeping(context: AppContext) -> None:
    """Drop old redelivery keys and submitted-draft receipts."""
    await context.services.forms.housekeeping()


async def daily_backup(context: AppContext) -> None:
    """A snapshot in AYILBOT_BACKUP_DIR (keeping AYILBOT_BACKUP_KEEP), folders copied off-site."""
    services = context.services
    folder = services.settings.backup_dir
    if folder is not None:
        await scheduled_backup(
            services.db, folder, now=services.clock.now(), keep=services.settings.backup_keep
        )
    # The database itself goes off the machine continuously (`ayilbot replicate`).
    await copy_folders_offsite(services.settings)


async def incident_followups(context: AppContext) -> None:
    """Ask reporters, once, about open reports with no news for a week."""
    services = context.services
    await services.incidents.send_followups(services.clock.now())


async def need_reminders(context: AppContext) -> None:
    """Ask about open needs; the once-a-month-at-most rule lives in SQLite."""
    services = context.services
    await services.needs.send_reminders(services.clock.now())


async def digest_tick(context: AppContext) -> None:
    """Send the weekly digests whose time came since the last tick; run at start-up too."""
    services = context.services
    await services.digests.run_due(services.clock.now())


async def early_warning_check(context: AppContext) -> None:
    """Daily: alert coordinators of places rising in tension (once per place per week)."""
    services = context.services
    await services.early_warning.check(now=services.clock.now())


async def media_retention(context: AppContext) -> None:
    """Forget photo and voice file ids older than AYILBOT_MEDIA_RETENTION_DAYS (0: never)."""
    services = context.services
    await purge_old_media(
        services.db, now=services.clock.now(), days=services.settings.media_retention_days
    )


def register_jobs(app: Application[Any, AppContext, Any, Any, Any, Any]) -> None:
    """Every repeating job; features add theirs here."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        housekeeping, interval=HOUSEKEEPING_EVERY, first=60, name="housekeeping"
    )
    zone = app.bot_data.services.settings.zone
    app.job_queue.run_daily(daily_backup, time=time(3, 30, tzinfo=zone), name="daily-backup")
    app.job_queue.run_daily(
        incident_followups, time=time(10, 0, tzinfo=zone), name="incident-followups"
    )
    app.job_queue.run_daily(need_reminders, time=time(10, 30, tzinfo=zone), name="need-reminders")
    app.job_queue.run_daily(
        early_warning_check, time=time(8, 0, tzinfo=zone), name="early-warning"
    )
    app.job_queue.run_daily(media_retention, time=time(4, 0, tzinfo=zone), name="media-retention")
    # Digests: a tick at each full hour sends what fell due, reading the schedules from SQLite
    # (a change applies without a restart); the tick at start-up catches up missed periods.
    app.job_queue.run_repeating(
        digest_tick,
        interval=DIGEST_TICK,
        first=first_tick_delay(datetime.now(UTC), zone),
        name="digest-tick",
    )
    app.job_queue.run_once(digest_tick, when=0, name="digest-catch-up")
