"""Start, menu, help, language, cancel, my data and erasing oneself."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.core.access import Permission
from bot.forms.engine import FormEngine
from bot.rules.privacy import PrivacyRules
from bot.rules.users import UserRules
from handlers.common import screens
from handlers.common.buttons import EraseMe, KeepMe
from handlers.plumbing.context import AppContext
from handlers.plumbing.guards import person_of
from handlers.plumbing.render import reply_document


async def on_start(update: Update, context: AppContext) -> None:
    """/start [code]: onboarding for newcomers, a deep link or an invite, else the menu."""
    code = context.args[0] if context.args else None
    links = context.bot_data.surface.deep_links
    route = next((r for prefix, r in links.items() if (code or "").startswith(prefix)), None)
    if not context.actor.registered:
        started = await context.rules(UserRules).start_onboarding(
            person_of(update), start_code=code, role_invitation=route is None
        )
        context.actor = started.actor
        await context.reply(screens.onboarding_start(started, context.tr))
        return
    if route is not None and code:
        await route(update, context, code)
        return
    if code:
        opened = await context.rules(UserRules).accept_invite(context.actor, code)
        await context.reply(screens.invitation_opened(opened, context.tr))
    await on_menu(update, context)


async def on_group_start(update: Update, context: AppContext) -> None:
    """Any command in a group chat: forms are filled in private, with a button that opens it."""
    await context.reply(screens.open_private_chat(context.tr, context.bot.username))


async def on_menu(update: Update, context: AppContext) -> None:
    """/menu: the entries the person's role allows, and forms put aside."""
    paused = await context.rules(FormEngine).unfinished(context.actor)
    entries = context.bot_data.surface.menu
    await context.reply(
        screens.menu(context.actor, context.kernel.access, context.tr, paused, entries)
    )


async def on_help(update: Update, context: AppContext) -> None:
    """/help: what the bot does and the commands this person may use."""
    surface = context.bot_data.surface
    await context.reply(
        screens.help_text(
            context.actor, context.kernel.access, context.tr, surface.commands, surface.menu
        )
    )


async def on_language(update: Update, context: AppContext) -> None:
    """/language: choose the language again."""
    context.kernel.access.require(context.actor, Permission.USE_FORMS)
    view = await context.rules(FormEngine).start(context.actor, form_id="language", restart=True)
    await context.reply(view)


async def on_cancel(update: Update, context: AppContext) -> None:
    """/cancel: leave the open form, deleting what was entered."""
    was_open = await context.rules(FormEngine).cancel(context.actor)
    await context.reply(screens.cancelled(context.tr, was_open=was_open))


async def on_mydata(update: Update, context: AppContext) -> None:
    """/mydata: a file of everything stored about the person."""
    data = await context.rules(PrivacyRules).export_for(context.actor)
    await reply_document(
        update,
        context,
        screens.mydata_file(data),
        "mydata.json",
        screens.mydata_caption(context.tr),
    )


async def on_deleteme(update: Update, context: AppContext) -> None:
    """/deleteme: ask for confirmation, saying plainly what stays."""
    context.kernel.access.require(context.actor, Permission.USE_FORMS)
    await context.reply(screens.erase_question(context.tr, context.kernel.settings.backup_keep))


async def on_erase_me(update: Update, context: AppContext, _: EraseMe) -> None:
    """Yes to /deleteme: erase the person."""
    await context.rules(PrivacyRules).erase(context.actor)
    await context.reply(screens.erased(context.tr))


async def on_keep_me(update: Update, context: AppContext, _: KeepMe) -> None:
    """No to /deleteme."""
    await context.reply(screens.nothing_erased(context.tr))


async def on_my_chat_member(update: Update, context: AppContext) -> None:
    """A person blocked or unblocked the bot: stop or resume sending (unless deactivated)."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
    await context.rules(UserRules).set_blocked(user_id=change.chat.id, blocked=blocked)


async def on_unknown_command(update: Update, context: AppContext) -> None:
    """A command the bot does not know here (or /linkgroup outside a group chat)."""
    await context.reply(screens.unknown_command(context.tr))
