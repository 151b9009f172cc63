"""The sandbox as a terminal program: driven through a pseudo-terminal, no token."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Pty:
    """A child process on a pseudo-terminal, read until an expected text appears."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
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
        return self.seen

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=15)
        finally:
            os.close(self.master)


def test_sandbox_onboarding_in_russian(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env.update({"AYILBOT_DB": str(tmp_path / "ayilbot.db"), "TELEGRAM_BOT_TOKEN": ""})
    term = Pty([sys.executable, "-m", "bot", "run"], env)
    try:
        term.expect("Send /start to begin")
        term.send("/start")
        term.expect("[2] Русский")
        term.send("2")
        term.expect("Кто вы?")
        term.send("1")
        term.expect("Баткенская область")
        term.send("1")
        term.expect("Баткенский район")
        term.send("1")
        term.expect("Ак-Сай")
        term.send("1")
        term.expect("/deleteme")
        term.send("1")
        term.expect("/menu")
        term.send("/quit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert (tmp_path / "sandbox-ayilbot.db").exists()
