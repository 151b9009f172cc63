"""`ayilbot digest --now [--recipient ID]`: send this week's digest by hand, with progress."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.config import Settings

BAR_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The digest command's options."""
    parser.add_argument(
        "--now", action="store_true", help="send this week's digest now (counts as its delivery)"
    )
    parser.add_argument(
        "--recipient",
        metavar="ID",
        help="only this person (a Telegram user id) or group (group:ID)",
    )


def parse_recipient(text: str | None) -> tuple[int | None, int | None]:
    """(user id, group id) from `--recipient`; ValueError when it is neither."""
    if text is None:
        return None, None
    if text.lower().startswith("group:") and text[6:].isdigit():
        return None, int(text[6:])
    if text.lstrip("-").isdigit():
        return int(text), None
    raise ValueError(f"--recipient must be a user id or group:ID, not {text!r}")


class ProgressBar:
    """A one-line `\\r` bar on the terminal: `[#####.....] 120/200`."""

    def __init__(self, stream: TextIO, width: int = BAR_WIDTH) -> None:
        self.stream = stream
        self.width = width
        self.shown = False

    def update(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


async def run_digest(
    settings: Settings, args: argparse.Namespace, *, stream: TextIO | None = None
) -> int:
    """Send the digest of the current period through the bot; exit code 0 when done."""
    # Imported here so that other commands do not load the application and matplotlib.
    from bot.rules.digests import DigestRules
    from bot.wiring import build_application, initialize_application, shutdown_application

    if not args.now:
        print("ayilbot digest: nothing to do; use --now", file=sys.stderr)
        return 2
    try:
        user, group = parse_recipient(args.recipient)
    except ValueError as exc:
        print(f"ayilbot digest: {exc}", file=sys.stderr)
        return 2
    if settings.token is None:
        print("ayilbot digest: TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    out = stream or sys.stderr
    app = build_application(settings)
    await initialize_application(app)
    bar = ProgressBar(out)
    try:
        services = app.bot_data.kernel
        report = await services.get(DigestRules).run_now(
            services.clock.now(), user=user, group=group, progress=bar.update
        )
    finally:
        bar.close()
        await shutdown_application(app)
    results = ", ".join(f"{name}: {count}" for name, count in sorted(report.results.items()))
    print(f"digests: {report.total} recipients; {results or 'nothing to send'}", file=out)
    return 0
