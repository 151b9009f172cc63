"""What the form engine shows, free of any surface: translated text and the presses it offers.

The chat draws a `FormView` as a message with buttons (handlers/forms), writing each
`FormPress` as callback data with its codec; another surface could draw the same view as a
web form. The engine never writes callback data itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.i18n import Safe


@dataclass(frozen=True, slots=True)
class FormPress:
    """A press the engine offers: which draft (its first 8 hex), which question, what action.

    `where` is the question's index, "S" for the summary or "R" to resume a paused form;
    `action` is "o3" (the fourth option), "b" back, "s" skip, "d" done, "ok" submit, "e2"
    change the third answer, "x" cancel and its choices "xd", "xk", "xc", "r" resume.
    """

    draft: str
    where: str
    action: str


@dataclass(frozen=True, slots=True)
class Offer:
    """A labelled press (a button in the chat)."""

    label: str
    press: FormPress


@dataclass(frozen=True)
class FormView:
    """A question, the summary, a receipt or a cancel question, in the reader's language."""

    text: Safe
    rows: tuple[tuple[Offer, ...], ...] = ()
    finished: bool = False  # the form ended: a receipt, or cancelled
    quiet: bool = False  # nothing to say (a later part of a text already answered)
    # Work that must follow the commit and the reply (urgent alerts after a report).
    then: Callable[[], Awaitable[None]] | None = None
