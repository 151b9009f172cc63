"""Property-based: random updates never crash a handler, never send unescaped user text,
never write rows for an unregistered stranger (issue #7)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localapi import FakeUser, LocalBotApi
from tests.harness import Person, make_settings, onboard, running_bot

COMMANDS = [
    "/start",
    "/menu",
    "/help",
    "/language",
    "/cancel",
    "/mydata",
    "/deleteme",
    "/invite",
    "/report",
    "/myreports",
    "/review",
    "/need",
    "/myneeds",
    "/programme",
    "/election",
    "/needs",
    "/results",
    "/assessment",
    "/compare",
    "/practice",
    "/practices",
    "/search",
    "/newgroup",
    "/groups",
    "/linkgroup",
    "/digest",
    "/watch",
    "/export",
    "/stats",
]
NASTY = st.sampled_from(
    [
        "<b>",
        "</i>",
        "&",
        "&amp;",
        "<script>",
        "*_`[",
        "\u202e",
        "\u0000",
        "👩‍🌾",
        "ө ү ң",
        "', \"",
        "\n\n",
        "{n}",
        "%s",
    ]
)
TEXT = st.one_of(
    st.text(max_size=50),
    st.lists(NASTY, max_size=8).map("".join),
    st.builds(lambda s, n: s * n, NASTY, st.integers(1, 2500)),  # up to 10k characters
)
CALLBACK = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64),
    st.builds(
        lambda p, a, b: f"{p}:{a}:{b}",
        st.sampled_from(["f", "m", "del", "inc", "pr", "grp", "nd", "as", "dg", "ew", "exp", "x"]),
        st.text("0123456789abcdefxyz", max_size=12),
        st.text("0123456789so:bdxke", max_size=8),
    ),
)


@dataclass(frozen=True)
class Act:
    kind: str  # text | command | press | sticker | location | photo
    value: str = ""


ACTS = st.one_of(
    st.builds(Act, st.just("text"), TEXT),
    st.builds(
        Act,
        st.just("command"),
        st.builds(lambda c, a: f"{c} {a}".strip(), st.sampled_from(COMMANDS), TEXT),
    ),
    st.builds(Act, st.just("press"), CALLBACK),
    st.builds(Act, st.sampled_from(["sticker", "location", "photo"])),
)


async def perform(server: LocalBotApi, user: FakeUser, act: Act) -> None:
    if act.kind in ("text", "command"):
        await server.send_text(user, act.value or ".")
    elif act.kind == "press":
        server.enqueue(
            {
                "callback_query": {
                    "id": f"fz{id(act)}-{server.pending_updates()}",
                    "from": user.to_dict(),
                    "chat_instance": "1",
                    "data": act.value,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": user.id, "type": "private"},
                    },
                }
            }
        )
    elif act.kind == "sticker":
        await server.send_sticker(user)
    elif act.kind == "location":
        await server.send_location(user, 39.9, 70.8)
    else:
        await server.send_photo(user)


async def scenario(acts: list[Act], stranger_acts: list[Act]) -> tuple[list[str], list[str], int]:
    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    collector = Collect(level=logging.ERROR)
    logging.getLogger("handlers.plumbing.errors").addHandler(collector)
    server = LocalBotApi()
    await server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings_ = make_settings(Path(tmp) / "fz.db", server)
            async with running_bot(settings_):
                member = Person(server, server.user(1201, "Айгүл", language_code="ru"))
                await onboard(member, language="Русский")
                stranger = server.user(1202, "Чужой", language_code="ru")
                for act in acts:
                    await perform(server, member.user, act)
                for act in stranger_acts:
                    if act.value.startswith("/start") or act.kind == "press":
                        continue  # /start registers by design
                    await perform(server, stranger, act)
                await server.wait_idle(timeout=20)
            with sqlite3.connect(settings_.db_path) as conn:
                stranger_rows = conn.execute(
                    "SELECT count(*) FROM users WHERE id = 1202"
                ).fetchone()[0]
        failed = [
            f"{c.method}: {c.description}"
            for c in server.calls
            # A long poll cut at shutdown, and expired callback queries, are not failures.
            if c.status not in (200, None)
            and c.method not in ("answerCallbackQuery", "getUpdates")
        ]
    finally:
        logging.getLogger("handlers.plumbing.errors").removeHandler(collector)
        await server.stop()
    return errors, failed, stranger_rows


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(acts=st.lists(ACTS, min_size=1, max_size=15), stranger=st.lists(ACTS, max_size=6))
def test_random_updates_never_crash_or_leak(acts: list[Act], stranger: list[Act]) -> None:
    errors, failed, stranger_rows = asyncio.run(scenario(acts, stranger))
    assert errors == [], errors
    assert failed == [], failed  # every send parsed: user text was escaped, fit the limits
    assert stranger_rows == 0
