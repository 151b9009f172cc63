"""`ayilbot admin token ...`: read-only API tokens for other systems (issue #20).

ayilbot admin token create NAME SCOPE   # prints the token once; SCOPE as for `grant`
ayilbot admin token revoke NAME
ayilbot admin token list
"""

from __future__ import annotations

import argparse

from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Access
from bot.core.kernel import Kernel
from bot.core.notices import Delivery, Recipient
from bot.gazetteer import Gazetteer
from bot.rules.dashboard import BadTokenRequest, DashboardRules
from storage.db import Database


class _NoNotices:
    """Nobody is messaged from the command line."""

    async def notify(self, recipient: Recipient, notice: object) -> Delivery:
        return Delivery.FAILED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`token create NAME SCOPE`, `token revoke NAME`, `token list`."""
    actions = parser.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="a new token, printed once (stored hashed)")
    create.add_argument("name", help="who uses it, e.g. kobo-sync")
    create.add_argument("scope", help="all, a gazetteer code such as BA-BAT, or group:ID")
    revoke = actions.add_parser("revoke", help="revoke a token by name; refused at once")
    revoke.add_argument("name")
    actions.add_parser("list", help="tokens with their scope, state and last use")


async def run_token(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one token action; 1 with one line for a name or scope that cannot be used."""
    db = await Database.open(settings.db_path)
    gazetteer = Gazetteer.default()
    kernel = Kernel(settings, db, Clock(), gazetteer, Access(gazetteer), _NoNotices())
    rules = DashboardRules(kernel)
    try:
        if args.token_command == "create":
            token, secret = await rules.create_token(args.name, args.scope)
            print(secret)
            print(
                f"token {token.name!r} for scope {token.scope_text}: shown only now, "
                "send it as `Authorization: Bearer <token>`"
            )
        elif args.token_command == "revoke":
            if not await rules.revoke_token(args.name):
                print(f"ayilbot admin token: no live token named {args.name!r}")
                return 1
            print(f"token {args.name!r} revoked")
        else:
            for token in await rules.tokens():
                state = "revoked" if token.revoked_at else "live"
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                print(f"{token.name}\t{token.scope_text}\t{state}\tlast used: {used}")
        return 0
    except BadTokenRequest as exc:
        print(f"ayilbot admin token: {exc}")
        return 1
    finally:
        await db.close()
