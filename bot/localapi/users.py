"""The play-the-user side of the local Bot API server: what a test does and what it reads back.

A test creates users and groups, makes them send things, press buttons and open the Mini App,
then reads what the bot answered in each chat. `PlayedUsers` is that public face; it holds the
shared `ServerState` and nothing else, so everything it does is visible to the Bot API methods
(a sent text becomes an update the bot polls; a bot message becomes an event read here).
`LocalBotApi` (server.py) inherits it, because from a test's point of view the server *is* this
API (`api.send_text(...)`, `api.next_message(...)`); the rest of the server is parts it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable

from bot.localapi.files import document_dict, voice_dict
from bot.localapi.initdata import sign_init_data, web_app_user
from bot.localapi.model import JSON, ApiCall, BotMessage, ChatRef, ChatState, FakeChat, FakeUser
from bot.localapi.state import ServerState

__all__ = ["PlayedUsers"]

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _latest_with_keyboard(state: ChatState) -> BotMessage | None:
    for message in reversed(state.messages.values()):
        if not message.deleted and (message.reply_markup or {}).get("inline_keyboard"):
            return message
    return None


class PlayedUsers:
    """Users and groups a test plays against the bot, and the bot's output it reads."""

    def __init__(self, state: ServerState) -> None:
        self._state = state

    # ---------------------------------------------------------------- users and chats

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ky",
    ) -> FakeUser:
        """Create (or replace) a user and their private chat with the bot."""
        user = FakeUser(user_id, first_name, last_name, username, language_code)
        self._state.users[user_id] = user
        chat = FakeChat(user_id, "private", None, first_name, last_name, username)
        state = self._state.chats.get(user_id)
        if state is None:
            self._state.chats[user_id] = ChatState.of(chat)
        else:
            state.chat, state.chat_dict = chat, chat.to_dict()
        return user

    def group(self, chat_id: int, title: str, *, type: str = "supergroup") -> FakeChat:
        """Create a group chat (chat_id negative)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = FakeChat(chat_id, type, title)
        if chat_id not in self._state.chats:
            self._state.chats[chat_id] = ChatState.of(chat)
        return chat

    def block(self, chat: ChatRef) -> None:
        """The user blocks the bot (or the group kicks it): sends answer 403."""
        self._state.chat(chat).blocked = True

    def unblock(self, chat: ChatRef) -> None:
        """Undo block()."""
        self._state.chat(chat).blocked = False

    def set_member_status(self, chat: ChatRef, user: FakeUser | int, status: str) -> None:
        """Status getChatMember reports: creator, administrator, member, left or kicked."""
        user_id = user if isinstance(user, int) else user.id
        self._state.chat(chat).members[user_id] = status

    # ---------------------------------------------------------------- raw updates

    def enqueue(self, update: JSON) -> int:
        """Queue a raw update (update_id assigned if missing); return its update_id."""
        return self._state.enqueue(update)

    def redeliver(self, update_id: int) -> None:
        """Queue an already queued update again, as Telegram does after a crash."""
        self._state.updates.redeliver(update_id)
        self._state.touch()

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self._state.updates)

    def advance_clock(self, seconds: float) -> None:
        """What users send from now on is dated `seconds` later (a person typing for a while)."""
        self._state.clock_offset += seconds

    def _now(self) -> int:
        return int(time.time() + self._state.clock_offset)

    # ---------------------------------------------------------------- sending

    def _user_message(self, user: FakeUser, chat: FakeChat | None, content: JSON) -> int:
        state = self._state.chat(chat if chat is not None else user)
        if state.is_group:
            state.members.setdefault(user.id, "member")
        message_id = state.next_message_id
        state.next_message_id += 1
        message: JSON = {
            "message_id": message_id,
            "from": user.to_dict(),
            "chat": state.chat_dict,
            "date": self._now(),
            **content,
        }
        state.user_messages[message_id] = message
        return self._state.enqueue({"message": message})

    async def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
    ) -> int:
        """The user sends text; a leading /command gets a bot_command entity. Returns update_id."""
        content: JSON = {"text": text}
        match = _COMMAND.match(text)
        if match:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}
            ]
        if reply_to is not None:
            state = self._state.chat(chat if chat is not None else user)
            replied = state.messages.get(reply_to)
            raw = replied.raw if replied is not None else state.user_messages.get(reply_to)
            if raw is None:
                raise AssertionError(f"no message {reply_to} in chat {state.chat.id} to reply to")
            content["reply_to_message"] = raw
        return self._user_message(user, chat, content)

    async def send_location(
        self, user: FakeUser, lat: float, lon: float, *, chat: FakeChat | None = None
    ) -> int:
        """The user shares a location."""
        return self._user_message(user, chat, {"location": {"latitude": lat, "longitude": lon}})

    async def send_photo(
        self,
        user: FakeUser,
        data: bytes = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9",
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> int:
        """The user sends a photo (three sizes, each with its own file_id)."""
        content: JSON = {"photo": self._state.files.photo_sizes(data, "photo.jpg", "image/jpeg")}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user, chat, content)

    def keep_file(self, kind: str, data: bytes, filename: str, mime_type: str) -> str:
        """A file a user sent earlier, held by the server: its file_id, for getFile."""
        return self._state.files.store(kind, data, filename, mime_type).file_id

    async def send_voice(
        self,
        user: FakeUser,
        data: bytes = b"OggS\x00fake-voice",
        duration: int = 3,
        *,
        chat: FakeChat | None = None,
    ) -> int:
        """The user sends a voice note."""
        stored = self._state.files.store("voice", data, "voice.ogg", "audio/ogg")
        return self._user_message(user, chat, {"voice": voice_dict(stored, duration)})

    async def send_document(
        self,
        user: FakeUser,
        data: bytes,
        filename: str,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> int:
        """The user sends a file."""
        stored = self._state.files.store("document", data, filename, mime_type)
        content: JSON = {"document": document_dict(stored)}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user, chat, content)

    async def send_sticker(
        self, user: FakeUser, emoji: str = "👍", *, chat: FakeChat | None = None
    ) -> int:
        """The user sends a sticker."""
        stored = self._state.files.store("sticker", b"RIFFfake-webp", "sticker.webp", "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user, chat, {"sticker": sticker})

    async def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        first_name: str | None = None,
        *,
        own: bool = True,
        chat: FakeChat | None = None,
    ) -> int:
        """The user shares a contact (their own by default, as the request_contact button)."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if own:
            contact["user_id"] = user.id
        return self._user_message(user, chat, {"contact": contact})

    async def add_member(self, chat: FakeChat, user: FakeUser) -> int:
        """The user joins a group (a new_chat_members service message)."""
        self._state.chat(chat).members[user.id] = "member"
        return self._user_message(user, chat, {"new_chat_members": [user.to_dict()]})

    def web_app_init_data(self, user: FakeUser, *, auth_date: int | None = None) -> str:
        """The initData Telegram gives the Mini App this user opens, signed with the bot token."""
        fields = {
            "query_id": f"AAQ{user.id}-{next(self._state.query_seq)}",
            "user": web_app_user(user),
            "auth_date": str(self._now() if auth_date is None else auth_date),
        }
        return sign_init_data(fields, self._state.token)

    # ---------------------------------------------------------------- buttons

    async def press(
        self, user: FakeUser, message_id: int, callback_data: str, *, chat: FakeChat | None = None
    ) -> str:
        """The user presses an inline button of a bot message; return the callback query id."""
        state = self._state.chat(chat if chat is not None else user)
        message = state.messages.get(message_id)
        if message is None or message.deleted:
            raise AssertionError(f"no bot message {message_id} in chat {state.chat.id} to press")
        query_id = f"{user.id}-{next(self._state.query_seq)}"
        self._state.open_queries.add(query_id)
        self._state.enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "message": message.raw,
                    "chat_instance": str(state.chat.id),
                    "data": callback_data,
                }
            }
        )
        return query_id

    async def press_button(
        self,
        user: FakeUser,
        text: str | None = None,
        *,
        index: int | None = None,
        message: BotMessage | None = None,
        chat: FakeChat | None = None,
    ) -> str:
        """Press a button found by exact, then substring, text or by flat index."""
        state = self._state.chat(chat if chat is not None else user)
        if message is None:
            message = _latest_with_keyboard(state)
            if message is None:
                raise AssertionError(
                    f"no bot message with an inline keyboard in chat {state.chat.id}; "
                    f"last messages:\n{self._state.describe(state)}"
                )
        buttons = message.flat_buttons
        chosen: list[tuple[str, str | None]]
        if index is not None:
            chosen = buttons[index : index + 1] if -len(buttons) <= index < len(buttons) else []
        elif text is not None:
            chosen = [b for b in buttons if b[0] == text] or [b for b in buttons if text in b[0]]
        else:
            raise ValueError("press_button needs text or index")
        if len(chosen) != 1:
            what = "several buttons match" if chosen else "no button matches"
            raise AssertionError(
                f"{what} {text if index is None else index!r} in message "
                f"{message.message_id}; buttons: {buttons}"
            )
        label, _ = chosen[0]
        button = next(
            b
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for b in row
            if b.get("text") == label
        )
        data = button.get("callback_data")
        if not isinstance(data, str):
            raise AssertionError(f"button {label!r} has no callback_data: {button}")
        target = chat if chat is not None else self._state.chats[message.chat_id].chat
        return await self.press(user, message.message_id, data, chat=target)

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSON:
        """Wait until the bot answered the callback query; return answerCallbackQuery params."""
        answers = self._state.callback_answers
        await self.wait_for(lambda: query_id in answers, timeout)
        return answers[query_id]

    # ---------------------------------------------------------------- reading bot output

    async def next_message(self, chat: ChatRef, timeout: float = 5.0) -> BotMessage:
        """Next unread event (a sent or edited message) in the chat."""
        state = self._state.chat(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while state.cursor >= len(state.events):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no new bot message in chat {state.chat.id} within {timeout} s; "
                    f"last messages:\n{self._state.describe(state)}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            state.waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, remaining)
        event = state.events[state.cursor]
        state.cursor += 1
        return event

    async def next_text(self, chat: ChatRef, timeout: float = 5.0) -> str:
        """Text (or caption) of the next unread event."""
        return (await self.next_message(chat, timeout)).text or ""

    def drain(self, chat: ChatRef) -> list[BotMessage]:
        """Mark every event in the chat read and return the unread ones."""
        state = self._state.chat(chat)
        unread = state.events[state.cursor :]
        state.cursor = len(state.events)
        return unread

    def messages(self, chat: ChatRef) -> list[BotMessage]:
        """Current state of every bot message in the chat, edits applied, deleted included."""
        return list(self._state.chat(chat).messages.values())

    def last_message(self, chat: ChatRef) -> BotMessage | None:
        """The newest bot message in the chat that is not deleted."""
        for message in reversed(self._state.chat(chat).messages.values()):
            if not message.deleted:
                return message
        return None

    def events(self, chat: ChatRef) -> list[BotMessage]:
        """Every send/edit event in the chat, read or not."""
        return list(self._state.chat(chat).events)

    def sent_count(self, method: str | None = None) -> int:
        """Successful calls of `method`, or, with None, messages the bot put into chats."""
        state = self._state
        return state.sent_messages if method is None else state.ok_counts[method]

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method."""
        return [c for c in self._state.calls if c.method == method]

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes stored under a file_id (sent by the bot or by a user)."""
        stored = self._state.files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored.data

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until predicate() is true; it is checked after every call and user action."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout} s")
            waiter: asyncio.Future[None] = loop.create_future()
            self._state.watchers.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, remaining)

    async def wait_idle(self, timeout: float = 5.0, quiet: float = 0.05) -> None:
        """Wait until all updates are confirmed and no call (but a long poll) ran for `quiet` s."""
        state = self._state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - state.last_activity
            if not len(state.updates) and state.inflight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise AssertionError(
                    f"not idle within {timeout} s: {len(state.updates)} updates pending, "
                    f"{state.inflight} calls in flight"
                )
            await asyncio.sleep(max(quiet - idle_for, 0.01))
