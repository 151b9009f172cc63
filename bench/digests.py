"""Digest benchmarks: building one coordinator digest over many reports, and a fan-out.

python -m bench.digests
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.early_warning import NOW, REALISTIC_DAYS, fill
from bench.seed import seed_group, seed_people
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Reach, Scope
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.rules.digests import CoordinatorDigest, DigestRules, period_for
from bot.wiring import build_application, initialize_application, shutdown_application
from handlers.digests import screens
from storage.db import Database

REPEATS = 3


def settings_for(path: Path, base_url: str = "http://127.0.0.1:9/bot") -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": LocalBotApi().token,
        "TELEGRAM_API_BASE_URL": base_url,
        "AYILBOT_DB": path,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def build_time(reports: int) -> tuple[float, float]:
    """(data, whole digest) seconds for one oblast coordinator (best of 3 each).

    The data is the digest record with every section's (the early warning's included); the
    whole digest adds drawing it with the chart and the heat table.
    """
    server = LocalBotApi(record_calls=False)
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digest.db"
        await (await Database.open(path)).close()
        await asyncio.to_thread(fill, path, reports, REALISTIC_DAYS)
        await seed_people(path, [7001])
        clock = FrozenClock(NOW)
        app = build_application(settings_for(path, server.base_url), clock=clock)
        await initialize_application(app)
        try:
            services = app.bot_data.kernel
            user = await services.actors.of_user(7001)
            scopes = (Scope("place", "BA"),)
            coordinator = replace(
                user, coordinator_scopes=scopes, reach=Reach.of(scopes, services.gazetteer)
            )
            period = period_for(NOW, services.settings.zone)
            digests = services.get(DigestRules)
            sections = app.bot_data.surface.digest_sections
            tr = translator(coordinator.locale)

            async def build() -> CoordinatorDigest:
                return await digests.coordinator_digest(coordinator, period)

            screens.coordinator_digest(await build(), tr, sections=sections)  # imports, caches
            data = whole = float("inf")
            for _ in range(REPEATS):
                started = time.perf_counter()
                await build()
                data = min(data, time.perf_counter() - started)
                started = time.perf_counter()
                screens.coordinator_digest(await build(), tr, sections=sections)
                whole = min(whole, time.perf_counter() - started)
        finally:
            await shutdown_application(app)
            await server.stop()
    return data, whole


async def fanout(recipients: int, rtt_ms: float) -> tuple[float, int, int]:
    """(messages/s, messages sent, 429s) for one group digest to `recipients` members."""
    server = LocalBotApi(latency_ms=rtt_ms, strict_limits=True, record_calls=False)
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fanout.db"
        members = range(60_000, 60_000 + recipients)
        await seed_people(path, members)
        group_id = await seed_group(path, members)
        for member in members:
            server.user(member, f"M{member}", language_code="ru")
        clock = FrozenClock(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
        app = build_application(settings_for(path, server.base_url), clock=clock)
        await initialize_application(app)
        try:
            services = app.bot_data.kernel
            before = server.sent_count("sendMessage")
            started = time.perf_counter()
            report = await services.get(DigestRules).run_now(clock.now(), group=group_id)
            seconds = time.perf_counter() - started
            sent = server.sent_count("sendMessage") - before
            assert report.total == recipients, report
        finally:
            await shutdown_application(app)
            await server.stop()
    return sent / seconds, sent, server.too_many_requests


async def main() -> None:
    for reports in (10_000, 100_000, 1_000_000):
        data, spent = await build_time(reports)
        counts, whole = f"{data * 1000:.0f} ms", f"{spent * 1000:.0f} ms"
        print(f"digest over {reports:,} reports: data {counts}, whole {whole}")
    rate, sent, rejected = await fanout(1_000, 80)
    print(f"fan-out of {sent} digests at 80 ms: {rate:.1f} messages/s, {rejected} 429s")


if __name__ == "__main__":
    asyncio.run(main())
