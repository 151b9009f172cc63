"""The package works wherever it is installed: a wheel built here runs with no checkout.

The wheel is built offline (hatchling from this environment, no build isolation) and installed
with `--no-deps` into a fresh venv outside the checkout; that venv sees this environment's
site-packages through a .pth line, so the dependencies need no network. Only the lines of a
.pth file are added to sys.path, not the .pth files in the folder they name, so the checkout's
editable install stays invisible: `bot` is imported from the wheel.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from bot.localapi import LocalBotApi
from tests.harness import TOKEN

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = sorted(p.relative_to(ROOT) for p in (ROOT / "bot" / "locales").glob("*/*/*.po"))


def build(target: str, out: Path) -> Path:
    """Build one artifact from the checkout with this environment's hatchling."""
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", target, "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    suffix = ".whl" if target == "wheel" else ".tar.gz"
    (artifact,) = out.glob(f"*{suffix}")
    return artifact


def clean_env(**values: str) -> dict[str, str]:
    """This environment without any ayilbot or Telegram setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "AYILBOT_"))}
    env.pop("PYTHONPATH", None)
    return env | values


def test_wheel_and_sdist_carry_compiled_catalogs_and_data(tmp_path: Path) -> None:
    wheel = zipfile.ZipFile(build("wheel", tmp_path / "w")).namelist()
    with tarfile.open(build("sdist", tmp_path / "s")) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    # .mo files are ignored by git: they are there only because the build hook compiled them.
    compiled = {str(po.with_suffix(".mo")) for po in CATALOGS}
    assert len(compiled) >= 21
    assert compiled <= set(wheel)
    assert compiled <= in_sdist
    assert {"bot/data/gazetteer.csv", "bot/data/severity.toml"} <= set(wheel) & in_sdist
    assert "storage/migrations/0001_core.sql" in wheel
    assert not [name for name in wheel if name.endswith(".po")]


def install_wheel(tmp_path: Path) -> Path:
    """Build the wheel and install it into a fresh venv in tmp_path; returns the venv."""
    wheel = build("wheel", tmp_path / "dist")
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", purelib], check=True, capture_output=True, text=True)
    (Path(site.stdout.strip()) / "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps"]
    subprocess.run([*pip, "--no-index", str(wheel)], check=True, capture_output=True, timeout=120)
    return venv


@pytest.mark.timeout(120)
async def test_installed_wheel_answers_start_outside_the_checkout(
    tmp_path: Path, server: LocalBotApi
) -> None:
    venv = await asyncio.to_thread(install_wheel, tmp_path)
    home = tmp_path / "elsewhere"  # no checkout, no .env, no data/ folder here
    home.mkdir()
    where = await asyncio.create_subprocess_exec(
        str(venv / "bin" / "python"),
        "-c",
        "import bot; print(bot.__file__)",
        cwd=home,
        env=clean_env(),
        stdout=asyncio.subprocess.PIPE,
    )
    found, _ = await where.communicate()
    assert Path(found.decode().strip()).is_relative_to(venv), found

    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.base_url,
        AYILBOT_DB=str(home / "ayilbot.db"),
    )
    log = home / "bot.log"
    with log.open("w") as out:
        proc = await asyncio.create_subprocess_exec(
            str(venv / "bin" / "ayilbot"), "run", cwd=home, env=env, stdout=out, stderr=out
        )
    try:
        user = server.user(4101, "Айпери", language_code="ru")
        await server.send_text(user, "/start")
        first = await server.next_message(user, timeout=40)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    # The Russian catalog (the person's language) was found in the installed package.
    assert "Выберите язык" in first.text, log.read_text()[-2000:]
    assert "Русский" in [label for label, _ in first.flat_buttons]
    assert code == 0, log.read_text()[-2000:]
    assert (home / "ayilbot.db").exists()
