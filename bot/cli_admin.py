"""`ayilbot admin ...`: roles, users, groups and invites from the command line."""

from __future__ import annotations

import argparse

from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Access, Actor
from bot.gazetteer import Gazetteer
from bot.records.groups import PeerGroup
from bot.services.users import BadScope, UserService, role_text
from storage.db import Database
from storage.groups import GroupRepository


async def _groups(db: Database) -> list[tuple[PeerGroup, int]]:
    """Active peer groups with their member counts."""
    async with db.reading() as conn:
        repo = GroupRepository(conn)
        return [(g, await repo.count_members(g.id)) for g in await repo.all_active()]


async def run_admin(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one admin action; prints one line per result."""
    if args.admin_command == "token":
        from bot.cli_token import run_token

        return await run_token(settings, args)
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    users = UserService(db, settings, Clock(), gazetteer, Access(gazetteer))
    try:
        action = args.admin_command
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
            for group, members in await _groups(db):
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
            system = Actor(user_id=0, locale="en", user=None, is_admin=True)
            code = await users.create_invite(system, args.role, scope)
            print(f"https://t.me/{args.bot_username}?start={code}")
        return 0
    except (BadScope, LookupError, ValueError) as exc:
        print(f"ayilbot admin: {exc}")
        return 1
    finally:
        await db.close()
