"""Mini App initData signed the way Telegram signs it, so a dashboard is tested end to end.

When a person opens a Mini App, Telegram hands it `initData`: a query string whose `hash` is
HMAC-SHA256 over every other field, sorted by key and joined as `key=value` lines, keyed with
HMAC-SHA256(key=b"WebAppData", msg=bot_token) (core.telegram.org/bots/webapps, "Validating data
received via the Mini App"). Only the signing lives here: the check belongs to the dashboard,
which must not import the test server. Telegram now also adds an Ed25519 `signature` for third
parties; only Telegram's private key can make it, so this server leaves it out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from bot.localapi.model import JSON, FakeUser

__all__ = ["data_check_string", "init_data_hash", "sign_init_data", "web_app_user"]


def data_check_string(fields: Mapping[str, str]) -> str:
    """Every field but `hash`, sorted by key, as `key=value` lines."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def init_data_hash(fields: Mapping[str, str], bot_token: str) -> str:
    """The hex `hash` Telegram puts on these fields for this bot."""
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    message = data_check_string(fields).encode()
    return hmac.new(secret_key, message, hashlib.sha256).hexdigest()


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """The initData query string: the fields in their order, then their `hash`."""
    signed = [(key, value) for key, value in fields.items() if key != "hash"]
    signed.append(("hash", init_data_hash(fields, bot_token)))
    # Telegram percent-encodes every reserved character (%7B%22id%22...), spaces as %20.
    return urlencode(signed, quote_via=quote)


def web_app_user(user: FakeUser) -> str:
    """The `user` field: WebAppUser JSON, compact, non-ASCII kept as Telegram sends it."""
    data: JSON = {"id": user.id, "first_name": user.first_name}
    if user.last_name is not None:
        data["last_name"] = user.last_name
    if user.username is not None:
        data["username"] = user.username
    if user.language_code is not None:
        data["language_code"] = user.language_code
    data["allows_write_to_pm"] = True
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
