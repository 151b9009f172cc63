"""Settings: defaults, `.env.example` completeness, and one clear line for a bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_let_the_sandbox_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("AYILBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.token is None
    assert settings.timezone == "Asia/Bishkek" and settings.default_language == "ky"
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"


def test_local_server_url_also_moves_file_downloads() -> None:
    settings = Settings(_env_file=None, TELEGRAM_API_BASE_URL="http://127.0.0.1:8081/bot")  # type: ignore[call-arg]
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AYILBOT_ADMIN_IDS", "12,abc"),
        ("AYILBOT_TIMEZONE", "Mars/Olympus"),
        ("AYILBOT_DEFAULT_LANGUAGE", "de"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org"),
        ("AYILBOT_CONCURRENCY", "zero"),
    ],
)
def test_malformed_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(f"invalid setting {name}:")
    assert "\n" not in str(error.value)


def test_command_line_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "AYILBOT_TIMEZONE": "Nowhere/Else"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ayilbot: invalid setting AYILBOT_TIMEZONE: unknown time zone 'Nowhere/Else', "
        "e.g. Asia/Bishkek"
    ]


def test_env_example_documents_every_setting() -> None:
    documented = {
        line.split("=")[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    fields = {f.alias for f in Settings.model_fields.values()}
    assert documented == fields
