"""A bot in its own process, so its CPU time is measured apart from the load generator.

python -m bench.botproc echo URL CONCURRENCY
python -m bench.botproc ayilbot URL DB_PATH

`BENCH_PROFILE=/tmp/prof python -m bench --level 80:500` profiles the bot process of each level
(read it with `python -m pstats /tmp/prof.<ms>`).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.config import Settings
from bot.localapi.server import LocalBotApi
from bot.wiring import build_application, initialize_application, shutdown_application, tune_gc

TOKEN = LocalBotApi().token


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The baseline: answer every message with its own text."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def echo_app(base_url: str, concurrency: int) -> Application:  # type: ignore[type-arg]
    """A bare python-telegram-bot echo bot, as PTB's examples write it."""
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot"))
        .concurrent_updates(concurrency)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def serve(kind: str, base_url: str, extra: str) -> None:
    """Poll until SIGTERM; print `ready` once polling runs."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if kind == "echo":
        app = echo_app(base_url, int(extra))
        await app.initialize()
    else:
        values: dict[str, Any] = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "AYILBOT_DB": Path(extra),
            "AYILBOT_FLOOD_LIMIT": 100_000,
        }
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        app = build_application(settings)
        await initialize_application(app)
        tune_gc()  # as `ayilbot run` does
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    print("ready", flush=True)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    if kind == "echo":
        await app.shutdown()
    else:
        await shutdown_application(app)


def main(kind: str, base_url: str, extra: str) -> None:
    """Serve; with BENCH_PROFILE=PATH, write a cProfile of the bot to PATH.<ms> when it stops."""
    out = os.environ.get("BENCH_PROFILE")
    if not out or kind == "echo":
        asyncio.run(serve(kind, base_url, extra))
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        asyncio.run(serve(kind, base_url, extra))
    finally:
        profile.disable()
        profile.dump_stats(f"{out}.{time.time_ns() // 1_000_000}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
