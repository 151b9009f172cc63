"""Logs: one line per event (key=value or JSON), quiet libraries, no token, a clean sandbox."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import REDACTED, configure, token_secrets
from tests.test_sandbox import Pty

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
KV_LINE = re.compile(r"ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=[A-Z]+ logger=\S+ msg=.*")


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    """Logging configured into a string; the root logger restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("apscheduler").level)
    stream = io.StringIO()
    yield stream
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    logging.getLogger("apscheduler").setLevel(saved[2])


def test_text_lines_carry_level_and_key_value_fields(out: io.StringIO) -> None:
    configure(stream=out, secrets=token_secrets(TOKEN))
    log = logging.getLogger("bot.somewhere")
    log.warning("telegram unreachable", extra={"attempt": 2, "error": 'Cannot "connect"'})
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        log.exception("update %s failed", 17)
    first, second = out.getvalue().splitlines()  # a traceback stays on its event's line
    assert KV_LINE.fullmatch(first) and KV_LINE.fullmatch(second)
    assert first.endswith(
        'level=WARNING logger=bot.somewhere msg="telegram unreachable" attempt=2 '
        'error="Cannot \\"connect\\""'
    )
    assert ' level=ERROR logger=bot.somewhere msg="update 17 failed" exc="Traceback' in second
    assert "ValueError: first\\nsecond" in second


def test_json_mode_writes_one_object_per_line(out: io.StringIO) -> None:
    configure(stream=out, fmt="json")
    log = logging.getLogger("bot.wiring")
    log.info("ready", extra={"mode": "polling"})
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        log.exception("boom")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["level"], e["logger"], e["msg"]) for e in events] == [
        ("INFO", "bot.wiring", "ready"),
        ("ERROR", "bot.wiring", "boom"),
    ]
    assert events[0]["mode"] == "polling"
    assert events[1]["exc"].startswith("Traceback") and "ZeroDivisionError" in events[1]["exc"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", events[0]["ts"])


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_token_is_redacted_wherever_it_appears(out: io.StringIO, fmt: str) -> None:
    configure(stream=out, fmt=fmt, secrets=token_secrets(TOKEN))  # type: ignore[arg-type]
    log = logging.getLogger("telegram.ext.Updater")
    log.error("POST https://api.telegram.org/bot%s/getMe failed", TOKEN)
    log.error("only the secret half: %s", TOKEN.split(":")[1])
    logging.getLogger("handlers.plumbing.http").warning(
        "call failed", extra={"url": f"/bot{TOKEN}/sendMessage"}
    )
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        logging.getLogger("bot").exception("start failed")
    written = out.getvalue()
    assert TOKEN not in written
    assert TOKEN.split(":")[1] not in written
    assert written.count(REDACTED) == 4


def test_library_noise_is_lowered_to_warnings(out: io.StringIO) -> None:
    configure(stream=out)
    logging.getLogger("apscheduler.scheduler").info('Added job "digest-tick" to job store')
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("aiohttp.access").info("GET /healthz 200")
    logging.getLogger("apscheduler.executors").warning("Run time of job was missed")
    logging.getLogger("bot.rules.digests").info("digests due")
    loggers = [line.split(" logger=")[1].split(" ")[0] for line in out.getvalue().splitlines()]
    assert loggers == ["apscheduler.executors", "bot.rules.digests"]


@pytest.mark.timeout(90)
def test_the_sandbox_writes_its_log_to_a_file_not_into_the_chat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env.update(
        {
            "AYILBOT_DB": str(tmp_path / "ayilbot.db"),
            "TELEGRAM_BOT_TOKEN": "",
            "AYILBOT_WEB_PORT": "0",  # no dashboard: this test is about the log
        }
    )
    term = Pty([sys.executable, "-m", "bot", "sandbox", "--lang", "en"], env)
    try:
        term.expect("Send /start to begin")
        # The sandbox person is an administrator: an export logs a line (at INFO).
        for press in ("/export", "#1", "#1", "#1"):
            term.send(press)
            term.expect("[#1]")
        term.send("#1")
        seen = term.expect("[document: ayilbot-incidents")
        term.send("/quit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert "export of incidents" not in seen
    assert not [line for line in seen.splitlines() if "level=" in line or "Traceback" in line]
    log = (tmp_path / "sandbox.log").read_text()
    assert 'msg="export of incidents as csv: 0 records"' in log
