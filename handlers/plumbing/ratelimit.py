"""Rate limiting that keeps Telegram's bulk limit for notifications, not for replies."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

# Sends that fan out (digests, alerts, relays) pass this as `rate_limit_args`: their retry
# budget, which also puts them under the overall ~30 messages a second.
NOTIFICATION_RETRIES = 5


class NotificationRateLimiter(AIORateLimiter):
    """AIORateLimiter whose overall limit applies to notifications only.

    Telegram's ~30 messages/s is the limit for bulk notifications; an answer to a person who
    just wrote goes out at once (each person waits for it, so a private chat stays far below
    its own ~1/s). Group chats keep their 20/min limit, and a 429 is still retried.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if rate_limit_args is None and _private_chat(data.get("chat_id")):
            data = {k: v for k, v in data.items() if k != "chat_id"}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def _private_chat(chat_id: object) -> bool:
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id) > 0  # type: ignore[call-overload,no-any-return]
    return False
