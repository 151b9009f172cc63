"""Drive the incident form as a person would: read each question, answer it (Russian)."""

from __future__ import annotations

from bot.forms.incident import INCIDENT
from bot.i18n import translator
from bot.localapi import BotMessage, FakeUser, LocalBotApi

RU = translator("ru")
# Each prompt without what a step adds for some people (the anonymity question's warning).
PROMPTS = sorted(
    ((RU.gettext(s.prompt, warning=""), s.key) for s in INCIDENT.steps), key=lambda p: -len(p[0])
)
SUMMARY = RU.gettext("Please check your answers:")
MENU = RU.gettext("What would you like to do?")
RECEIVED = RU.catalog.gettext("Received: {what}").split("{what}")[0]
TYPED = {
    "village": "Кара-Суу",
    "injuries": "0",
    "fatalities": "0",
    "description": "Спор у канала <b>&",
}
SKIPPED = {"location", "actor2", "photos"}


def step_of(message: BotMessage) -> str | None:
    """Which question (or the summary, or the receipt) a bot message shows."""
    if SUMMARY in message.text:
        return "summary"
    if "№" in message.text and not message.flat_buttons:
        return "receipt"
    return next((key for prompt, key in PROMPTS if prompt in message.text), None)


async def answer(server: LocalBotApi, user: FakeUser, message: BotMessage) -> bool:
    """Answer the question in `message`; True once the receipt is there."""
    step = step_of(message)
    labels = [text for text, _ in message.flat_buttons]
    if step == "receipt":
        return True
    if step == "summary":
        await server.press_button(user, next(t for t in labels if "✅" in t), message=message)
    elif step in SKIPPED:
        await server.press_button(user, next(t for t in labels if "⏭" in t), message=message)
    elif step == "description" and RECEIVED in message.text:
        await server.press_button(user, next(t for t in labels if "✔️" in t), message=message)
    elif step in TYPED:
        await server.send_text(user, TYPED[step])
    elif step is not None:
        await server.press_button(user, index=0, message=message)
    return False
