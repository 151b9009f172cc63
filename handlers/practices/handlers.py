"""Practices: /practice, /practices, /search and their buttons (`pr:<action>:<ids>`)."""

from __future__ import annotations

from telegram import Update

from bot.forms.view import FormView
from bot.screen import Screen
from bot.services.practices import PracticeService
from bot.services.recommendations import RecommendationService
from handlers.plumbing.context import AppContext
from handlers.plumbing.parsing import Press, chat_of, id_of, press_button
from handlers.plumbing.render import answer_query, reply

NO_FILTER = "-"


def _opt(value: str) -> str | None:
    return None if value == NO_FILTER else value


async def on_practice(update: Update, context: AppContext) -> None:
    """/practice and the menu entry: share a practice."""
    screen = await context.rules(PracticeService).start_form(
        context.actor, chat_id=chat_of(update)
    )
    await reply(update, context, screen)


async def on_practices(update: Update, context: AppContext) -> None:
    """/practices and the menu entry: browse what peers shared."""
    await reply(update, context, await context.rules(PracticeService).browse(context.actor))


async def on_search(update: Update, context: AppContext) -> None:
    """/search word: matches at once; /search alone asks for the word."""
    practices = context.rules(PracticeService)
    words = " ".join(context.args or ())
    screen: Screen | FormView
    if words:
        screen = await practices.search(context.actor, words)
    else:
        screen = await practices.start_search(context.actor, chat_id=chat_of(update))
    await reply(update, context, screen)


# Every button re-checks role and visibility in the service; ids are all the data carries.
BUTTONS: dict[str, Press[Screen | FormView | str]] = {
    "l": lambda c, a, _: c.rules(PracticeService).browse(
        c.actor, topic=_opt(a[0]), region=_opt(a[1]), sort=a[2], page=id_of(a[3])
    ),
    "t": lambda c, a, _: c.rules(PracticeService).choose_topic(
        c.actor, region=_opt(a[0]), sort=a[1]
    ),
    "r": lambda c, a, _: c.rules(PracticeService).choose_region(
        c.actor, topic=_opt(a[0]), sort=a[1]
    ),
    "o": lambda c, a, _: c.rules(PracticeService).open(c.actor, id_of(a[0])),
    "h": lambda c, a, _: c.rules(PracticeService).mark_helpful(c.actor, id_of(a[0])),
    "q": lambda c, a, chat: c.rules(PracticeService).start_question(
        c.actor, id_of(a[0]), chat_id=chat
    ),
    "an": lambda c, a, chat: c.rules(PracticeService).start_answer(
        c.actor, id_of(a[0]), chat_id=chat
    ),
    "my": lambda c, a, _: c.rules(PracticeService).mine(c.actor, id_of(a[0])),
    "sf": lambda c, a, chat: c.rules(PracticeService).start_search(c.actor, chat_id=chat),
    "s": lambda c, a, _: c.rules(PracticeService).search_page(c.actor, id_of(a[0]), id_of(a[1])),
    "e": lambda c, a, chat: c.rules(PracticeService).start_edit(
        c.actor, id_of(a[0]), chat_id=chat
    ),
    "w": lambda c, a, _: c.rules(PracticeService).waiting(c.actor, id_of(a[0])),
    "ok": lambda c, a, _: c.rules(PracticeService).approve(c.actor, id_of(a[0])),
    "ed": lambda c, a, chat: c.rules(PracticeService).start_review_comment(
        c.actor, id_of(a[0]), form_id="practice_edits", chat_id=chat
    ),
    "dc": lambda c, a, chat: c.rules(PracticeService).start_review_comment(
        c.actor, id_of(a[0]), form_id="practice_decline", chat_id=chat
    ),
    "x": lambda c, a, _: c.rules(RecommendationService).choose_topic(c.actor),
    "xt": lambda c, a, _: c.rules(RecommendationService).choose_period(c.actor, a[0]),
    "xp": lambda c, a, _: c.rules(RecommendationService).choose_format(c.actor, a[0], id_of(a[1])),
    "xf": lambda c, a, _: c.rules(RecommendationService).document_for(
        c.actor, _opt(a[0]), id_of(a[1]), a[2]
    ),
}


async def on_button(update: Update, context: AppContext) -> None:
    """A `pr:` button; the practice service re-checks who may see or do it."""
    result = await press_button(update, context, BUTTONS)
    if isinstance(result, str):  # a toast only, such as "thank you" for "this helped me"
        assert update.callback_query is not None
        await answer_query(update.callback_query, result)
        return
    await reply(update, context, result)
