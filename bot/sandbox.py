"""`ayilbot sandbox`: the local Bot API server, the bot and a terminal chat, no token needed.

Bot messages are printed with numbered buttons; type a number to press one. Commands:
/loc LAT LON shares a location, /photo PATH, /voice PATH and /doc PATH send files,
/as ID [LANG] plays another person, /quit leaves. Anything else is sent as text.

The dashboard runs too (AYILBOT_WEB_PORT, 8080 unless set; 0 for none): a one-time link that
signs in as the sandbox person is printed at start, /dashboard gives more, and its Mini App
button prints the address Telegram would open, with initData signed by the local server.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from aiohttp.web import AppRunner

from bot.config import Settings
from bot.localapi import BotMessage, FakeUser, LocalBotApi
from bot.logs import configure as configure_logs
from bot.rules.dashboard import DashboardRules
from bot.wiring import (
    AyilApp,
    build_application,
    dashboard,
    initialize_application,
    shutdown_application,
)
from web.server import serve as serve_web

SANDBOX_USER = 1
HELP = (
    "ayilbot sandbox: you are chatting with the bot as user {user}. Type a number to press a "
    "button; /loc LAT LON, /photo PATH, /voice PATH, /doc PATH send things; /as ID [ky|ru|en] "
    "plays another person; /quit leaves. The log is in {log}. Send /start to begin."
)


@dataclass
class Terminal:
    """The chat as shown in the terminal."""

    server: LocalBotApi
    user: FakeUser
    out: TextIO = field(default_factory=lambda: sys.stdout)
    last_buttons: list[tuple[str, str | None]] = field(default_factory=list)
    last_message: BotMessage | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    def show(self, message: BotMessage) -> None:
        """Print a bot message as plain text with numbered buttons."""
        mark = "(edited) " if message.edited else ""
        body = message.plain_text or message.text or ""
        if message.kind in ("document", "photo", "voice"):
            body = f"[{message.kind}: {message.filename or ''}] {body}".strip()
        print(f"\nbot> {mark}{body}", file=self.out)
        if message.flat_buttons:
            self.last_buttons = message.flat_buttons
            self.last_message = message
            for i, (label, _) in enumerate(message.flat_buttons, start=1):
                print(f"  [{i}] {label}", file=self.out)
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Carry out one typed line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line.isdigit() and self.last_buttons:
            index = int(line) - 1
            if not 0 <= index < len(self.last_buttons):
                print(f"  no button {line}", file=self.out)
                return True
            label, target = self.last_buttons[index]
            mini_app = self.last_message.web_app_url(label) if self.last_message else None
            if mini_app is not None:
                # What Telegram would open: the Mini App with initData signed for this person.
                signed = quote(self.server.web_app_init_data(self.user), safe="")
                print(f"  (the Mini App: {mini_app}#tgWebAppData={signed})", file=self.out)
                return True
            if target is not None and target.startswith("http"):
                print(f"  (a link: {target})", file=self.out)
                return True
            await self.server.press_button(self.user, index=index, message=self.last_message)
            return True
        words = shlex.split(line) if line.startswith("/") else []
        command = words[0] if words else ""
        try:
            if command == "/loc" and len(words) == 3:
                await self.server.send_location(self.user, float(words[1]), float(words[2]))
            elif command in ("/photo", "/voice", "/doc") and len(words) == 2:
                await self._send_file(command, Path(words[1]))
            elif command == "/as" and len(words) in (2, 3) and words[1].isdigit():
                language = words[2] if len(words) == 3 else "ky"
                self.user = self.server.user(
                    int(words[1]), f"User {words[1]}", language_code=language
                )
                print(f"  now playing user {words[1]}", file=self.out)
            else:
                await self.server.send_text(self.user, line)
        except (OSError, ValueError) as exc:
            print(f"  {exc}", file=self.out)
        return True

    async def _send_file(self, command: str, path: Path) -> None:
        data = await asyncio.to_thread(path.read_bytes)
        if command == "/photo":
            await self.server.send_photo(self.user, data)
        elif command == "/voice":
            await self.server.send_voice(self.user, data)
        else:
            await self.server.send_document(self.user, data, path.name)

    async def pump(self) -> None:
        """Print whatever the bot sends to the person being played."""
        while True:
            try:
                message = await self.server.next_message(self.user, timeout=0.2)
            except AssertionError:
                continue
            self.show(message)
            self.answered.set()

    async def wait_for_answer(self, timeout: float = 3.0) -> None:
        """Typed lines wait for the bot's answer, so piped input reads like a conversation."""
        try:
            await asyncio.wait_for(self.answered.wait(), timeout)
        except TimeoutError:
            return
        await asyncio.sleep(0.1)  # a screen may come in two messages (text, then a file)


def _read_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Read stdin in a daemon thread: an executor thread blocked in readline would hold exit."""
    while True:
        line = sys.stdin.readline()
        loop.call_soon_threadsafe(queue.put_nowait, line if line else None)
        if not line:
            return


def sandbox_settings(settings: Settings, server: LocalBotApi) -> Settings:
    """The same settings, aimed at the local server, with a database of its own."""
    db = settings.db_path.with_name(f"sandbox-{settings.db_path.name}")
    return settings.model_copy(
        update={
            "telegram_api_base_url": server.base_url,
            "db_path": db,
            "admin_ids": settings.admin_ids | {SANDBOX_USER},
        }
    )


async def open_dashboard(app: AyilApp, settings: Settings) -> AppRunner | None:
    """Serve the dashboard and print a one-time link that signs in as the sandbox person."""
    kernel = app.bot_data.kernel
    if not settings.web_port:
        return None
    site = dashboard(app)
    try:
        runner = await serve_web(site, settings.web_host, settings.web_port)
    except OSError as exc:
        print(
            f"The dashboard did not start: {settings.web_host}:{settings.web_port} "
            f"({exc.strerror}); set AYILBOT_WEB_PORT to a free port.",
            flush=True,
        )
        return None
    rules = kernel.get(DashboardRules)
    made = await rules.login_link(await kernel.actors.of_user(SANDBOX_USER))
    print(
        f"The dashboard, as user {SANDBOX_USER}: {made.url} (works once, for {made.minutes} "
        "minutes; /dashboard in the chat gives another).",
        flush=True,
    )
    return runner


def sandbox_log(settings: Settings) -> Path:
    """The sandbox's log file, beside its database: log lines stay out of the chat."""
    return settings.db_path.with_name("sandbox.log")


async def run_sandbox(settings: Settings) -> int:
    """Run the server, the bot and the terminal chat until /quit or end of input."""
    configure_logs(level=settings.log_level, fmt=settings.log_format, file=sandbox_log(settings))
    server = LocalBotApi(record_calls=False)
    await server.start()
    local = sandbox_settings(settings, server)
    app = build_application(local, token=server.token)
    await initialize_application(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    terminal = Terminal(server, server.user(SANDBOX_USER, "Sandbox", language_code="ky"))
    print(HELP.format(user=SANDBOX_USER, log=sandbox_log(settings)), flush=True)
    web = await open_dashboard(app, local)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(
        target=_read_lines, args=(asyncio.get_running_loop(), lines), daemon=True
    ).start()
    printer = asyncio.create_task(terminal.pump())
    try:
        while (line := await lines.get()) is not None:
            terminal.answered.clear()
            if not await terminal.handle(line):
                break
            if line.strip():
                await terminal.wait_for_answer()
        await asyncio.sleep(0.5)  # let the last answer print before leaving
    finally:
        printer.cancel()
        if web is not None:
            await web.cleanup()
        await app.updater.stop()
        await app.stop()
        await shutdown_application(app)
        await server.stop()
    return 0
