"""`make bench`: ayilbot against a bare PTB echo bot on the same local server, in the same run.

Prints the tables and writes bench/RESULTS.md. `--quick` runs smaller loads (for a try-out;
the recorded results come from a full run).
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

from bench import dashboard, digests, early_warning
from bench.load import (
    BotProcess,
    Result,
    resident_mb,
    run_incident_forms,
    run_people,
    say,
)
from bench.seed import seed_people
from bot.localapi import LocalBotApi

HERE = Path(__file__).resolve().parent
BASELINE = "echo (PTB, concurrent_updates=32)"


async def interactive(rtt_ms: float, people: int, rounds: int, tmp: Path) -> list[Result]:
    """One load level: the echo bot, then ayilbot's /help and the whole incident form."""
    results = []
    server = LocalBotApi(latency_ms=rtt_ms, record_calls=False)
    await server.start()
    try:
        echo = BotProcess("echo", server.base_url, "32")
        await echo.ready()
        users = [server.user(10_000 + i, f"P{i}", language_code="ru") for i in range(people)]
        script = [say(f"hello {i}") for i in range(rounds)]
        results.append(await run_people(server, echo, BASELINE, users, script))
        echo.stop()
        db = tmp / f"bench-{rtt_ms:.0f}-{people}.db"
        await seed_people(db, range(20_000, 20_000 + people))
        bot = BotProcess("ayilbot", server.base_url, str(db))
        await bot.ready()
        registered = [server.user(20_000 + i, f"R{i}", language_code="ru") for i in range(people)]
        results.append(
            await run_people(server, bot, "ayilbot /help", registered, [say("/help")] * rounds)
        )
        results.append(await run_incident_forms(server, bot, "ayilbot incident form", registered))
        bot.stop()
    finally:
        await server.stop()
    return results


async def memory(tmp: Path, users: int, forms: int) -> tuple[float, float]:
    """Resident memory of the bot idle with `users` registered, then with `forms` in progress."""
    server = LocalBotApi(record_calls=False)
    await server.start()
    db = tmp / "memory.db"
    await seed_people(db, range(50_000, 50_000 + users))
    bot = BotProcess("ayilbot", server.base_url, str(db))
    await bot.ready()
    try:
        idle = resident_mb(bot.proc.pid)
        people = [server.user(50_000 + i, f"M{i}", language_code="ru") for i in range(forms)]
        for who in people:
            await server.send_text(who, "/report")
        questions = [await server.next_message(who, timeout=120) for who in people]
        for who, question in zip(people, questions, strict=True):
            await server.press_button(who, index=0, message=question)  # a draft with answers
        for who in people:
            await server.next_message(who, timeout=120)
        busy = resident_mb(bot.proc.pid)
    finally:
        bot.stop()
        await server.stop()
    return idle, busy


def interactive_table(rows: Sequence[tuple[float, Result, Result]]) -> str:
    """Markdown table; × echo is updates/s against the echo bot of the same load."""
    lines = [
        "| scenario | people | RTT | updates/s | × echo | p50 | p95 | p99 | CPU ms/update "
        "| 429s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rtt, result, baseline in rows:
        ratio = result.per_second / baseline.per_second if baseline.per_second else 0
        lines.append(
            f"| {result.name} | {result.people} | {rtt:.0f} ms | {result.per_second:.0f} | "
            f"{ratio:.2f} | {result.p50 * 1000:.0f} ms | {result.percentile(95) * 1000:.0f} ms "
            f"| {result.percentile(99) * 1000:.0f} ms | {result.cpu_ms_per_update:.2f} | "
            f"{result.rejected} |"
        )
    return "\n".join(lines)


def cpu_ticks() -> tuple[int, int]:
    """(all, stolen) CPU ticks of the machine so far: a shared host takes some (`steal`)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]), fields[7]


async def main(quick: bool, only: Sequence[tuple[float, int]] = ()) -> str:
    """Every table; with `only`, just the interactive one at those (RTT, people) levels."""
    levels = [(0.0, 100), (80.0, 100)] if quick else [(0.0, 100), (80.0, 100), (80.0, 500)]
    levels = list(only) or levels
    rounds = 5 if quick else 10
    sections: list[str] = []
    rows: list[tuple[float, Result, Result]] = []
    with tempfile.TemporaryDirectory() as tmp:
        all_before, stolen_before = cpu_ticks()
        for rtt, people in levels:
            results = await interactive(rtt, people, rounds, Path(tmp))
            rows.extend((rtt, r, results[0]) for r in results)
        all_after, stolen_after = cpu_ticks()
        stolen = (stolen_after - stolen_before) / max(all_after - all_before, 1)
        sections.append(
            "## Interactive: people talking to the bot\n\n"
            + interactive_table(rows)
            + f"\n\nCPU time the host took from this machine meanwhile (steal): {stolen:.0%}."
        )
        print(sections[-1], flush=True)
        if only:
            return sections[-1]
        idle, busy = await memory(Path(tmp), 1_000 if quick else 10_000, 100 if quick else 1_000)
        sections.append(
            "## Memory\n\n| state | resident memory |\n|---|---|\n"
            f"| {'1,000' if quick else '10,000'} people registered, idle | {idle:.0f} MB |\n"
            f"| and {'100' if quick else '1,000'} incident forms in progress | {busy:.0f} MB |"
        )
    reports = 100_000 if quick else 1_000_000
    builds = []
    for size in (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000):
        data_s, full_s = await digests.build_time(size)
        builds.append(f"| {size:,} | {data_s * 1000:.0f} ms | {full_s * 1000:.0f} ms |")
    sections.append(
        "## Building one coordinator digest (oblast scope)\n\n"
        "| reports stored | data (SQL, every section) | whole digest with chart and heat table |\n"
        "|---|---|---|\n" + "\n".join(builds)
    )
    rate, sent, rejected = await digests.fanout(300 if quick else 1_000, 80)
    sections.append(
        "## Fan-out at 80 ms per call, local server in strict mode\n\n"
        "| digests sent | messages/s | Telegram's ceiling | 429s |\n|---|---|---|---|\n"
        f"| {sent:,} | {rate:.1f} | 30 | {rejected} |"
    )
    warning = []
    for label, days in (
        ("over 3 years", early_warning.REALISTIC_DAYS),
        ("all in 9 weeks (worst case)", early_warning.WORST_DAYS),
    ):
        seconds = await early_warning.run(reports, days=days)
        warning.append(f"| {reports:,} reports {label} | {seconds * 1000:.0f} ms |")
    sections.append(
        "## Early warning: every place's signal\n\n| data | time |\n|---|---|\n"
        + "\n".join(warning)
    )
    sections.append(await dashboard.run(10_000 if quick else dashboard.ROWS, 20 if quick else 40))
    return "\n\n".join(sections)


def write_results(text: str) -> None:
    """Keep the run in bench/RESULTS.md with the machine it ran on."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    path = HERE / "RESULTS.md"
    # `python -m bench.against` is run apart (it checks out another commit): its section stays.
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    start = current.find("\n## Against ")
    end = current.find("\n## ", start + 1) if start != -1 else -1
    kept = "" if start == -1 else current[start : end if end != -1 else None].rstrip("\n")
    path.write_text(
        f"# Benchmark results\n\nRun {stamp} on {machine} with `make bench`.\n\n"
        "Interactive: each person sends one message at a time and waits for the bot's answer. "
        "The bots run in their own process against the local Bot API server, which adds the "
        "RTT to every call; the load generator shares the two cores. × echo is updates/s "
        "against the bare PTB echo bot of the same load, measured in the same run.\n\n"
        + text
        + "\n"
        + (kept + "\n" if kept else "")
    )


def write_section(text: str, command: str = "python -m bench --dashboard") -> None:
    """Put one section (`--dashboard`, `bench.against`) into bench/RESULTS.md, replacing its
    last run: the section whose title starts with the same two words."""
    path = HERE / "RESULTS.md"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    title, _, body = text.partition("\n")
    section = f"{title}\n\nRun {stamp} with `{command}`.\n{body}"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = current.find(" ".join(title.split()[:2]))
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    else:
        end = current.find("\n## ", start + 1)
        updated = current[:start] + section + ("\n" + current[end:] if end != -1 else "\n")
    path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller loads, not recorded")
    parser.add_argument(
        "--level",
        action="append",
        default=[],
        metavar="RTT_MS:PEOPLE",
        help="only the interactive table at this level (repeatable), not recorded",
    )
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="only the dashboard over 100,000 reports; its section of RESULTS.md is replaced",
    )
    args = parser.parse_args()
    if args.dashboard:
        section = asyncio.run(dashboard.run(dashboard.ROWS, 40))
        print(section)
        write_section(section)
        raise SystemExit(0)
    only = [(float(rtt), int(people)) for rtt, people in (lv.split(":") for lv in args.level)]
    report = asyncio.run(main(args.quick, only))
    print(report)
    if not args.quick and not only:
        write_results(report)
