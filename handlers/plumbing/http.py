"""An aiohttp transport for python-telegram-bot, chosen over HTTPXRequest by measurement.

Under many concurrent calls httpcore spends most of the bot's CPU scanning its connection pool
(encode/httpcore#1035); aiohttp's connector does not (see bench/RESULTS.md). Everything else
(status codes to exceptions, JSON parsing, retries) stays in PTB's BaseRequest.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logs import redact

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """`BaseRequest` on an aiohttp session with a bounded keep-alive connection pool."""

    __slots__ = (
        "_connect_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """Telegram's answer, without the keyboards it echoes back (see `forget_keyboards`)."""
        data = BaseRequest.parse_json_payload(payload)
        forget_keyboards(data.get("result"))
        return data

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp's `connect` covers waiting for a pooled connection as well as connecting.
        waiting = None if connect is None and pool is None else (connect or 0) + (pool or 0)
        timeout = aiohttp.ClientTimeout(total=None, connect=waiting, sock_read=read)
        try:
            async with self._session.request(
                method, url, timeout=timeout, **_body(request_data)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # aiohttp's text names the address, and the address holds the token.
            raise NetworkError(redact(f"aiohttp.{err.__class__.__name__}: {err}")) from None


def forget_keyboards(result: object) -> None:
    """Drop the inline keyboards Telegram echoes back, in place, before PTB parses them.

    A message just sent comes back with the keyboard we sent, and a pressed button's update
    carries its message's whole keyboard. PTB would build an object for every button of both
    (a quarter of the bot's CPU in a form, `bench/`), and nothing reads them: what a button
    means is its callback data, read by the feature's codec.
    """
    if isinstance(result, dict) and "message_id" in result:  # a message sent or edited
        result.pop("reply_markup", None)
    elif isinstance(result, list):  # getUpdates
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            message = query.get("message") if isinstance(query, dict) else None
            if isinstance(message, dict):
                message.pop("reply_markup", None)


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """A JSON body, which the Bot API accepts and which costs one dumps instead of urlencoding
    every field; multipart, as PTB encodes it, when files are attached."""
    if request_data is None:
        return {}
    if not request_data.contains_files:
        return {"data": json.dumps(request_data.parameters).encode(), "headers": _JSON}
    fields = request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content = part[0], part[1]
        mime = part[2] if len(part) > 2 else "application/octet-stream"
        data = content.read() if hasattr(content, "read") else content
        form.add_field(name, data, filename=filename, content_type=mime)
    return {"data": form}
