"""What everyone sees: the menu, /help, the erase question and the short answers around them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.core.access import Access, Actor
from bot.forms.view import FormPress, FormView
from bot.i18n import N_, Safe, Tr, escape
from bot.rules.users import Granted, InvitationRefused, Onboarding, Refusal
from handlers.common.buttons import CODEC, EraseMe, KeepMe
from handlers.plumbing.feature import Command, MenuEntry
from handlers.plumbing.forms import form_data
from handlers.plumbing.menu import menu_button
from handlers.plumbing.screen import Button, Screen, rows


def menu(
    actor: Actor,
    access: Access,
    tr: Tr,
    paused: Sequence[tuple[str, FormPress]],
    entries: Sequence[MenuEntry],
) -> Screen:
    """The menu for this person: what their role allows, and forms they put aside."""
    buttons = [
        menu_button(tr.label(e.label), e.key)
        for e in entries
        if e.listed and access.allows(actor, e.permission)
    ]
    resume = [(Button("↩️ " + tr.label(title), form_data(press)),) for title, press in paused]
    return Screen(tr.gettext(N_("What would you like to do?")), (*resume, *rows(buttons, 2)))


def help_text(
    actor: Actor, access: Access, tr: Tr, commands: Sequence[Command], entries: Sequence[MenuEntry]
) -> Screen:
    """/help: what the bot is for, and the commands this person may use."""
    by_entry = {e.key: e.permission for e in entries if e.listed}
    lines = [
        f"/{c.name} — {escape(tr.label(c.description))}"
        for c in commands
        if c.description is not None
        and not c.in_groups
        and (
            (c.permission or by_entry.get(c.name)) is None
            or access.allows(actor, c.permission or by_entry[c.name])
        )
    ]
    intro = tr.gettext(
        N_(
            "I help village leaders report disputes over water, pasture and land, women "
            "candidates bring women's needs into local plans, and peers share what worked."
        )
    )
    return Screen(Safe(intro + "\n\n" + "\n".join(lines)))


def open_private_chat(tr: Tr, bot_username: str | None) -> Screen:
    """Any command in a group chat: forms are filled in private."""
    return Screen(
        tr.gettext(N_("Forms are filled in a private chat with me.")),
        (
            (
                Button(
                    tr.pgettext("button", "Open a private chat"),
                    url=f"https://t.me/{bot_username}",
                ),
            ),
        ),
    )


def invitation_refused(refused: InvitationRefused, tr: Tr) -> Safe:
    """Why an invitation link gives nothing, and what to do about it."""
    if refused.reason is Refusal.EXPIRED:
        return tr.ngettext(
            "This invitation link has expired: a link works for {n} day. Ask the person who "
            "sent it for a new one.",
            "This invitation link has expired: a link works for {n} days. Ask the person who "
            "sent it for a new one.",
            refused.days,
        )
    if refused.reason is Refusal.USED:
        return tr.gettext(
            N_(
                "This invitation link has already been used: each link works once, for one "
                "person. Ask the person who sent it for a new one."
            )
        )
    return tr.gettext(
        N_(
            "This invitation link is not valid; perhaps part of it was lost when it was "
            "copied. Ask the person who sent it for a new one."
        )
    )


def onboarding_start(started: Onboarding, tr: Tr) -> FormView:
    """A newcomer's first question, below what was wrong with the link she opened."""
    if started.refused is None:
        return started.form
    notice = "⚠️ " + invitation_refused(started.refused, tr)
    return replace(started.form, text=Safe(notice + "\n\n" + started.form.text))


def invitation_opened(opened: Granted | InvitationRefused, tr: Tr) -> Screen:
    """An invite link opened by someone already registered."""
    if isinstance(opened, InvitationRefused):
        return Screen(Safe("⚠️ " + invitation_refused(opened, tr)))
    if opened.role == "admin":
        return Screen(tr.gettext(N_("The invitation is accepted: you are now an administrator.")))
    return Screen(tr.gettext(N_("The invitation is accepted: you now have the coordinator role.")))


def cancelled(tr: Tr, *, was_open: bool) -> Screen:
    """/cancel's answer."""
    text = (
        N_("The form was cancelled and what you entered was deleted.")
        if was_open
        else N_("There is no open form to cancel.")
    )
    return Screen(tr.gettext(text))


def mydata_file(data: Mapping[str, Any]) -> bytes:
    """The /mydata file: everything stored, as indented JSON in the person's own script."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def mydata_caption(tr: Tr) -> str:
    """The caption of the /mydata file."""
    return tr.gettext(N_("Everything I store about you is in this file."))


def erase_question(tr: Tr, backup_days: int) -> Screen:
    """/deleteme: ask for confirmation, saying plainly what stays and for how long."""
    return Screen(
        tr.gettext(
            N_(
                "Erase your account and personal data? Your name, profile, drafts, needs, "
                "searches, unpublished practices and memberships are deleted now. Incident "
                "reports and published practices you sent stay, without your name, because "
                "the community's record must not vanish; nothing links your anonymous "
                "reports to you any more. {backups}"
            ),
            backups=tr.ngettext(
                "Backup copies made earlier still hold your data until they are deleted, "
                "{n} day after they were made.",
                "Backup copies made earlier still hold your data until they are deleted, "
                "{n} days after they were made.",
                backup_days,
            ),
        ),
        (
            (
                Button(tr.pgettext("button", "Yes, erase me"), CODEC.encode(EraseMe())),
                Button(tr.pgettext("button", "No"), CODEC.encode(KeepMe())),
            ),
        ),
    )


def erased(tr: Tr) -> Screen:
    """After erasure."""
    return Screen(
        tr.gettext(N_("Your data is erased. Goodbye, and thank you. /start registers you again."))
    )


def nothing_erased(tr: Tr) -> Screen:
    """The person said no to erasure."""
    return Screen(tr.gettext(N_("Nothing was erased.")))


def unknown_command(tr: Tr) -> Screen:
    """A command the bot does not know here."""
    return Screen(tr.gettext(N_("I do not know this command here. /help lists what you can do.")))


def not_in_a_form(tr: Tr) -> Screen:
    """Typed text while no form is open."""
    return Screen(tr.gettext(N_("Please choose what to do from /menu.")))
