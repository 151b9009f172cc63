"""`python -m bench.against REV`: the interactive table of this tree against an earlier commit.

Each side runs its own `python -m bench --level ...` (its own bot, its own driver for its own
form) from its own checkout, with this venv, taking turns: old, new, old, new. Turns share the
machine's moment, so a noisy neighbour hits both; the median of the turns is reported, and the
ratio new/old of updates/s and of CPU per update says whether this change costs anything.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bench.__main__ import write_section

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("ayilbot /help", "ayilbot incident form")
# Columns of the interactive table: scenario, people, RTT, updates/s, × echo, p50, p95, p99,
# CPU ms/update, 429s.
UPDATES, TIMES_ECHO, P95, CPU = 3, 4, 6, 8


def table_rows(output: str) -> dict[tuple[str, str], list[str]]:
    """The interactive table's rows, by (scenario, people)."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[0] in SCENARIOS:
            rows[(cells[0], cells[1])] = cells
    return rows


def number(cell: str) -> float:
    return float(cell.split()[0])


def run_side(tree: Path, levels: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    args = [sys.executable, "-m", "bench"] + [f"--level={level}" for level in levels]
    done = subprocess.run(args, cwd=tree, capture_output=True, text=True, check=True)
    return table_rows(done.stdout)


def checkout(rev: str, into: Path) -> None:
    """A detached worktree of `rev` with its catalogs compiled (they are not in git)."""
    subprocess.run(["git", "worktree", "add", "--detach", str(into), rev], cwd=ROOT, check=True)
    for po in (into / "bot" / "locales").glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as source:
            catalog = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


def compare(rev: str, levels: Sequence[str], turns: int) -> str:
    short = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    here = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    seen: dict[str, dict[tuple[str, str], list[list[str]]]] = {
        "old": defaultdict(list),
        "new": defaultdict(list),
    }
    with tempfile.TemporaryDirectory(prefix="ayilbot-against-") as tmp:
        old_tree = Path(tmp) / "old"
        checkout(rev, old_tree)
        try:
            for turn in range(turns):
                for side, tree in (("old", old_tree), ("new", ROOT)):
                    print(f"turn {turn + 1}/{turns}: {side}", file=sys.stderr, flush=True)
                    for key, cells in run_side(tree, levels).items():
                        seen[side][key].append(cells)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT)
    lines = [
        f"## Against {short}",
        "",
        f"{here} (new, with uncommitted changes if any) against {short} (old): each side "
        f"its own bot and its own driver for its own forms, {turns} turns each, alternating; "
        "medians of the turns.",
        "",
        "| scenario | people | RTT | updates/s old → new | × echo old → new | p95 old → new "
        "| CPU ms/update old → new | new/old updates/s | new/old CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(seen["new"], key=lambda k: (int(k[1]), k[0])):
        if key not in seen["old"]:
            continue

        def median(side: str, column: int, key: tuple[str, str] = key) -> float:
            return statistics.median(number(cells[column]) for cells in seen[side][key])

        rtt = seen["new"][key][0][2]
        updates = (median("old", UPDATES), median("new", UPDATES))
        echo = (median("old", TIMES_ECHO), median("new", TIMES_ECHO))
        p95 = (median("old", P95), median("new", P95))
        cpu = (median("old", CPU), median("new", CPU))
        lines.append(
            f"| {key[0]} | {key[1]} | {rtt} | {updates[0]:.0f} → {updates[1]:.0f} "
            f"| {echo[0]:.2f} → {echo[1]:.2f} | {p95[0]:.0f} → {p95[1]:.0f} ms "
            f"| {cpu[0]:.2f} → {cpu[1]:.2f} | {updates[1] / updates[0]:.2f} "
            f"| {cpu[1] / cpu[0]:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.against")
    parser.add_argument("rev", help="the commit to compare against, e.g. the last release")
    parser.add_argument(
        "--level", action="append", default=[], metavar="RTT_MS:PEOPLE", help="repeatable"
    )
    parser.add_argument("--turns", type=int, default=2, help="runs of each side, alternating")
    parser.add_argument(
        "--record", action="store_true", help="replace the 'Against' section of RESULTS.md"
    )
    args = parser.parse_args()
    levels = args.level or ["80:100", "80:500"]
    section = compare(args.rev, levels, args.turns)
    print(section)
    if args.record:
        flags = " ".join(f"--level {level}" for level in levels)
        write_section(section, f"python -m bench.against {args.rev} {flags} --turns {args.turns}")
