"""The Bot API methods the local server answers, over the shared state.

`BotApiMethods.table()` maps each method name to a function of the decoded request that returns
the `result` or raises `ApiError`; getUpdates is the one that awaits (a long poll) and has its own
coroutine. The checks Telegram makes on parameters are in rules.py and are only called from here;
faults, latency and the HTTP encoding are the listener's (server.py), so a method here reads as
the Bot API reference describes it: find the chat, check, change the state, answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.localapi import rules
from bot.localapi.files import document_dict, voice_dict
from bot.localapi.model import (
    JSON,
    ApiError,
    BotMessage,
    ChatState,
    Request,
    StoredFile,
    bad_request,
)
from bot.localapi.state import ServerState

__all__ = ["BotApiMethods", "Method"]

Method = Callable[[Request], Any]

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
# Content a forward or a copy takes over from the source message.
_COPIED = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "photo",
    "document",
    "voice",
    "location",
    "sticker",
    "contact",
)
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def _int(req: Request, key: str, *, missing: str | None = None) -> int:
    value = req.params.get(key)
    if value is None or value == "":
        raise bad_request(missing or f"{key} is empty")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f"invalid {key} specified")
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"invalid {key} specified") from None


def _optional_chat_id(value: object) -> int | None:
    """A chat_id parameter that may be absent (menu buttons: absent = every private chat)."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    if not isinstance(value, int | str):
        raise bad_request("invalid chat_id specified")
    try:
        return int(value)
    except ValueError:
        raise bad_request("invalid chat_id specified") from None


def _file_kind_of(raw: JSON) -> str:
    for kind in ("photo", "document", "voice", "location", "sticker", "contact", "text"):
        if kind in raw:
            return kind
    return "other"


def _member_dict(user: JSON, status: str) -> JSON:
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "administrator":
        return {
            "status": status,
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(_ADMIN_RIGHTS, True),
        }
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status if status in ("member", "left") else "member", "user": user}


def _commands_key(req: Request) -> tuple[str, str]:
    scope = req.params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(req.params.get("language_code") or "")


class BotApiMethods:
    """The methods the bot calls, each a function of the request over the shared state."""

    def __init__(self, state: ServerState, flood: rules.FloodLimits) -> None:
        self._state = state
        self._flood = flood
        self._poll_seq = 0

    def table(self) -> dict[str, Method]:
        """Method name (as Telegram spells it) -> its function; getUpdates answers elsewhere."""
        state = self._state
        return {
            "getMe": lambda req: {
                **state.bot_user(),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            },
            "getUpdates": lambda req: [],  # a long poll awaits: see get_updates()
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda req: {
                "url": state.webhook_url or "",
                "has_custom_certificate": False,
                "pending_update_count": len(state.updates),
            },
            "logOut": lambda req: True,
            "close": lambda req: True,
            "getMyCommands": self._get_my_commands,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": lambda req: self._send_file(req, "sendPhoto", "photo"),
            "sendDocument": lambda req: self._send_file(req, "sendDocument", "document"),
            "sendVoice": lambda req: self._send_file(req, "sendVoice", "voice"),
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "forwardMessage": self._forward_message,
            "copyMessage": self._copy_message,
        }

    # ---------------------------------------------------------------- updates and webhooks

    async def get_updates(self, req: Request) -> list[JSON]:
        """Confirm below `offset`, then answer queued updates, waiting up to `timeout` s."""
        state = self._state
        if state.webhook_url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        # A newer long poll ends the older one with 409, as Telegram does.
        self._poll_seq += 1
        my_seq = self._poll_seq
        updates = state.updates
        updates.arrived.set()
        offset = req.params.get("offset")
        limit = req.params.get("limit")
        timeout = req.params.get("timeout")
        limit_n = min(max(int(limit), 1), 100) if isinstance(limit, int) else 100
        wait_s = float(timeout) if isinstance(timeout, int | float) else 0.0
        if isinstance(offset, int):
            before = len(updates)
            updates.confirm(offset)
            if len(updates) != before:
                state.touch()  # wake wait_for() callers watching pending_updates()
        if not len(updates) and wait_s > 0 and not state.closing.is_set():
            updates.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(updates.arrived.wait(), wait_s)
            if self._poll_seq != my_seq:
                raise ApiError(409, _CONFLICT_POLL)
        return updates.batch(limit_n)

    def _set_webhook(self, req: Request) -> bool:
        url = req.params.get("url")
        self._state.webhook_url = str(url) if url else None
        if req.params.get("drop_pending_updates") is True:
            self._state.updates.drop()
        return True

    def _delete_webhook(self, req: Request) -> bool:
        self._state.webhook_url = None
        if req.params.get("drop_pending_updates") is True:
            self._state.updates.drop()
        return True

    # ---------------------------------------------------------------- commands and menu

    def _get_my_commands(self, req: Request) -> list[JSON]:
        return self._state.commands.get(_commands_key(req), [])

    def _set_my_commands(self, req: Request) -> bool:
        commands = rules.check_commands(req.params.get("commands"))
        self._state.commands[_commands_key(req)] = commands
        return True

    def _delete_my_commands(self, req: Request) -> bool:
        self._state.commands.pop(_commands_key(req), None)
        return True

    def _set_chat_menu_button(self, req: Request) -> bool:
        chat_id = _optional_chat_id(req.params.get("chat_id"))
        button = rules.check_menu_button(req.params.get("menu_button"))
        if chat_id is not None:
            chat = self._state.chats.get(chat_id)
            if chat is None:
                raise bad_request("chat not found")
            # chat_id names "the target private chat" (Bot API setChatMenuButton); Telegram's
            # exact words for a group are not documented, these are ours.
            if not chat.is_private:
                raise bad_request("menu buttons are for private chats only")
        self._state.menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, req: Request) -> JSON:
        chat_id = _optional_chat_id(req.params.get("chat_id"))
        buttons = self._state.menu_buttons
        # A chat without its own button shows the one set for every private chat.
        return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}

    # ---------------------------------------------------------------- chat and message lookup

    def _target(self, req: Request, method: str, key: str = "chat_id") -> ChatState:
        value = req.params.get(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        state = self._state.chats.get(chat_id)
        if state is None:
            raise bad_request("chat not found")
        rules.check_reachable(state, method)
        return state

    def _admit(self, state: ChatState, req: Request) -> JSON | None:
        """Check the replied-to message and flood limits; return the reply_to_message."""
        reply = self._replied(state, req)
        self._flood.admit(state, time.monotonic())
        return reply

    @staticmethod
    def _replied(state: ChatState, req: Request) -> JSON | None:
        params = req.params.get("reply_parameters")
        if isinstance(params, dict):
            message_id, lenient = (
                params.get("message_id"),
                params.get("allow_sending_without_reply"),
            )
        else:
            message_id = req.params.get("reply_to_message_id")
            lenient = req.params.get("allow_sending_without_reply")
        if not isinstance(message_id, int):
            return None
        bot_message = state.messages.get(message_id)
        if bot_message is not None and not bot_message.deleted:
            return bot_message.raw
        user_message = state.user_messages.get(message_id)
        if user_message is None and lenient is not True:
            raise bad_request("message to be replied not found")
        return user_message

    @staticmethod
    def _markup(req: Request, state: ChatState) -> JSON | None:
        return rules.check_markup(req.params.get("reply_markup"), private=state.is_private)

    def _input_file(self, req: Request, key: str) -> StoredFile:
        """Resolve an uploaded or file_id input."""
        value = req.params.get(key)
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = req.files.get(value.removeprefix("attach://"))
        elif key in req.files:
            upload = req.files[key]
        if upload is not None:
            return self._state.files.store(key, upload.data, upload.filename, upload.mime_type)
        if value is None:
            raise bad_request(f"there is no {key} in the request")
        stored = self._state.files.get(str(value))
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    # ---------------------------------------------------------------- new messages

    def _new_message(
        self,
        state: ChatState,
        method: str,
        content: JSON,
        *,
        text: str | None,
        parse_mode: str | None,
        markup: JSON | None,
        reply: JSON | None,
        stored: StoredFile | None = None,
    ) -> JSON:
        message_id = state.next_message_id
        state.next_message_id += 1
        raw: JSON = {
            "message_id": message_id,
            "from": self._state.bot_user(),
            "chat": state.chat_dict,
            "date": int(time.time()),
            **content,
        }
        if reply is not None:
            raw["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        self._state.push_event(
            state,
            self._snapshot(
                state, raw, method, text=text, parse_mode=parse_mode, markup=markup, stored=stored
            ),
        )
        return raw

    def _snapshot(
        self,
        state: ChatState,
        raw: JSON,
        method: str,
        *,
        text: str | None,
        parse_mode: str | None,
        markup: JSON | None,
        stored: StoredFile | None = None,
        edited: bool = False,
    ) -> BotMessage:
        kind = _file_kind_of(raw)
        if stored is None:
            file_id = None
            if kind == "photo":
                file_id = raw["photo"][-1]["file_id"]
            elif kind in ("document", "voice"):
                file_id = raw[kind]["file_id"]
            stored = self._state.files.get(file_id)
        location = raw.get("location")
        return BotMessage(
            chat_id=state.chat.id,
            message_id=raw["message_id"],
            text=text or "",
            parse_mode=parse_mode,
            reply_markup=markup,
            kind=kind,
            document=stored.data if stored is not None else None,
            filename=stored.filename if stored is not None else None,
            mime_type=stored.mime_type if stored is not None else None,
            edited=edited,
            plain_text=raw.get("text", raw.get("caption")),
            location=(location["latitude"], location["longitude"]) if location else None,
            method=method,
            raw=raw,
        )

    def _send_message(self, req: Request) -> JSON:
        state = self._target(req, "sendMessage")
        plain, parse_mode, entities = rules.formatted(
            req.params,
            "text",
            limit=rules.TEXT_LIMIT,
            too_long="message is too long",
            required=True,
        )
        markup = self._markup(req, state)
        reply = self._admit(state, req)
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._new_message(
            state,
            "sendMessage",
            content,
            text=req.params.get("text"),
            parse_mode=parse_mode,
            markup=markup,
            reply=reply,
        )

    @staticmethod
    def _caption_content(req: Request) -> tuple[JSON, str | None, str | None]:
        plain, parse_mode, entities = rules.formatted(
            req.params,
            "caption",
            limit=rules.CAPTION_LIMIT,
            too_long="message caption is too long",
            required=False,
        )
        content: JSON = {}
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        caption = req.params.get("caption")
        return content, caption if isinstance(caption, str) else None, parse_mode

    def _send_file(self, req: Request, method: str, key: str) -> JSON:
        state = self._target(req, method)
        content, caption, parse_mode = self._caption_content(req)
        markup = self._markup(req, state)
        stored = self._input_file(req, key)
        reply = self._admit(state, req)
        if key == "photo":
            content["photo"] = self._state.files.photo_sizes(
                stored.data, stored.filename, stored.mime_type
            )
        elif key == "voice":
            duration = req.params.get("duration")
            content["voice"] = voice_dict(stored, duration if isinstance(duration, int) else 1)
        else:
            content[key] = document_dict(stored)
        return self._new_message(
            state,
            method,
            content,
            text=caption,
            parse_mode=parse_mode,
            markup=markup,
            stored=stored,
            reply=reply,
        )

    def _send_location(self, req: Request) -> JSON:
        state = self._target(req, "sendLocation")
        lat, lon = rules.check_location(req.params.get("latitude"), req.params.get("longitude"))
        markup = self._markup(req, state)
        reply = self._admit(state, req)
        content = {"location": {"latitude": lat, "longitude": lon}}
        return self._new_message(
            state, "sendLocation", content, text=None, parse_mode=None, markup=markup, reply=reply
        )

    def _send_chat_action(self, req: Request) -> bool:
        self._target(req, "sendChatAction")
        rules.check_chat_action(req.params.get("action"))
        return True

    # ---------------------------------------------------------------- edits and deletes

    def _message_to_edit(self, req: Request, method: str) -> tuple[ChatState, BotMessage]:
        if req.params.get("inline_message_id"):
            raise bad_request("message to edit not found")
        state = self._target(req, method)
        message_id = _int(req, "message_id", missing="message to edit not found")
        message = state.messages.get(message_id)
        if message is None or message.deleted:
            if message_id in state.user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return state, message

    def _apply_edit(
        self,
        state: ChatState,
        old: BotMessage,
        method: str,
        changes: JSON,
        *,
        text: str | None,
        parse_mode: str | None,
        markup: JSON | None,
    ) -> JSON:
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        raw = dict(old.raw)
        for key, value in changes.items():
            if value is None:
                raw.pop(key, None)
            else:
                raw[key] = value
        if inline is None:
            raw.pop("reply_markup", None)
        else:
            raw["reply_markup"] = inline
        compared = ("text", "entities", "caption", "caption_entities", "reply_markup")
        if all(raw.get(k) == old.raw.get(k) for k in compared):
            raise bad_request(_NOT_MODIFIED)
        raw["edit_date"] = int(time.time())
        snapshot = self._snapshot(
            state, raw, method, text=text, parse_mode=parse_mode, markup=inline, edited=True
        )
        self._state.push_event(state, snapshot)
        return raw

    def _edit_message_text(self, req: Request) -> JSON:
        state, old = self._message_to_edit(req, "editMessageText")
        plain, parse_mode, entities = rules.formatted(
            req.params,
            "text",
            limit=rules.TEXT_LIMIT,
            too_long="message is too long",
            required=True,
        )
        markup = self._markup(req, state)
        if old.kind != "text":
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(
            state,
            old,
            "editMessageText",
            {"text": plain, "entities": entities},
            text=req.params.get("text"),
            parse_mode=parse_mode,
            markup=markup,
        )

    def _edit_message_caption(self, req: Request) -> JSON:
        state, old = self._message_to_edit(req, "editMessageCaption")
        content, caption, parse_mode = self._caption_content(req)
        markup = self._markup(req, state)
        if old.kind not in ("photo", "document", "voice"):
            raise bad_request("there is no caption in the message to edit")
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit(
            state,
            old,
            "editMessageCaption",
            changes,
            text=caption,
            parse_mode=parse_mode,
            markup=markup,
        )

    def _edit_message_reply_markup(self, req: Request) -> JSON:
        state, old = self._message_to_edit(req, "editMessageReplyMarkup")
        markup = self._markup(req, state)
        return self._apply_edit(
            state,
            old,
            "editMessageReplyMarkup",
            {},
            text=old.text,
            parse_mode=old.parse_mode,
            markup=markup,
        )

    def _delete_message(self, req: Request) -> bool:
        state = self._target(req, "deleteMessage")
        message_id = _int(req, "message_id", missing="message to delete not found")
        message = state.messages.get(message_id)
        if message is not None and not message.deleted:
            state.messages[message_id] = replace(message, deleted=True, method="deleteMessage")
            return True
        if state.user_messages.pop(message_id, None) is not None:
            return True
        raise bad_request("message to delete not found")

    # ---------------------------------------------------------------- callbacks and files

    def _answer_callback_query(self, req: Request) -> bool:
        query_id = str(req.params.get("callback_query_id") or "")
        if query_id not in self._state.open_queries:
            raise bad_request(_QUERY_INVALID)
        rules.check_callback_answer_text(req.params.get("text"))
        self._state.open_queries.discard(query_id)
        self._state.callback_answers[query_id] = dict(req.params)
        return True

    def _get_file(self, req: Request) -> JSON:
        stored = self._state.files.get(str(req.params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > rules.GET_FILE_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    # ---------------------------------------------------------------- chats and members

    def _get_chat(self, req: Request) -> JSON:
        state = self._target(req, "getChat")
        return {
            **state.chat_dict,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, req: Request) -> JSON:
        state = self._target(req, "getChatMember")
        user_id = _int(req, "user_id")
        if user_id == self._state.bot_id:
            user = self._state.bot_user()
            status = "administrator" if state.is_group else "member"
        else:
            fake = self._state.users.get(user_id)
            if fake is None:
                raise bad_request("user not found")
            user = fake.to_dict()
            default = "member" if state.chat.id == user_id else "left"
            status = state.members.get(user_id, default)
        return _member_dict(user, status)

    # ---------------------------------------------------------------- forward and copy

    def _source_message(self, req: Request, not_found: str) -> JSON:
        from_chat = req.params.get("from_chat_id")
        try:
            source = self._state.chats.get(int(from_chat)) if from_chat is not None else None
        except (TypeError, ValueError):
            source = None
        if source is None:
            raise bad_request("chat not found")
        message_id = _int(req, "message_id", missing=not_found)
        bot_message = source.messages.get(message_id)
        if bot_message is not None and not bot_message.deleted:
            return bot_message.raw
        user_message = source.user_messages.get(message_id)
        if user_message is None:
            raise bad_request(not_found)
        return user_message

    def _forward_message(self, req: Request) -> JSON:
        state = self._target(req, "forwardMessage")
        source = self._source_message(req, "message to forward not found")
        reply = self._admit(state, req)
        content = {k: source[k] for k in _COPIED if k in source}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": source["from"],
            "date": source["date"],
        }
        return self._new_message(
            state,
            "forwardMessage",
            content,
            text=source.get("text", source.get("caption")),
            parse_mode=None,
            markup=None,
            reply=reply,
        )

    def _copy_message(self, req: Request) -> JSON:
        state = self._target(req, "copyMessage")
        source = self._source_message(req, "message to copy not found")
        markup = self._markup(req, state)
        content = {k: source[k] for k in _COPIED if k in source}
        text = source.get("text", source.get("caption"))
        parse_mode = None
        if "caption" in req.params and "text" not in source:
            extra, text, parse_mode = self._caption_content(req)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(extra)
        reply = self._admit(state, req)
        raw = self._new_message(
            state,
            "copyMessage",
            content,
            text=text,
            parse_mode=parse_mode,
            markup=markup,
            reply=reply,
        )
        return {"message_id": raw["message_id"]}
