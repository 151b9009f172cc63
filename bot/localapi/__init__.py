"""A local Telegram Bot API server for tests, benchmarks and a sandbox."""

from bot.localapi.html_check import HtmlParseError, check_html, html_error, parse_html
from bot.localapi.server import ApiCall, BotMessage, FakeChat, FakeUser, LocalBotApi

__all__ = [
    "ApiCall",
    "BotMessage",
    "FakeChat",
    "FakeUser",
    "HtmlParseError",
    "LocalBotApi",
    "check_html",
    "html_error",
    "parse_html",
]
