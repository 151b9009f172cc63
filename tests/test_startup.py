"""Start-up of `ayilbot run`: fatal errors end the process with one line; Telegram is retried.

Each test runs the real command as a subprocess, as a service manager would, and reads what
it prints. Time limits are pytest timeouts, not assertions: the broken-gazetteer test gives
the process 10 s, though it exits in about a second and a half on the development machine.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.gazetteer import DEFAULT_PATH, GazetteerError, use_file
from bot.localapi import LocalBotApi
from bot.wiring import initialize_application, shutdown_application, webhook_secret
from tests.harness import TOKEN, make_settings
from tests.test_webhook import free_port


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment without ayilbot or Telegram settings, a database in tmp_path, and the
    dashboard on a free port (tests run beside each other on one machine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    ours = {"AYILBOT_DB": str(tmp_path / "ayilbot.db"), "AYILBOT_WEB_PORT": str(free_port())}
    return env | ours | values


def broken_gazetteer(tmp_path: Path) -> tuple[Path, int]:
    """A copy of the gazetteer with one row's level misspelt; its path and that line."""
    lines = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("BA-BAT,"))
    lines[number - 1] = lines[number - 1].replace("BA-BAT,rayon,", "BA-BAT,region,", 1)
    path = tmp_path / "gazetteer.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, number


async def run_bot(env: dict[str, str], cwd: Path, timeout: float) -> tuple[int, list[str]]:
    """`ayilbot run` to its end; its exit status and its output lines (stdout and stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, output.decode().splitlines()


@pytest.mark.timeout(10)
async def test_a_broken_gazetteer_row_exits_1_with_one_line_naming_file_and_line(
    tmp_path: Path, server: LocalBotApi
) -> None:
    path, number = broken_gazetteer(tmp_path)
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.base_url,
        AYILBOT_GAZETTEER=str(path),
    )
    code, lines = await run_bot(env, tmp_path, timeout=9)
    assert code == 1
    assert lines == [f"ayilbot: {path}:{number}: unknown level 'region': " + LEVELS_HINT]
    assert server.calls_of("getMe") == []  # stopped before reaching out


LEVELS_HINT = "use one of oblast, rayon, city, aiyl_aimak, village"


async def test_a_failed_post_init_leaves_no_thread_behind(
    tmp_path: Path, server: LocalBotApi
) -> None:
    """The cause of the hang: post_init opened the database, then the gazetteer failed."""
    path, number = broken_gazetteer(tmp_path)
    settings = make_settings(tmp_path / "ayilbot.db", server, AYILBOT_GAZETTEER=str(path))
    from bot.wiring import build_application

    before = set(threading.enumerate())
    app = build_application(settings)
    use_file(settings.gazetteer_path)
    try:
        with pytest.raises(GazetteerError, match=f":{number}: unknown level"):
            await initialize_application(app)
        await shutdown_application(app)  # raised "services are built in post_init" before
    finally:
        use_file(None)
    # No connection thread of the database left behind (they kept the process alive).
    left = [t.name for t in set(threading.enumerate()) - before if t.name.startswith("sqlite-")]
    assert left == []


@pytest.mark.timeout(30)
async def test_telegram_unreachable_is_retried_then_exits_1_with_a_clear_line(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there: connection refused
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
        AYILBOT_STARTUP_RETRY_SECONDS="3",
    )
    code, lines = await run_bot(env, tmp_path, timeout=25)
    assert code == 1, lines
    *retries, last = lines
    # Pauses of 1 s then 2 s fill the 3 s: three attempts, a line after each of the first two.
    assert len(retries) == 2, lines
    for attempt, line in enumerate(retries, 1):
        assert re.fullmatch(
            r"ts=\S+ level=WARNING logger=handlers\.plumbing\.lifecycle "
            r'msg="telegram unreachable, retrying" '
            rf"attempt={attempt} retry_in_s=\S+ error=.*Cannot connect to host.*",
            line,
        ), line
    assert last.startswith(f"ayilbot: Telegram is unreachable at 127.0.0.1:{port}: 3 attempts")
    assert "AYILBOT_STARTUP_RETRY_SECONDS" in last
    assert TOKEN not in "\n".join(lines)


@pytest.mark.timeout(30)
async def test_a_taken_dashboard_port_exits_1_with_a_line_naming_the_setting(
    tmp_path: Path, server: LocalBotApi
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=server.base_url,
            AYILBOT_WEB_PORT=str(port),
        )
        code, lines = await run_bot(env, tmp_path, timeout=25)
    assert code == 1, lines
    assert lines[-1].startswith(f"ayilbot: AYILBOT_WEB: cannot listen on 127.0.0.1:{port}: ")
    assert server.calls_of("getUpdates") == []  # it never started polling


@pytest.mark.timeout(20)
async def test_a_refused_token_exits_1_without_printing_it(
    tmp_path: Path, server: LocalBotApi
) -> None:
    wrong = "654321:WRONG-TOKEN-never-printed"
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=server.base_url)
    code, lines = await run_bot(env, tmp_path, timeout=15)
    assert code == 1
    assert lines == [
        f"ayilbot: {server.base_url.split('/')[2]} refused TELEGRAM_BOT_TOKEN (401 or 404): "
        "check the token and TELEGRAM_API_BASE_URL"
    ]


@pytest.mark.timeout(60)
async def test_systemd_hears_ready_after_the_first_getupdates_then_watchdog_and_stopping(
    tmp_path: Path, server: LocalBotApi
) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = tmp_path / "notify.sock"
    listener.bind(str(address))
    listener.setblocking(False)
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.base_url,
        NOTIFY_SOCKET=str(address),
        WATCHDOG_USEC="3000000",  # asks for a WATCHDOG=1 at least every 3 s
        AYILBOT_HEALTH_MAX_AGE="3",  # long polls of 1 s: the first getUpdates returns soon
    )
    log = (tmp_path / "bot.log").open("w")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=log, stderr=log
    )
    loop = asyncio.get_running_loop()
    heard: list[str] = []

    async def hear(state: str) -> None:
        while state not in heard:
            heard.append((await loop.sock_recv(listener, 256)).decode())

    try:
        await asyncio.wait_for(hear("READY=1"), 40)
        assert server.calls_of("getUpdates"), "READY=1 came before any getUpdates"
        # The dashboard is served beside polling, by the same process.
        async with aiohttp.ClientSession() as http:
            page = await http.get(f"http://127.0.0.1:{env['AYILBOT_WEB_PORT']}/app")
            assert page.status == 200 and "miniapp.js" in await page.text()
        await asyncio.wait_for(hear("WATCHDOG=1"), 10)
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(hear("STOPPING=1"), 10)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
        listener.close()
        log.close()
    assert heard.index("READY=1") < heard.index("STOPPING=1")


def test_empty_optional_settings_mean_unset(tmp_path: Path) -> None:
    """`.env.example` writes `AYILBOT_BACKUP_DIR=`: that is no backup, not the current folder."""
    values: dict[str, Any] = {
        "AYILBOT_BACKUP_DIR": "",
        "AYILBOT_REPLICA_URL": " ",
        "AYILBOT_GAZETTEER": "",
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert (settings.backup_dir, settings.replica_url, settings.gazetteer_path) == (None,) * 3


@pytest.mark.timeout(60)
async def test_webhook_mode_is_ready_once_set_answers_updates_and_stays_healthy(
    tmp_path: Path, server: LocalBotApi
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"  # a path, as behind a reverse proxy
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.base_url,
        AYILBOT_HEALTH_MAX_AGE="3",
    )
    log = (tmp_path / "bot.log").open("w")
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "run", "--webhook", url),
        *("--listen", "127.0.0.1", "--port", str(port)),
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=log,
    )
    user = server.user(1201, "Бакыт", language_code="ru")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1201, "type": "private"},
            "from": {"id": 1201, "is_bot": False, "first_name": "Бакыт", "language_code": "ru"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    try:
        await server.wait_for(lambda: server.webhook_url == url, timeout=30)
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # the listener opens right after setWebhook
                try:
                    sent = await http.post(
                        url,
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(TOKEN)},
                    )
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert sent.status == 200
            forged = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            assert forged.status == 403
        assert "/menu" in (await server.next_message(user)).text
        # The dashboard answers on the webhook's own server and port.
        async with aiohttp.ClientSession() as http:
            page = await http.get(f"http://127.0.0.1:{port}/app")
            assert page.status == 200 and "miniapp.js" in await page.text()
            assert (await http.get(f"http://127.0.0.1:{port}/healthz")).status in (200, 503)
        await asyncio.sleep(1.5)  # a heartbeat with getWebhookInfo
        health = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "health", env=env, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await health.communicate()
        assert health.returncode == 0, out.decode()
        assert "last successful getWebhookInfo" in out.decode()
        assert server.calls_of("getWebhookInfo")
    finally:
        if proc.returncode is None:
            proc.terminate()
        code = await asyncio.wait_for(proc.wait(), 20)
        log.close()
    assert code == 0
