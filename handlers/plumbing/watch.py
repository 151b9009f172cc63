"""A transport wrapper that reports each successful call: the heartbeat of getUpdates (#21)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData


class WatchedRequest(BaseRequest):
    """Wraps a transport (the getUpdates one) and calls `on_success` after every 2xx answer."""

    __slots__ = ("_inner", "_on_success")

    def __init__(self, inner: BaseRequest, on_success: Callable[[], None]) -> None:
        self._inner = inner
        self._on_success = on_success

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await self._inner.do_request(
            url,
            method,
            request_data=request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if 200 <= code < 300:
            self._on_success()
        return code, payload
