"""The local Telegram Bot API server: the HTTP listener, dispatch, and the class composing it.

`LocalBotApi` is what tests, bench/ and the sandbox hold. It is assembled from parts, one concern
a module, sharing one `ServerState` (state.py):

| concern | module |
|---|---|
| records (users, chats, bot messages, calls, errors) | model.py |
| Telegram's validation rules and flood limits | rules.py (and html_check.py for HTML) |
| the Bot API methods | methods.py (update queue: updates.py; files: files.py) |
| the play-the-user side and reading the bot's output | users.py |
| injected and random faults, the late "timeout" answer | faults.py |
| Mini App initData signing | initdata.py |

Composition, not one class in several files: the methods, the flood limits and the faults are
objects this class holds, each with only the state it needs, so each is tested alone. The class
inherits only the user side (`PlayedUsers`), because a test uses the server as that API; the
knobs and counters tests read and set (`strict_limits`, `too_many_requests`, `faults_fired`...)
stay attributes of the server as properties over the part that owns them. This module keeps what
is HTTP: routing, decoding form fields, latency, fault timing, call records and the JSON answer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.localapi.faults import FaultInjector, fault_error
from bot.localapi.methods import BotApiMethods, Method
from bot.localapi.model import (
    JSON,
    ApiCall,
    ApiError,
    BotMessage,
    FakeChat,
    FakeUser,
    FaultKind,
    Request,
    Upload,
    bad_request,
)
from bot.localapi.rules import SEND_METHODS, FloodLimits
from bot.localapi.state import ServerState
from bot.localapi.users import PlayedUsers

__all__ = [
    "ApiCall",
    "BotMessage",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "LocalBotApi",
]

# Form fields that are plain strings; every other field PTB sends is JSON-encoded.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "file_id",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "username",
        "query",
        "action",
        "emoji",
        "inline_message_id",
        "language_code",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "question",
        "photo",
        "document",
        "voice",
        "audio",
        "video",
        "sticker",
        "animation",
        "thumbnail",
    }
)


def _decode_field(key: str, value: str) -> Any:
    if key in _STRING_FIELDS or not value:
        return value
    if value[0] in "{[-0123456789" or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _json_response(status: int, payload: JSON) -> web.Response:
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )


def _error_payload(err: ApiError) -> JSON:
    payload: JSON = {"ok": False, "error_code": err.code, "description": err.description}
    if err.retry_after is not None:
        payload["parameters"] = {"retry_after": err.retry_after}
    return payload


def _recorded_params(req: Request) -> JSON:
    if not req.files:
        return req.params
    params = dict(req.params)
    for key, upload in req.files.items():
        params[key] = {"filename": upload.filename, "size": len(upload.data)}
    return params


class LocalBotApi(PlayedUsers):
    """Telegram Bot API server on 127.0.0.1 for tests, benchmarks and a sandbox."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "ayilbot_test_bot",
        bot_first_name: str = "Ayil Test Bot",
        latency_ms: float = 0,
        strict_limits: bool = False,
        global_limit_per_s: int = 30,
        group_limit_per_min: int = 20,
        private_burst: int = 8,
        private_rate_per_s: float = 1.0,
        fault_hold_s: float = 6.0,
        record_calls: bool = True,
    ) -> None:
        super().__init__(
            ServerState(token=token, bot_username=bot_username, bot_first_name=bot_first_name)
        )
        self.latency_ms = latency_ms
        self.record_calls = record_calls
        self._flood = FloodLimits(
            strict=strict_limits,
            global_per_s=global_limit_per_s,
            group_per_min=group_limit_per_min,
            private_burst=private_burst,
            private_rate_per_s=private_rate_per_s,
        )
        self._faults = FaultInjector(hold_s=fault_hold_s)
        self._api = BotApiMethods(self._state, self._flood)
        # Telegram matches method names case-insensitively; calls are recorded as it spells them.
        self._methods: dict[str, tuple[str, Method]] = {
            name.lower(): (name, method) for name, method in self._api.table().items()
        }
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._host = "127.0.0.1"

    # ---------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 = a free port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away must not linger.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host = host
        self._port = int(self._runner.addresses[0][1])
        self._state.closing.clear()

    async def stop(self) -> None:
        """Release long polls and held requests, then close the listener."""
        self._state.closing.set()
        self._state.updates.arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT/."""
        return f"http://{self._host}:{self._port}/"

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder().base_url()."""
        return f"{self.url}bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder().base_file_url()."""
        return f"{self.url}file/bot"

    # ---------------------------------------------------------------- the bot's identity

    @property
    def token(self) -> str:
        """The bot token this server accepts."""
        return self._state.token

    @property
    def bot_username(self) -> str:
        """The bot's @username, without the @."""
        return self._state.bot_username

    @property
    def bot_first_name(self) -> str:
        """The bot's display name."""
        return self._state.bot_first_name

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before ':' in the token."""
        return self._state.bot_id

    def bot_user(self) -> JSON:
        """The bot as a Telegram User object."""
        return self._state.bot_user()

    # ---------------------------------------------------------------- faults

    def inject_fault(
        self,
        method: str | None,
        *,
        kind: FaultKind,
        count: int = 1,
        retry_after: int = 1,
        hold_s: float | None = None,
    ) -> None:
        """Make the next `count` calls of `method` fail (None = any method but getUpdates)."""
        self._faults.inject(method, kind=kind, count=count, retry_after=retry_after, hold_s=hold_s)

    def random_faults(
        self,
        rate: float,
        kinds: Sequence[FaultKind] = ("429", "500"),
        seed: int = 0,
    ) -> None:
        """Fail a `rate` share of calls (not getUpdates) with a random kind; rate 0 turns off."""
        self._faults.randomly(rate, kinds, seed)

    def clear_faults(self) -> None:
        """Drop pending injected and random faults."""
        self._faults.clear()

    @property
    def faults_fired(self) -> int:
        """Faults that fired so far, injected and random."""
        return self._faults.fired

    @faults_fired.setter
    def faults_fired(self, value: int) -> None:
        self._faults.fired = value

    @property
    def faults_by_kind(self) -> Counter[str]:
        """Fired faults by kind."""
        return self._faults.by_kind

    @property
    def fault_hold_s(self) -> float:
        """How late a "timeout" fault answers, unless the fault says."""
        return self._faults.hold_s

    @fault_hold_s.setter
    def fault_hold_s(self, value: float) -> None:
        self._faults.hold_s = value

    # ---------------------------------------------------------------- flood limits

    @property
    def strict_limits(self) -> bool:
        """Whether sends beyond Telegram's flood limits answer 429."""
        return self._flood.strict

    @strict_limits.setter
    def strict_limits(self, value: bool) -> None:
        self._flood.strict = value

    @property
    def global_limit_per_s(self) -> int:
        """Sends per second over all chats."""
        return self._flood.global_per_s

    @global_limit_per_s.setter
    def global_limit_per_s(self, value: int) -> None:
        self._flood.global_per_s = value

    @property
    def group_limit_per_min(self) -> int:
        """Sends per minute into one group."""
        return self._flood.group_per_min

    @group_limit_per_min.setter
    def group_limit_per_min(self, value: int) -> None:
        self._flood.group_per_min = value

    @property
    def private_burst(self) -> int:
        """Sends a private chat takes at once before 429."""
        return self._flood.private_burst

    @private_burst.setter
    def private_burst(self, value: int) -> None:
        self._flood.private_burst = value

    @property
    def private_rate_per_s(self) -> float:
        """Sends per second a private chat takes after its burst."""
        return self._flood.private_rate_per_s

    @private_rate_per_s.setter
    def private_rate_per_s(self, value: float) -> None:
        self._flood.private_rate_per_s = value

    @property
    def too_many_requests(self) -> int:
        """Sends answered 429 by the flood limits (injected 429 faults not counted)."""
        return self._flood.rejected

    @too_many_requests.setter
    def too_many_requests(self, value: int) -> None:
        self._flood.rejected = value

    # ---------------------------------------------------------------- what the bot did

    @property
    def calls(self) -> list[ApiCall]:
        """Every call the bot made, in order (when record_calls)."""
        return self._state.calls

    @property
    def callback_answers(self) -> dict[str, JSON]:
        """answerCallbackQuery parameters by callback query id."""
        return self._state.callback_answers

    @property
    def webhook_url(self) -> str | None:
        """The URL setWebhook set, None without a webhook."""
        return self._state.webhook_url

    @webhook_url.setter
    def webhook_url(self, value: str | None) -> None:
        self._state.webhook_url = value

    @property
    def commands(self) -> dict[tuple[str, str], list[JSON]]:
        """setMyCommands lists by (scope JSON, language code)."""
        return self._state.commands

    @property
    def menu_buttons(self) -> dict[int | None, JSON]:
        """setChatMenuButton buttons by chat id (None: every private chat)."""
        return self._state.menu_buttons

    @property
    def peak_inflight(self) -> int:
        """Most calls (polls aside) the bot had open at once."""
        return self._state.peak_inflight

    @property
    def _delivered(self) -> dict[int, JSON]:
        # Tests read a queued update's exact JSON through this (it was an attribute).
        return self._state.updates.delivered

    # ---------------------------------------------------------------- HTTP side

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._state.files.at_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return _json_response(
                404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    @staticmethod
    async def _read_request(request: web.Request) -> Request:
        params: JSON = {}
        files: dict[str, Upload] = {}
        for key, value in request.query.items():
            params[key] = _decode_field(key, value)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            if isinstance(body, dict):
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for name, part in form.items():
                if isinstance(part, web.FileField):
                    files[name] = Upload(part.file.read(), part.filename, part.content_type)
                elif isinstance(part, str):
                    params[name] = _decode_field(name, part)
                else:
                    params[name] = _decode_field(name, bytes(part).decode("utf-8", "replace"))
        return Request(params, files)

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json_response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        try:
            req = await self._read_request(request)
        except ValueError:
            return _json_response(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
            )
        state = self._state
        entry = self._methods.get(request.match_info["method"].lower())
        name = entry[0] if entry else request.match_info["method"]
        call = ApiCall(name, _recorded_params(req), time.monotonic())
        if self.record_calls:
            state.calls.append(call)
        is_poll = name == "getUpdates"
        if not is_poll:
            state.inflight += 1
            state.peak_inflight = max(state.peak_inflight, state.inflight)
        try:
            half = self.latency_ms / 2000
            if half > 0:
                await asyncio.sleep(half)
            status, payload = await self._dispatch(name, entry, req)
            if half > 0:
                await asyncio.sleep(half)
        except asyncio.CancelledError:
            call.status, call.description = 499, "client closed the connection"
            raise
        finally:
            if not is_poll:
                state.inflight -= 1
        call.status = status
        if status == 200:
            state.ok_counts[name] += 1
            if name in SEND_METHODS:
                state.sent_messages += 1
        else:
            call.description = payload.get("description")
        state.touch()
        return _json_response(status, payload)

    async def _dispatch(
        self, name: str, entry: tuple[str, Method] | None, req: Request
    ) -> tuple[int, JSON]:
        if entry is None:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        try:
            fault = self._faults.take(name)
            if fault is not None and fault.kind != "timeout":
                raise fault_error(fault)
            if name == "getUpdates":
                result = await self._api.get_updates(req)
            else:
                try:
                    result = entry[1](req)
                except (TypeError, ValueError, KeyError, AttributeError) as exc:
                    # Malformed parameters the checks missed: answer like Telegram would.
                    raise bad_request(f"wrong parameters: {exc!r}") from exc
            if fault is not None:
                # The call took effect; only the answer is late, as after a real timeout.
                await self._faults.hold(fault, self._state.closing)
        except ApiError as err:
            return err.code, _error_payload(err)
        return 200, {"ok": True, "result": result}
