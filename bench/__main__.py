"""`make bench`: ayilbot against a bare PTB echo bot on the same local server, same run.

Prints a table and writes bench/RESULTS.md. `--quick` runs a smaller load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.load import Action, BotProcess, Result, press, run_people, say
from bench.seed import seed_people
from bot.localapi import LocalBotApi

HERE = Path(__file__).resolve().parent
BASELINE = "echo (PTB, concurrent_updates=32)"


def onboarding_script() -> list[Action]:
    """The whole onboarding form: language, role, oblast, rayon, aiyl aimak, privacy."""
    return [
        say("/start"),
        press("Русский"),
        press(index=0),
        press("Баткенская область"),
        press("Баткенский район"),
        press("Ак-Сай"),
        press(index=0),
    ]


async def measure(rtt_ms: float, people: int, rounds: int, tmp: Path) -> list[Result]:
    """One load level: the echo bot, then ayilbot's /help and a whole form."""
    results = []
    server = LocalBotApi(latency_ms=rtt_ms, record_calls=False)
    await server.start()
    try:
        echo = BotProcess("echo", server.base_url, "32")
        await echo.ready()
        users = [server.user(10_000 + i, f"P{i}", language_code="ru") for i in range(people)]
        results.append(
            await run_people(
                server, echo, BASELINE, users, [say(f"hello {i}") for i in range(rounds)]
            )
        )
        echo.stop()
        await server.wait_idle(timeout=30)
        db = tmp / f"bench-{rtt_ms}-{people}.db"
        await seed_people(db, range(20_000, 20_000 + people))
        bot = BotProcess("ayilbot", server.base_url, str(db))
        await bot.ready()
        registered = [server.user(20_000 + i, f"R{i}", language_code="ru") for i in range(people)]
        results.append(
            await run_people(server, bot, "ayilbot /help", registered, [say("/help")] * rounds)
        )
        newcomers = [server.user(40_000 + i, f"N{i}", language_code="ru") for i in range(people)]
        results.append(
            await run_people(
                server, bot, "ayilbot onboarding form", newcomers, onboarding_script()
            )
        )
        bot.stop()
    finally:
        await server.stop()
    return results


def table(rows: Sequence[tuple[float, Result, Result]]) -> str:
    """Markdown table; the ratio is updates/s against the echo bot of the same load."""
    head = (
        "| scenario | people | RTT | updates/s | × echo | p50 | p95 | p99 | CPU ms/update "
        "| 429s |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for rtt, result, baseline in rows:
        ratio = result.per_second / baseline.per_second if baseline.per_second else 0
        lines.append(
            f"| {result.name} | {result.people} | {rtt:.0f} ms | {result.per_second:.0f} | "
            f"{ratio:.2f} | {result.p50 * 1000:.0f} ms | {result.percentile(95) * 1000:.0f} ms "
            f"| {result.percentile(99) * 1000:.0f} ms | {result.cpu_ms_per_update:.2f} | "
            f"{result.rejected} |"
        )
    return "\n".join(lines)


async def main(quick: bool) -> str:
    levels = [(0.0, 100), (80.0, 100)] if quick else [(0.0, 100), (80.0, 100), (80.0, 500)]
    rounds = 5 if quick else 10
    rows: list[tuple[float, Result, Result]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for rtt, people in levels:
            results = await measure(rtt, people, rounds, Path(tmp))
            rows.extend((rtt, r, results[0]) for r in results)
    return table(rows)


def write_results(text: str) -> None:
    """Keep the run in bench/RESULTS.md with the machine it ran on."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    (HERE / "RESULTS.md").write_text(
        f"# Benchmark results\n\nRun {stamp} on {machine} with `make bench`.\n\n"
        "Each person sends the script one step at a time and waits for the bot's answer; "
        "the bots run in their own process against the local Bot API server, which adds the "
        "RTT to every call. × echo is updates/s against the bare PTB echo bot of the same "
        "load, measured in the same run.\n\n" + text + "\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="a smaller load")
    args = parser.parse_args()
    report = asyncio.run(main(args.quick))
    print(report)
    write_results(report)
