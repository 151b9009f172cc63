"""`ayilbot admin ...`: roles, users, groups and invites from the command line."""

from __future__ import annotations

import argparse

from bot.cli_export import command_line_kernel
from bot.config import Settings
from bot.core.access import Actor
from bot.core.kernel import Kernel
from bot.forms.kinds import Invalid
from bot.rules.groups import GroupRules
from bot.rules.places import PlaceRules
from bot.rules.users import BadScope, UserRules, role_text
from storage.db import Database

# The command line runs with the operator's full rights.
OPERATOR = Actor(user_id=0, locale="en", user=None, is_admin=True)


async def _places(kernel: Kernel, args: argparse.Namespace) -> int:
    """`admin places`: list the names typed by hand; `admin places attach NAME CODE`."""
    rules = PlaceRules(kernel)
    gazetteer = kernel.gazetteer
    if args.places_command == "attach":
        try:
            done = await rules.attach(
                OPERATOR, typed=args.name, code=args.code, within=args.within
            )
        except Invalid as exc:
            print(f"ayilbot admin places: {args.code}: {exc.message}")
            return 1
        where = gazetteer.path_name(done.place.code, "en")
        print(
            f"attached {len(done.records)} record(s) typed {args.name!r} to {done.place.code}"
            f" ({where}): {done.reports} report(s), {done.people} person(s),"
            f" {done.needs} need(s)"
        )
        for record in done.skipped:
            print(
                f"left {record.holder} {record.id} ({record.typed!r}): typed under"
                f" {record.within}, which does not hold {done.place.code}"
            )
        return 0 if done.records else 1
    found = await rules.typed_names(OPERATOR, within=args.within, limit=None)
    for name in found.names:
        within = f"{name.within.code} ({name.within.name('en')})" if name.within else "-"
        print(
            f"{len(name.records)}\t{name.typed}\t{within}\t"
            f"reports:{name.reports} people:{name.people} needs:{name.needs}"
        )
    return 0


async def run_admin(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one admin action; prints one line per result."""
    if args.admin_command == "token":
        from bot.cli_token import run_token

        return await run_token(settings, args)
    db = await Database.open(settings.db_path)
    kernel = command_line_kernel(settings, db)
    users = UserRules(kernel)
    try:
        action = args.admin_command
        if action == "places":
            return await _places(kernel, args)
        if action == "users":
            for user, roles in await users.list_users():
                scopes = ", ".join(f"{r.role}:{r.scope_kind}:{r.scope_value}" for r in roles)
                state = (
                    "deactivated" if user.deactivated else "blocked" if user.blocked else "active"
                )
                print(
                    f"{user.id}\t{user.display_name}\t{user.language}\t{user.kind or '-'}\t"
                    f"{user.place_code or user.place_other or '-'}\t{state}\t{scopes}"
                )
            return 0
        if action == "groups":
            for group, members in await GroupRules(kernel).roster(OPERATOR):
                print(
                    f"{group.id}\t{group.name}\t{group.kind}\t{group.region or 'all'}\t"
                    f"{members} members\tchat:{'linked' if group.chat_id else '-'}\t"
                    f"created by:{group.created_by or '-'}"
                )
            return 0
        if action == "deactivate":
            revoked = await users.deactivate(user_id=args.user_id, by=None)
            if revoked is None:
                print(f"user {args.user_id} was already deactivated")
                return 0
            listed = ", ".join(role_text(r) for r in revoked) or "none"
            print(f"user {args.user_id} deactivated; roles revoked: {listed}")
            return 0
        if action == "reactivate":
            had = await users.reactivate(user_id=args.user_id, by=None)
            print(f"user {args.user_id} reactivated; roles are not given back")
            for held in had:
                name, kind, value = held.split(":", 2)
                where = f"group:{value}" if kind == "group" else value or kind
                print(
                    f"revoked at deactivation: ayilbot admin grant {args.user_id} {name} {where}"
                )
            return 0
        scope = users.parse_scope(args.scope) if getattr(args, "scope", None) else None
        if action == "grant":
            assert scope is not None
            added = await users.grant(user_id=args.user_id, role=args.role, scope=scope, by=None)
            print("granted" if added else "already granted")
        elif action == "revoke":
            removed = await users.revoke(user_id=args.user_id, role=args.role, scope=scope)
            print(f"revoked {removed} role(s)")
        elif action == "invite":
            assert scope is not None
            code = await users.create_invite(OPERATOR, args.role, scope)
            print(f"https://t.me/{args.bot_username}?start={code}")
            print(f"works once, until the end of {users.valid_until().isoformat()}")
        return 0
    except (BadScope, LookupError, ValueError) as exc:
        print(f"ayilbot admin: {exc}")
        return 1
    finally:
        await db.close()
