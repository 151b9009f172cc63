"""JobQueue registrations: APScheduler only wakes the services, whose state lives in SQLite."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import AppContext
from bot.services.backups import scheduled_backup

HOUSEKEEPING_EVERY = timedelta(hours=1)


async def housekeeping(context: AppContext) -> None:
    """Drop old redelivery keys and submitted-draft receipts."""
    await context.services.forms.housekeeping()


async def daily_backup(context: AppContext) -> None:
    """A snapshot in AYILBOT_BACKUP_DIR, keeping AYILBOT_BACKUP_KEEP of them."""
    services = context.services
    folder = services.settings.backup_dir
    if folder is not None:
        await scheduled_backup(
            services.db, folder, now=services.clock.now(), keep=services.settings.backup_keep
        )


def register_jobs(app: Application[Any, AppContext, Any, Any, Any, Any]) -> None:
    """Every repeating job; features add theirs here."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        housekeeping, interval=HOUSEKEEPING_EVERY, first=60, name="housekeeping"
    )
    zone = app.bot_data.services.settings.zone
    app.job_queue.run_daily(daily_backup, time=time(3, 30, tzinfo=zone), name="daily-backup")
