"""A local Telegram Bot API server for tests, benchmarks and a sandbox (see server.py)."""

from bot.localapi.html_check import HtmlParseError, check_html, html_error, parse_html
from bot.localapi.model import ApiCall, BotMessage, FakeChat, FakeUser, FaultKind
from bot.localapi.server import LocalBotApi

__all__ = [
    "ApiCall",
    "BotMessage",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "HtmlParseError",
    "LocalBotApi",
    "check_html",
    "html_error",
    "parse_html",
]
