"""`ayilbot sandbox`: the local Bot API server, the bot and a terminal chat, no token needed.

Bot messages are printed with their buttons numbered `#1`, `#2`...; type `#2` to press the
second. Anything else is sent as text, numbers included ("25" answers a question asking for a
number). Files the bot sends are saved under `sandbox-files/` beside the database, and their
path is printed. Commands: /as leader, /as candidate, /as coordinator play ready-made people
(registered, the coordinator covering Batken oblast) and /as admin comes back; /as ID [LANG]
plays anyone; /loc LAT LON shares a location, /photo PATH, /voice PATH and /doc PATH send
files, /quit leaves. The sandbox speaks AYILBOT_DEFAULT_LANGUAGE, or the one `--lang` gives.

The dashboard runs too (AYILBOT_WEB_PORT, 8080 unless set; 0 for none): a one-time link that
signs in as the sandbox person is printed at start, /dashboard gives more, and its Mini App
button prints the address Telegram would open, with initData signed by the local server.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import shlex
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from aiohttp.web import AppRunner

from bot.config import LANGUAGES, Settings
from bot.core.kernel import Kernel
from bot.i18n import N_, Tr, translator
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
from storage.users import RoleRepository, UserRepository
from web.server import serve as serve_web

SANDBOX_USER = 1
BUTTON = re.compile(r"#(\d+)")  # a pressed button: digits alone are text, as in Telegram


@dataclass(frozen=True, slots=True)
class ReadyPerson:
    """Someone already registered, to see the bot as that role sees it in one step."""

    user_id: int
    first_name: str
    last_name: str
    kind: str | None  # the onboarding answer "Who are you?"; None: not onboarded here
    place: str | None
    about: str  # msgid: who the person is, printed on switching
    coordinates: str | None = None  # a coordinator's scope: a gazetteer code


PEOPLE: dict[str, ReadyPerson] = {
    "admin": ReadyPerson(
        SANDBOX_USER, "Sandbox", "", None, None, N_("an administrator: every menu entry")
    ),
    "leader": ReadyPerson(
        2, "Айбек", "Ташиев", "leader", "BA-BAT-AKS", N_("a village leader in Ak-Say")
    ),
    "candidate": ReadyPerson(
        3,
        "Айгүл",
        "Осмонова",
        "candidate",
        "BA-BAT-AKS",
        N_("a woman candidate for the ayil kenesh in Ak-Say"),
    ),
    "coordinator": ReadyPerson(
        4,
        "Гүлнара",
        "Мамытова",
        "coordinator",  # as an invitation to Batken oblast registers her
        "BA",
        N_("a coordinator of Batken oblast"),
        coordinates="BA",
    ),
}

INTRO = (
    N_("ayilbot sandbox: you chat with the bot here, in this terminal, as Telegram would."),
    N_(
        "You are user {user}, an administrator: your menu has every entry. To see the bot as "
        "others see it, type /as leader, /as candidate or /as coordinator (ready-made people, "
        "already registered; the coordinator covers Batken oblast); /as admin brings you back."
    ),
    N_(
        "Buttons are numbered: type #2 to press the second. Anything else, numbers included, "
        "is sent as a message."
    ),
    N_(
        "/loc LAT LON shares a location; /photo PATH, /voice PATH, /doc PATH send a file; "
        "/as ID [ky|ru|en] plays anyone; /quit leaves."
    ),
    N_("Files the bot sends are saved in {files}. The log is in {log}."),
    N_("Send /start to begin."),
)


@dataclass
class Terminal:
    """The chat as shown in the terminal."""

    server: LocalBotApi
    user: FakeUser
    tr: Tr
    files: Path
    kernel: Kernel | None = None  # to change a ready-made person's language
    out: TextIO = field(default_factory=lambda: sys.stdout)
    last_buttons: list[tuple[str, str | None]] = field(default_factory=list)
    last_message: BotMessage | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    played: dict[int, FakeUser] = field(default_factory=dict)

    def say(self, msgid: str, **values: object) -> None:
        """Print a line of the sandbox itself (not of the bot), in its language."""
        print("  " + self.tr.label(msgid).format(**values), file=self.out)

    def show(self, message: BotMessage) -> None:
        """Print a bot message as plain text with numbered buttons; save a file it carries."""
        mark = "(edited) " if message.edited else ""
        body = message.plain_text or message.text or ""
        if message.kind in ("document", "photo", "voice"):
            body = f"[{message.kind}: {message.filename or ''}] {body}".strip()
        print(f"\nbot> {mark}{body}", file=self.out)
        if message.document:
            saved = self._save(message, message.document)
            self.say(N_("saved to {path}"), path=saved)
        if message.flat_buttons:
            self.last_buttons = message.flat_buttons
            self.last_message = message
            for i, (label, _) in enumerate(message.flat_buttons, start=1):
                print(f"  [#{i}] {label}", file=self.out)
        self.out.flush()

    def _save(self, message: BotMessage, data: bytes) -> Path:
        """The file under its own name, prefixed by the message number (names repeat)."""
        name = Path(message.filename or "").name
        if not name:
            guessed = mimetypes.guess_extension(message.mime_type or "")
            name = message.kind + (guessed or (".jpg" if message.kind == "photo" else ""))
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / f"{message.message_id}-{name}"
        path.write_bytes(data)
        return path.resolve()

    async def handle(self, line: str) -> bool:
        """Carry out one typed line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        pressed = BUTTON.fullmatch(line)
        if pressed:
            await self._press(int(pressed.group(1)))
            return True
        words = shlex.split(line) if line.startswith("/") else []
        command = words[0] if words else ""
        try:
            if command == "/loc" and len(words) == 3:
                await self.server.send_location(self.user, float(words[1]), float(words[2]))
            elif command in ("/photo", "/voice", "/doc") and len(words) == 2:
                await self._send_file(command, Path(words[1]))
            elif command == "/as" and len(words) in (2, 3):
                await self._play(words[1], words[2] if len(words) == 3 else None)
            else:
                await self.server.send_text(self.user, line)
        except (OSError, ValueError) as exc:
            print(f"  {exc}", file=self.out)
        return True

    async def _press(self, number: int) -> None:
        if not self.last_buttons:
            self.say(N_("there are no buttons to press"))
            return
        if not 1 <= number <= len(self.last_buttons):
            self.say(N_("there is no button #{number}"), number=number)
            return
        label, target = self.last_buttons[number - 1]
        mini_app = self.last_message.web_app_url(label) if self.last_message else None
        if mini_app is not None:
            # What Telegram would open: the Mini App with initData signed for this person.
            signed = quote(self.server.web_app_init_data(self.user), safe="")
            self.say(N_("the Mini App: {link}"), link=f"{mini_app}#tgWebAppData={signed}")
            return
        if target is not None and target.startswith("http"):
            self.say(N_("a link: {link}"), link=target)
            return
        await self.server.press_button(self.user, index=number - 1, message=self.last_message)

    async def _play(self, who: str, language: str | None) -> None:
        """Play a ready-made person (and open their menu) or anyone by id."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(self.tr.label(N_("languages: ky, ru, en")))
        ready = PEOPLE.get(who)
        if ready is None and not who.isdigit():
            raise ValueError(
                self.tr.label(
                    N_(
                        "Whom to play? /as leader, /as candidate, /as coordinator, /as admin "
                        "or /as ID"
                    )
                )
            )
        user_id = ready.user_id if ready else int(who)
        user = self.played.get(user_id)
        if user is None or language is not None:
            name = ready.first_name if ready else f"User {user_id}"
            user = self.server.user(
                user_id,
                name,
                last_name=ready.last_name or None if ready else None,
                language_code=language or self.tr.locale,
            )
            self.played[user_id] = user
        self.user = user
        self.last_buttons, self.last_message = [], None
        if ready is None:
            self.say(N_("now playing user {user}"), user=user_id)
            return
        if language is not None and self.kernel is not None and ready.kind is not None:
            await set_language(self.kernel, ready.user_id, language)
        self.say(
            N_("now playing {name}, {about}"),
            name=f"{ready.first_name} {ready.last_name}".strip(),
            about=self.tr.label(ready.about),
        )
        if ready.kind is not None:  # the administrator registers through /start herself
            await self.server.send_text(self.user, "/menu")

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


async def open_dashboard(app: AyilApp, settings: Settings, tr: Tr) -> AppRunner | None:
    """Serve the dashboard and print a one-time link that signs in as the sandbox person."""
    kernel = app.bot_data.kernel
    if not settings.web_port:
        return None
    site = dashboard(app)
    try:
        runner = await serve_web(site, settings.web_host, settings.web_port)
    except OSError as exc:
        where = f"{settings.web_host}:{settings.web_port} ({exc.strerror})"
        print(
            tr.label(
                N_("The dashboard did not start: {where}; set AYILBOT_WEB_PORT to a free port.")
            ).format(where=where),
            flush=True,
        )
        return None
    rules = kernel.get(DashboardRules)
    made = await rules.login_link(await kernel.actors.of_user(SANDBOX_USER))
    line = N_(
        "The dashboard, as user {user}: {url} (works once, for {minutes} minutes; /dashboard "
        "in the chat gives another)."
    )
    print(
        tr.label(line).format(user=SANDBOX_USER, url=made.url, minutes=made.minutes),
        flush=True,
    )
    return runner


def sandbox_log(settings: Settings) -> Path:
    """The sandbox's log file, beside its database: log lines stay out of the chat."""
    return settings.db_path.with_name("sandbox.log")


def sandbox_files(settings: Settings) -> Path:
    """Where the files the bot sends are saved, beside the database."""
    return settings.db_path.with_name("sandbox-files")


def intro(tr: Tr, settings: Settings) -> str:
    """The first lines the sandbox prints, in its language."""
    values = {
        "user": SANDBOX_USER,
        "files": str(sandbox_files(settings).resolve()),
        "log": str(sandbox_log(settings).resolve()),
    }
    return "\n".join(tr.label(line).format(**values) for line in INTRO)


async def seed_people(kernel: Kernel, language: str) -> None:
    """Register the ready-made people once (their rows stay as the sandbox leaves them)."""
    now = kernel.clock.now()
    async with kernel.db.transaction() as conn:
        users, roles = UserRepository(conn), RoleRepository(conn)
        for person in PEOPLE.values():
            if person.kind is None or await users.get(person.user_id) is not None:
                continue
            await users.create(
                user_id=person.user_id,
                first_name=person.first_name,
                last_name=person.last_name,
                username=None,
                language=language,
                pseudonym=f"P-SANDBOX{person.user_id}",
                now=now,
            )
            await users.update_profile(
                user_id=person.user_id, now=now, kind=person.kind, place_code=person.place
            )
            await users.accept_privacy(user_id=person.user_id, now=now)
            if person.coordinates:
                await roles.grant(
                    user_id=person.user_id,
                    role="coordinator",
                    scope_kind="place",
                    scope_value=person.coordinates,
                    granted_by=None,
                    now=now,
                )


async def set_language(kernel: Kernel, user_id: int, language: str) -> None:
    """A ready-made person played in another language speaks it from now on."""
    async with kernel.db.transaction() as conn:
        await UserRepository(conn).update_profile(
            user_id=user_id, now=kernel.clock.now(), language=language
        )


async def run_sandbox(settings: Settings, language: str | None = None) -> int:
    """Run the server, the bot and the terminal chat until /quit or end of input."""
    configure_logs(level=settings.log_level, fmt=settings.log_format, file=sandbox_log(settings))
    tr = translator(language or settings.default_language)
    server = LocalBotApi(record_calls=False)
    await server.start()
    local = sandbox_settings(settings, server)
    app = build_application(local, token=server.token)
    await initialize_application(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    kernel = app.bot_data.kernel
    await seed_people(kernel, tr.locale)
    admin = server.user(SANDBOX_USER, "Sandbox", language_code=tr.locale)
    terminal = Terminal(server, admin, tr, sandbox_files(settings), kernel)
    terminal.played[SANDBOX_USER] = admin
    print(intro(tr, settings), flush=True)
    web = await open_dashboard(app, local, tr)
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
