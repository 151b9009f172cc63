"""Forms in the chat: a `FormView` drawn as a message, each offered press as `f:` data.

The form engine (bot/forms) is used by every feature, so drawing its views is plumbing, not
one feature's screen. Callback data `f:<draft8>:<where>:<action>` is far under 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.forms.view import FormPress, FormView
from handlers.plumbing.codec import Codec, Press
from handlers.plumbing.screen import Button, Screen


@dataclass(frozen=True, slots=True)
class FormButton(Press):
    """A pressed form button: the draft's first 8 hex, the question, the action."""

    action: ClassVar[str] = ""
    draft: str
    where: str
    what: str

    @property
    def press(self) -> FormPress:
        """The press as the engine knows it."""
        return FormPress(self.draft, self.where, self.what)


# `f:<draft8>:<where>:<action>`, as shipped: buttons in people's chats keep working.
FORM_CODEC = Codec("f", FormButton)


def form_data(press: FormPress) -> str:
    """The callback data of a form press."""
    return FORM_CODEC.encode(FormButton(press.draft, press.where, press.action))


def form_screen(view: FormView) -> Screen:
    """The message for a form's question, summary, receipt or cancel question."""
    rows = tuple(tuple(Button(o.label, form_data(o.press)) for o in row) for row in view.rows)
    return Screen(view.text, rows, finished=view.finished, after_commit=view.then)
