"""Mini App initData signed by the local Bot API server, checked as Telegram's docs say.

The check here is written from core.telegram.org/bots/webapps ("Validating data received via
the Mini App") with hmac and hashlib directly, not with the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.localapi import LocalBotApi
from bot.localapi.initdata import init_data_hash, sign_init_data

# A published vector: aiogram's tests (tests/test_utils/test_web_app.py) accept this initData
# for the token "42:TEST".
AIOGRAM_TOKEN = "42:TEST"
AIOGRAM_FIELDS = {
    "auth_date": "1650385342",
    "user": '{"id":42,"first_name":"Test"}',
    "query_id": "test",
}
AIOGRAM_HASH = "46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"


def telegram_hash(fields: dict[str, str], token: str) -> str:
    """The hash as the Bot API documentation computes it."""
    secret_key = hmac.new(key=b"WebAppData", msg=token.encode(), digestmod=hashlib.sha256)
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    return hmac.new(secret_key.digest(), check.encode(), hashlib.sha256).hexdigest()


def parse(init_data: str) -> tuple[dict[str, str], str]:
    """initData's fields (URL-decoded) and its hash."""
    fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    return fields, fields.pop("hash")


def is_valid(init_data: str, token: str) -> bool:
    """Telegram's documented check, independent of bot.localapi."""
    fields, received = parse(init_data)
    return hmac.compare_digest(telegram_hash(fields, token), received)


def test_the_hash_matches_a_published_vector_and_the_documented_formula() -> None:
    assert telegram_hash(AIOGRAM_FIELDS, AIOGRAM_TOKEN) == AIOGRAM_HASH
    assert init_data_hash(AIOGRAM_FIELDS, AIOGRAM_TOKEN) == AIOGRAM_HASH
    signed = sign_init_data(AIOGRAM_FIELDS, AIOGRAM_TOKEN)
    assert signed == urlencode({**AIOGRAM_FIELDS, "hash": AIOGRAM_HASH}).replace("+", "%20")
    assert is_valid(signed, AIOGRAM_TOKEN)


def test_a_hash_already_among_the_fields_is_not_signed() -> None:
    signed = sign_init_data({**AIOGRAM_FIELDS, "hash": "0" * 64}, AIOGRAM_TOKEN)
    fields, received = parse(signed)
    assert fields == AIOGRAM_FIELDS and received == AIOGRAM_HASH


def test_the_server_signs_the_users_init_data_with_its_token() -> None:
    api = LocalBotApi(token="777:SECRET")
    user = api.user(5001, "Гүлнара", last_name="Асанова", username="gulnara", language_code="ky")
    before = int(time.time())
    init_data = api.web_app_init_data(user)
    assert is_valid(init_data, "777:SECRET")
    assert not is_valid(init_data, LocalBotApi().token)
    fields, _ = parse(init_data)
    assert set(fields) == {"query_id", "user", "auth_date"}
    assert json.loads(fields["user"]) == {
        "id": 5001,
        "first_name": "Гүлнара",
        "last_name": "Асанова",
        "username": "gulnara",
        "language_code": "ky",
        "allows_write_to_pm": True,
    }
    assert before <= int(fields["auth_date"]) <= int(time.time())
    assert "%7B%22id%22%3A5001" in init_data and " " not in init_data


def test_auth_date_is_given_or_follows_the_users_clock() -> None:
    api = LocalBotApi()
    user = api.user(5002, "Айбек", language_code=None)
    stale = api.web_app_init_data(user, auth_date=1_700_000_000)
    fields, _ = parse(stale)
    assert fields["auth_date"] == "1700000000" and is_valid(stale, api.token)
    assert "language_code" not in json.loads(fields["user"])
    api.advance_clock(7200)
    later, _ = parse(api.web_app_init_data(user))
    assert int(later["auth_date"]) >= int(time.time()) + 7200 - 1
    first, _ = parse(api.web_app_init_data(user))
    assert first["query_id"] != later["query_id"]


@pytest.mark.parametrize("field", ["query_id", "user", "auth_date"])
def test_changing_any_field_breaks_the_signature(field: str) -> None:
    api = LocalBotApi()
    user = api.user(5003, "Нурлан")
    fields, received = parse(api.web_app_init_data(user, auth_date=1_750_000_000))
    assert telegram_hash(fields, api.token) == received
    changed = {
        "query_id": fields["query_id"] + "x",
        "user": fields["user"].replace("5003", "5004"),
        "auth_date": str(int(fields["auth_date"]) + 1),
    }
    forged = {**fields, field: changed[field]}
    assert telegram_hash(forged, api.token) != received
    missing = {key: value for key, value in fields.items() if key != field}
    assert telegram_hash(missing, api.token) != received
    assert telegram_hash({**fields, "start_param": "x"}, api.token) != received
