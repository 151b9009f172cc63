"""JobQueue registrations: APScheduler only wakes the services, whose state lives in SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.context import AppContext

HOUSEKEEPING_EVERY = timedelta(hours=1)


async def housekeeping(context: AppContext) -> None:
    """Drop old redelivery keys and submitted-draft receipts."""
    await context.services.forms.housekeeping()


def register_jobs(app: Application[Any, AppContext, Any, Any, Any, Any]) -> None:
    """Every repeating job; features add theirs here."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        housekeeping, interval=HOUSEKEEPING_EVERY, first=60, name="housekeeping"
    )
