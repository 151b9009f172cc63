"""The one state both sides of the local Bot API server share.

The server has two faces over the same chats: the Bot API the bot calls over HTTP (methods.py)
and the users a test plays (users.py). Both read and write the same chats, files and update
queue, so they share one `ServerState` object instead of reaching into each other: each side is
a class holding this object, and this module holds the few operations both need (find a chat,
record an event and wake its readers, queue an update and wake the long poll and the watchers).
The rules (rules.py) and the faults (faults.py) keep state of their own and never see this.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter

from bot.localapi.files import FileStore
from bot.localapi.model import JSON, ApiCall, BotMessage, ChatRef, ChatState, FakeUser
from bot.localapi.updates import UpdateQueue

__all__ = ["ServerState"]


class ServerState:
    """Chats, users, files, the update queue, and what the bot did through the API."""

    def __init__(self, *, token: str, bot_username: str, bot_first_name: str) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name

        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, FakeUser] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.clock_offset = 0.0  # seconds added to the dates of what users send

        # Callback queries a user made and the bot has not answered yet; the answers given.
        self.open_queries: set[str] = set()
        self.query_seq = itertools.count(1)
        self.callback_answers: dict[str, JSON] = {}
        # The bot's settings, as set through the API.
        self.webhook_url: str | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}

        # What the bot did: recorded calls, successes by method, messages put into chats.
        self.calls: list[ApiCall] = []
        self.ok_counts: Counter[str] = Counter()
        self.sent_messages = 0
        self.inflight = 0
        self.peak_inflight = 0  # most calls (polls aside) the bot had open at once
        self.last_activity = time.monotonic()
        self.watchers: list[asyncio.Future[None]] = []
        self.closing = asyncio.Event()

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before ':' in the token."""
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1

    def bot_user(self) -> JSON:
        """The bot as a Telegram User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def chat(self, ref: ChatRef) -> ChatState:
        """A chat's state by id, user or chat; KeyError names how to create it."""
        chat_id = ref if isinstance(ref, int) else ref.id
        state = self.chats.get(chat_id)
        if state is None:
            raise KeyError(f"unknown chat {chat_id}: create it with user() or group()")
        return state

    def enqueue(self, update: JSON) -> int:
        """Queue an update for the bot and wake whoever waits; return its update_id."""
        update_id = self.updates.enqueue(update)
        self.touch()
        return update_id

    def touch(self) -> None:
        """Note activity and wake every wait_for() to check its condition again."""
        self.last_activity = time.monotonic()
        if self.watchers:
            watchers, self.watchers = self.watchers, []
            for waiter in watchers:
                if not waiter.done():
                    waiter.set_result(None)

    @staticmethod
    def push_event(state: ChatState, message: BotMessage) -> None:
        """Record a bot message's new snapshot and wake that chat's next_message() readers."""
        state.messages[message.message_id] = message
        state.events.append(message)
        if state.waiters:
            waiters, state.waiters = state.waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    @staticmethod
    def describe(state: ChatState, last: int = 5) -> str:
        """The chat's last bot events, one a line, for assertion messages."""
        lines = [
            f"  #{m.message_id} {m.method}{' (deleted)' if m.deleted else ''}: {m.text!r}"
            + (f" buttons={m.buttons}" if m.buttons else "")
            for m in state.events[-last:]
        ]
        return "\n".join(lines) or "  (none)"
