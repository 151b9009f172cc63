"""The `ayilbot` command: run, sandbox, migrate and admin tasks."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.config import LANGUAGES, ConfigError, Settings, load_settings
from bot.gazetteer import use_file
from bot.logs import configure as configure_logs
from bot.logs import token_secrets

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ayilbot",
        description="Telegram bot for incident reports and peer learning in rural Kyrgyzstan. "
        "Settings come from the environment or .env (see .env.example).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot (long polling; the sandbox when no token)")
    run.add_argument("--webhook", metavar="URL", help="public webhook URL instead of polling")
    run.add_argument("--port", type=int, default=8443, help="local port for the webhook")
    run.add_argument(
        "--listen",
        default="0.0.0.0",
        help="address for the webhook (127.0.0.1 behind a reverse proxy on the same host)",
    )
    sandbox = sub.add_parser("sandbox", help="try the bot in this terminal, without Telegram")
    sandbox.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the sandbox's language and its people's (default: AYILBOT_DEFAULT_LANGUAGE)",
    )
    sub.add_parser("health", help="check the running bot: exit 0 healthy, 1 not; a line each")
    replicate = sub.add_parser(
        "replicate", help="stream the database to AYILBOT_REPLICA_URL with Litestream"
    )
    replicate.add_argument(
        "--print-config", action="store_true", help="print the Litestream configuration and exit"
    )
    sub.add_parser("migrate", help="create or upgrade the database schema")
    backup = sub.add_parser("backup", help="copy the database safely, even while the bot runs")
    backup.add_argument("path", type=Path)
    restore = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    restore.add_argument("path", type=Path)
    admin = sub.add_parser("admin", help="roles, users and invites")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    grant = admin_sub.add_parser("grant", help="grant a role: grant USER_ID ROLE SCOPE")
    grant.add_argument("user_id", type=int)
    grant.add_argument("role", choices=("coordinator", "admin"))
    grant.add_argument("scope", help="all, a gazetteer code such as BA-BAT, or group:ID")
    revoke = admin_sub.add_parser("revoke", help="revoke a role: revoke USER_ID ROLE [SCOPE]")
    revoke.add_argument("user_id", type=int)
    revoke.add_argument("role", choices=("coordinator", "admin"))
    revoke.add_argument("scope", nargs="?")
    admin_sub.add_parser("users", help="list users with their roles")
    admin_sub.add_parser("groups", help="list active peer groups with their members' count")
    deactivate = admin_sub.add_parser(
        "deactivate", help="revoke every role of a person and stop sending to them"
    )
    deactivate.add_argument("user_id", type=int)
    reactivate = admin_sub.add_parser(
        "reactivate", help="undo a deactivation (roles are granted again by hand)"
    )
    reactivate.add_argument("user_id", type=int)
    places = admin_sub.add_parser(
        "places",
        help="list the places typed by hand ('not listed'); places attach NAME CODE",
        description="Without an action: one line per name typed instead of a listed place "
        "(count, name, the place chosen before typing, records). `attach` attaches every "
        "record with that name (any spelling) to a gazetteer place: its codes are written "
        "into the records' place columns, the typed text is kept, the audit log keeps the "
        "codes before.",
    )
    places.add_argument(
        "--within", metavar="CODE", help="only names typed under this oblast or rayon"
    )
    places_sub = places.add_subparsers(dest="places_command", metavar="ACTION")
    attach = places_sub.add_parser(
        "attach", help='attach a typed name: attach "TYPED NAME" CODE [--within CODE]'
    )
    attach.add_argument("name", help="the name as typed (any spelling finds it)")
    attach.add_argument("code", help="the gazetteer code of the place it names")
    attach.add_argument(
        "--within",
        metavar="CODE",
        default=argparse.SUPPRESS,  # keeps `places --within CODE attach ...` too
        help="only records typed under this oblast or rayon",
    )
    invite = admin_sub.add_parser("invite", help="make a one-time invite link")
    invite.add_argument("role", choices=("coordinator", "admin"))
    invite.add_argument("scope")
    invite.add_argument("--bot-username", default="ayilbot")
    from bot.cli_token import add_arguments as token_arguments

    token_arguments(admin_sub.add_parser("token", help="read-only API tokens: create, revoke"))
    from bot.cli_export import add_arguments as export_arguments

    export_arguments(sub.add_parser("export", help="export a document: export practices ..."))
    from bot.cli_digest import add_arguments as digest_arguments

    digest_arguments(sub.add_parser("digest", help="send this week's digest now: digest --now"))
    return parser


async def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import Database

    db = await Database.open(settings.db_path)
    await db.close()
    print(f"database {settings.db_path} is up to date")
    return 0


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from bot.rules.backups import BackupFailed, backup_to
    from storage.db import Database

    db = await Database.open(settings.db_path)
    try:
        await backup_to(db, args.path)
    except BackupFailed as exc:
        print(f"ayilbot backup: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"backup written to {args.path}")
    return 0


async def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from bot.rules.backups import BackupRejected, restore_from
    from storage.db import DatabaseInUse

    try:
        version = await asyncio.to_thread(restore_from, args.path, settings.db_path)
    except (BackupRejected, DatabaseInUse) as exc:
        print(f"ayilbot restore: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.path} (schema {version}) into {settings.db_path}")
    return 0


async def _admin(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli_admin import run_admin

    return await run_admin(settings, args)


async def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    return await run_sandbox(settings, getattr(args, "lang", None))


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print("TELEGRAM_BOT_TOKEN is not set: starting the sandbox instead.", file=sys.stderr)
        return asyncio.run(_sandbox(settings, args))
    from bot.wiring import Webhook, run

    webhook = Webhook(args.webhook, args.listen, args.port) if args.webhook else None
    return run(settings, webhook)


def _health(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.health import check_all

    checks = check_all(settings, datetime.now(UTC))
    for check in checks:
        print(check.line())
    return 0 if all(check.ok for check in checks) else 1


def _replicate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.replication import litestream_config, replicate

    if args.print_config:
        print(litestream_config(settings), end="")
        return 0
    return replicate(settings)


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli_export import run_export

    return await run_export(settings, args)


async def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli_digest import run_digest

    return await run_digest(settings, args)


ASYNC_COMMANDS: dict[str, Command] = {
    "migrate": _migrate,
    "backup": _backup,
    "restore": _restore,
    "admin": _admin,
    "sandbox": _sandbox,
    "export": _export,
    "digest": _digest,
}


SYNC_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "health": _health,
    "replicate": _replicate,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"ayilbot: {exc}", file=sys.stderr)
        return 1
    configure_logs(
        level=settings.log_level,
        fmt=settings.log_format,
        secrets=token_secrets(settings.token),
    )
    use_file(settings.gazetteer_path)
    command = args.command or "run"
    if command == "run":
        if not hasattr(args, "webhook"):
            args.webhook, args.port, args.listen = None, 8443, "0.0.0.0"
        return _run(settings, args)
    if command in SYNC_COMMANDS:
        return SYNC_COMMANDS[command](settings, args)
    return asyncio.run(ASYNC_COMMANDS[command](settings, args))


if __name__ == "__main__":
    sys.exit(main())
