"""The early-warning signal over a million reports: generate them, time every place's flags.

    python -m bench.early_warning [--rows 1000000]

Reports go into a temporary SQLite file with the real migrations, in one executemany; the
timing covers `EarlyWarningRules.flags()`: the aggregate SQL over every aiyl aimak and
resource, the rayon baselines and the Poisson tests. Two spreads are measured: reports over
three years (the realistic case: the SQL still reads every row of the index) and every
report inside the signal's nine weeks (the worst case: every row is aggregated).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Access
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.forms.incident import EVENT_TYPES, RESOURCES
from bot.gazetteer import Gazetteer
from bot.rules.early_warning import EarlyWarningRules
from storage.db import Database

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)  # NOW in Asia/Bishkek
REALISTIC_DAYS = 3 * 365
WORST_DAYS = 63  # this week and the 8 before: every report counts
BATCH = 50_000
REPEATS = 3
# How often each kind of event is reported: small disputes far more than clashes.
EVENT_SHARES = {
    "tension": 35,
    "verbal_dispute": 25,
    "blockade": 8,
    "protest": 6,
    "physical_clash": 6,
    "property_damage": 8,
    "agreement": 12,
}
_COLUMNS = (
    "draft_id, form_id, form_version, reporter_id, reporter_pseudonym, reporter_role,"
    " anonymous, received_at, event_date, date_precision, resource, event_type,"
    " sub_event_type, actor1_type, crowd_size, fatalities, injuries, admin1, admin2, admin3,"
    " geo_precision, border, source, source_scale, urgent, status, review_status,"
    " last_update_at"
)


class _NoNotifier:
    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.SENT


def _rows(count: int, days: int, seed: int = 11) -> Iterator[tuple[Any, ...]]:
    """Reports in event-date order, as the bot receives them, spread over `days` days."""
    gazetteer = Gazetteer.default()
    aimaks = gazetteer.by_level("aiyl_aimak")
    chains = {p.code: [a.code for a in reversed(gazetteer.ancestors(p.code))] for p in aimaks}
    resources = [o.value for o in RESOURCES]
    events = list(EVENT_SHARES)
    shares = list(EVENT_SHARES.values())
    rng = random.Random(seed)
    for i in range(count):
        day = TODAY - timedelta(days=days - 1 - i * days // count)
        received = f"{day.isoformat()}T08:00:00+00:00"
        place = rng.choice(aimaks).code
        oblast, rayon, aimak = chains[place]
        event = rng.choices(events, shares)[0]
        hurt = event in ("physical_clash", "property_damage")
        yield (
            f"bench-{i}",
            "incident",
            1,
            100 + i % 500,
            f"P-{i % 500}",
            "leader",
            int(rng.random() < 0.2),
            received,
            day.isoformat(),
            1,
            rng.choice(resources),
            EVENT_TYPES[event],
            event,
            "farmers",
            "under_10",
            int(hurt and rng.random() < 0.05),
            rng.randint(0, 3) if hurt and rng.random() < 0.3 else 0,
            oblast,
            rayon,
            aimak,
            3,
            "no",
            "witness",
            "local",
            int(hurt),
            "resolved" if rng.random() < 0.4 else "open",
            rng.choices(("pending", "verified", "rejected", "duplicate"), (30, 60, 5, 5))[0],
            received,
        )


def fill(path: Path, rows: int, days: int) -> None:
    """Insert the reports with executemany; indexes are rebuilt once, after the rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'"
            " AND sql IS NOT NULL"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        marks = ", ".join("?" for _ in _COLUMNS.split(","))
        sql = f"INSERT INTO incidents ({_COLUMNS}) VALUES ({marks})"
        batch: list[tuple[Any, ...]] = []
        for row in _rows(rows, days):
            batch.append(row)
            if len(batch) == BATCH:
                conn.executemany(sql, batch)
                batch.clear()
        conn.executemany(sql, batch)
        for _, create in indexes:
            conn.execute(create)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


async def run(rows: int, *, days: int = REALISTIC_DAYS) -> float:
    """Seconds to compute every place's flags over `rows` reports (the best of 3 runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "early-warning.db"
        await (await Database.open(path)).close()  # the real schema, every migration
        fill(path, rows, days)
        settings = Settings(_env_file=None, AYILBOT_DB=path)  # type: ignore[call-arg]
        db = await Database.open(path)
        try:
            clock = FrozenClock(NOW)
            gazetteer = Gazetteer.default()
            kernel = Kernel(settings, db, clock, gazetteer, Access(gazetteer), _NoNotifier())
            service = EarlyWarningRules(kernel)
            best = float("inf")
            for _ in range(REPEATS):
                started = time.perf_counter()
                await service.flags(now=NOW)
                best = min(best, time.perf_counter() - started)
        finally:
            await db.close()
    return best


async def main(rows: int) -> str:
    lines = []
    for label, days in (("over 3 years", REALISTIC_DAYS), ("all in 9 weeks", WORST_DAYS)):
        seconds = await run(rows, days=days)
        lines.append(
            f"early warning, every place: {rows:,} reports {label}: {seconds * 1000:.0f} ms"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.early_warning")
    parser.add_argument("--rows", type=int, default=1_000_000, help="reports to generate")
    args = parser.parse_args()
    print(asyncio.run(main(args.rows)))
