"""Start, menu, help, language, cancel, my data and deleting oneself."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import AppContext
from bot.i18n import N_
from bot.menu import help_screen, menu_screen
from bot.screen import Button, Screen
from bot.services.access import Permission
from bot.services.flood import Verdict
from bot.services.users import Person
from handlers.render import reply, reply_document


def person_of(update: Update) -> Person:
    """The Telegram user behind an update, as the services see people."""
    user = update.effective_user
    assert user is not None
    return Person(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


async def resolve_actor(update: Update, context: AppContext) -> None:
    """Group -1: load who is behind the update, once, for every later handler."""
    if update.effective_user is not None:
        context.actor = await context.services.users.resolve(person_of(update))


StartRoute = Callable[[Update, AppContext, str], Awaitable[None]]
# Deep-link arguments by prefix, for registered people (bot/app.py adds them, e.g. `g_` joins
# a peer group); any other argument is a role invite. Newcomers onboard first either way.
START_ROUTES: dict[str, StartRoute] = {}


async def on_start(update: Update, context: AppContext) -> None:
    """/start [code]: onboarding for newcomers, an invite for the registered, else the menu."""
    code = context.args[0] if context.args else None
    services = context.services
    if not context.actor.registered:
        context.actor = await services.users.register_contact(person_of(update))
        screen = await services.forms.start(
            context.actor,
            chat_id=update.effective_chat.id if update.effective_chat else 0,
            form_id="onboarding",
            context={"invite": code} if code else None,
        )
        await reply(update, context, screen)
        return
    route = next((r for p, r in START_ROUTES.items() if (code or "").startswith(p)), None)
    if route is not None and code:
        await route(update, context, code)
        return
    if code and await services.users.accept_invite(context.actor, code):
        await reply(
            update,
            context,
            Screen(
                context.tr.gettext(
                    N_("The invitation is accepted: you now have the coordinator role.")
                )
            ),
        )
    await on_menu(update, context)


async def on_group_start(update: Update, context: AppContext) -> None:
    """Any command in a group chat: forms are filled in private, with a button that opens it."""
    link = f"https://t.me/{context.bot.username}"
    await reply(
        update,
        context,
        Screen(
            context.tr.gettext(N_("Forms are filled in a private chat with me.")),
            ((Button(context.tr.pgettext("button", "Open a private chat"), url=link),),),
        ),
    )


async def on_menu(update: Update, context: AppContext) -> None:
    """/menu: the entries the person's role allows."""
    services = context.services
    paused = await services.forms.unfinished(context.actor)
    await reply(update, context, menu_screen(context.actor, services.access, context.tr, paused))


async def on_help(update: Update, context: AppContext) -> None:
    """/help: what the bot does and the commands this person may use."""
    services = context.services
    await reply(update, context, help_screen(context.actor, services.access, context.tr))


async def on_language(update: Update, context: AppContext) -> None:
    """/language: choose the language again."""
    context.services.access.require(context.actor, Permission.USE_FORMS)
    screen = await context.services.forms.start(
        context.actor, chat_id=context.actor.user_id, form_id="language", restart=True
    )
    await reply(update, context, screen)


async def on_cancel(update: Update, context: AppContext) -> None:
    """/cancel: leave the open form, deleting what was entered."""
    cancelled = await context.services.forms.cancel(context.actor)
    text = (
        N_("The form was cancelled and what you entered was deleted.")
        if cancelled
        else N_("There is no open form to cancel.")
    )
    await reply(update, context, Screen(context.tr.gettext(text)))


async def on_mydata(update: Update, context: AppContext) -> None:
    """/mydata: a file of everything stored about the person."""
    data = await context.services.privacy.export_for(context.actor)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await reply_document(
        update,
        context,
        body,
        "mydata.json",
        context.tr.gettext(N_("Everything I store about you is in this file.")),
    )


async def on_deleteme(update: Update, context: AppContext) -> None:
    """/deleteme: ask for confirmation, saying plainly what stays."""
    context.services.access.require(context.actor, Permission.USE_FORMS)
    tr = context.tr
    await reply(
        update,
        context,
        Screen(
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
                    context.services.settings.backup_keep,
                ),
            ),
            (
                (
                    Button(tr.pgettext("button", "Yes, erase me"), "del:yes"),
                    Button(tr.pgettext("button", "No"), "del:no"),
                ),
            ),
        ),
    )


async def on_deleteme_button(update: Update, context: AppContext) -> None:
    """The confirmation buttons of /deleteme."""
    query = update.callback_query
    assert query is not None
    if query.data == "del:yes":
        await context.services.privacy.erase(context.actor)
        text = N_("Your data is erased. Goodbye, and thank you. /start registers you again.")
    else:
        text = N_("Nothing was erased.")
    await reply(update, context, Screen(context.tr.gettext(text)))


def in_private(update: Update) -> bool:
    """Whether the update comes from a private chat."""
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def guard_flood(update: Update, context: AppContext) -> None:
    """Group -2: one polite notice to a person flooding the bot, then ignore them a while."""
    user = update.effective_user
    if user is None:
        return
    verdict = context.services.flood.check(user.id, time.monotonic())
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.NOTIFY:
        context.actor = await context.services.users.resolve(person_of(update))
        await reply(
            update,
            context,
            Screen(
                context.tr.gettext(
                    N_(
                        "You are sending messages too fast; I will pause for two minutes. "
                        "What you entered so far is kept."
                    )
                )
            ),
        )
    raise ApplicationHandlerStop


async def on_my_chat_member(update: Update, context: AppContext) -> None:
    """A person blocked or unblocked the bot: stop or resume sending them digests and alerts."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
    await context.services.users.set_active(user_id=change.chat.id, active=not blocked)


async def on_unknown_command(update: Update, context: AppContext) -> None:
    """A command the bot does not know here (or /linkgroup outside a group chat)."""
    await reply(
        update,
        context,
        Screen(
            context.tr.gettext(N_("I do not know this command here. /help lists what you can do."))
        ),
    )
