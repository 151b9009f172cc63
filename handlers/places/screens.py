"""What the typed places feature shows: the names typed by hand in a coordinator's reach.

Pure functions of the rules' records and the reader's translator; user text is escaped.
"""

from __future__ import annotations

from typing import Literal, cast

from bot.i18n import N_, Tr, escape
from bot.rules.places import TypedName, TypedNames
from handlers.places.buttons import CODEC, HOLDER_LETTERS, ListTyped, OpenTyped
from handlers.plumbing.screen import Button, Screen


def _counts(name: TypedName, tr: Tr) -> str:
    parts = []
    if name.reports:
        parts.append(tr.ngettext("{n} report", "{n} reports", name.reports))
    if name.people:
        parts.append(tr.ngettext("{n} person", "{n} people", name.people))
    if name.needs:
        parts.append(tr.ngettext("{n} need", "{n} needs", name.needs))
    return ", ".join(parts)


def _label(name: TypedName) -> str:
    shown = name.typed if len(name.typed) <= 40 else name.typed[:39] + "…"
    return f"📍 {shown} ({len(name.records)})"


def typed_names(found: TypedNames, tr: Tr) -> Screen:
    """The typed names, most frequent first, each a button that asks which place it is."""
    if not found.names:
        return Screen(
            tr.gettext(N_("No places typed by hand in your area: every answer is on the list."))
        )
    lines = [
        tr.gettext(N_("📍 <b>Places typed by hand</b>")),
        tr.gettext(
            N_(
                "These answers name a place that was not on the list. Press one to attach it "
                "to a place from the list: it then counts there everywhere."
            )
        ),
        "",
    ]
    buttons = []
    for number, name in enumerate(found.names, start=1):
        where = name.within.name(tr.locale) if name.within else tr.gettext(N_("no place chosen"))
        lines.append(f"{number}. «{escape(name.typed)}» — {escape(where)}: {_counts(name, tr)}")
        letter = cast(Literal["i", "u", "n"], HOLDER_LETTERS[name.first.holder])
        press = OpenTyped(letter, name.first.id)
        buttons.append((Button(_label(name), CODEC.encode(press)),))
    if found.hidden:
        lines += [
            "",
            tr.ngettext(
                "{n} more name is listed once these are attached.",
                "{n} more names are listed once these are attached.",
                found.hidden,
            ),
        ]
    buttons.append((Button("🔄 " + tr.pgettext("button", "Refresh"), CODEC.encode(ListTyped())),))
    return Screen("\n".join(lines), tuple(buttons))
