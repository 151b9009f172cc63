"""The sandbox as a terminal program: driven through a pseudo-terminal, no token."""

from __future__ import annotations

import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def signs_in_as_an_administrator(link: str) -> bool:
    """Use the sandbox's dashboard link as a browser's button does; whether the session it
    gives opens the map (an administrator's, every report)."""
    base, code = link.rsplit("/login/", 1)
    form = urllib.parse.urlencode({"code": code}).encode()
    opener = urllib.request.build_opener(NoRedirect())
    try:
        opener.open(base + "/login", data=form, timeout=10)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            return False
        cookie = answer.headers["Set-Cookie"].split(";", 1)[0]
    else:
        return False
    request = urllib.request.Request(base + "/map", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as page:
        return page.status == 200 and 'id="map"' in page.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Pty:
    """A child process on a pseudo-terminal, read until an expected text appears."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 20.0, *, since: int = 0) -> str:
        """The output from `since` on, once `text` appears in it."""
        deadline = time.monotonic() + timeout
        while text not in self.seen[since:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} not seen; output so far:\n{self.seen[-2000:]}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} not seen before exit:\n{self.seen[-2000:]}")
                self.seen += chunk.decode(errors="replace")
        return self.seen[since:]

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=15)
        finally:
            os.close(self.master)


def sandbox_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env.update(
        {
            "AYILBOT_DB": str(tmp_path / "ayilbot.db"),
            "TELEGRAM_BOT_TOKEN": "",
            "AYILBOT_WEB_PORT": str(free_port()),
        }
    )
    return env


def test_sandbox_onboarding_in_russian(tmp_path: Path) -> None:
    env = sandbox_env(tmp_path)
    port = env["AYILBOT_WEB_PORT"]
    term = Pty([sys.executable, "-m", "bot", "run"], env)
    try:
        term.expect("/start")
        term.expect("/login/")
        start = term.seen.rindex("http", 0, term.seen.index("/login/"))
        term.expect("\n", since=start)  # the whole link has arrived
        link = re.search(r"http://127\.0\.0\.1:\d+/login/\S+", term.seen[start:])
        assert link is not None and link.group().startswith(f"http://127.0.0.1:{port}/")
        assert signs_in_as_an_administrator(link.group())
        term.send("/start")
        term.expect("[#2] Русский")
        term.send("#2")
        term.expect("Кто вы?")
        term.send("#1")
        term.expect("Баткенская область")
        term.send("#1")
        term.expect("Баткенский район")
        term.send("#1")
        term.expect("Ак-Сай")
        term.send("#1")
        term.expect("/deleteme")
        term.send("#1")
        term.expect("/menu")
        term.send("/quit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert (tmp_path / "sandbox-ayilbot.db").exists()


def test_sandbox_types_numbers_plays_each_role_and_saves_files(tmp_path: Path) -> None:
    """Digits are text ("25" answers "how many"), `#4` presses a button; /as leader,
    candidate and coordinator are ready to use; the files the bot sends are on disk."""
    term = Pty([sys.executable, "-m", "bot", "sandbox", "--lang", "ru"], sandbox_env(tmp_path))
    try:
        intro = term.expect("Чтобы начать, отправьте /start.")
        first = intro.strip().splitlines()[:2]
        assert "песочница" in first[0]
        assert "/as leader, /as candidate или /as coordinator" in first[1]
        files = tmp_path / "sandbox-files"
        assert f"сохраняются в папке {files}" in intro

        mark = len(term.seen)
        term.send("/as leader")
        leader = term.expect("❓", since=mark)
        assert "теперь вы — Айбек Ташиев, глава села в Ак-Сае" in leader
        assert "[#1] 📝" in leader and "🏞" not in leader  # her menu opened by itself
        term.send("/as candidate")
        term.expect("кандидатка в айылный кенеш в Ак-Сае")
        term.send("/need")
        term.expect("[#1] 💧")
        term.send("#1")
        term.expect("В каком айылном аймаке?")
        term.send("#1")  # her own, Ak-Say
        term.expect("В каком селе?")
        term.send("Кызыл-Бел")
        term.expect("[#1] На собрании")
        term.send("#1")
        term.expect("[#4] 20")
        mark = len(term.seen)
        term.send("25")  # not a button: the number of women
        after = term.expect("Опишите потребность", since=mark)
        assert "нет кнопки" not in after and "кнопки #25 нет" not in after
        term.send("#99")
        term.expect("кнопки #99 нет")
        term.send("/cancel")
        term.expect("отменена")
        mark = len(term.seen)
        term.send("/as coordinator")
        coordinator = term.expect("❓", since=mark)
        assert "координатор Баткенской области" in coordinator
        assert "🏞" in coordinator  # assessments: a coordinator's entry
        mark = len(term.seen)
        term.send("/compare")
        shown = term.expect("-assessments.md", since=mark)
        term.send("/quit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    saved = sorted(p.name for p in files.iterdir())
    assert [name.split("-", 1)[1] for name in saved] == ["assessments.docx", "assessments.md"]
    assert str(files / saved[0]) in shown
    assert (files / saved[1]).read_text().startswith("# Быстрые оценки: сравнение")
