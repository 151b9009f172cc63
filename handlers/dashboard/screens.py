"""What /dashboard shows in the chat: the Mini App's button and a one-time link for a browser."""

from __future__ import annotations

from bot.i18n import N_, Tr, escape
from bot.rules.dashboard import DashboardEntry, LoginLinkMade
from handlers.dashboard.buttons import CODEC, MakeLoginLink
from handlers.plumbing.screen import Button, Screen

MENU_BUTTON = N_("Dashboard")


def entry(shown: DashboardEntry, tr: Tr) -> Screen:
    """/dashboard: open it here as a Mini App, or ask for a link for a computer's browser."""
    text: str = tr.gettext(
        N_(
            "The dashboard shows the reports of your area on a map and in a table, the "
            "tension, women's needs and practices, with the same rights as here."
        )
    )
    rows: list[tuple[Button, ...]] = []
    if shown.mini_app is not None:
        rows.append(
            (Button("🗺 " + tr.pgettext("button", "Open the dashboard"), web_app=shown.mini_app),)
        )
    else:
        text += "\n\n" + tr.gettext(
            N_("It cannot open inside Telegram at this address; use a browser.")
        )
    rows.append(
        (
            Button(
                "💻 " + tr.pgettext("button", "Link for a browser"), CODEC.encode(MakeLoginLink())
            ),
        )
    )
    return Screen(text, tuple(rows))


def login_link(made: LoginLinkMade, tr: Tr) -> Screen:
    """A one-time link: in the text to copy, and as a button that opens it."""
    text = tr.ngettext(
        "Open this link in a browser within {n} minute. It works once; do not share it.",
        "Open this link in a browser within {n} minutes. It works once; do not share it.",
        made.minutes,
    )
    return Screen(
        f"{text}\n\n<code>{escape(made.url)}</code>",
        ((Button("🔗 " + tr.pgettext("button", "Open in the browser"), url=made.url),),),
    )


def menu_button_text(tr: Tr) -> str:
    """The label of the chat's menu button that opens the Mini App."""
    return tr.label(MENU_BUTTON)
