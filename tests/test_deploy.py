"""deploy/, the Dockerfile and compose.yaml agree with the code they run.

Docker cannot build here and systemd is not PID 1, so these check what can be checked: every
command they run is one `ayilbot` accepts, the waits outlast the start-up retry, the watchdog
outlasts the heartbeat, and bot and replication see the same database. `make deploy-check`
runs systemd-analyze on the units where it exists.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import _parser
from bot.config import Settings
from bot.health import HEARTBEAT_EVERY_S

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy").glob("*.service"))
DEFAULTS = Settings(_env_file=None)  # type: ignore[call-arg]


def service(path: Path) -> dict[str, list[str]]:
    """The [Service] directives of a unit, each with all its values (Environment= repeats)."""
    found: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def seconds(value: str) -> float:
    """A systemd or Docker duration such as 6min, 5min, 30s, 6m."""
    total = 0.0
    for number, unit_name in re.findall(r"(\d+)\s*(min|m|s|h)", value):
        total += int(number) * {"s": 1, "m": 60, "min": 60, "h": 3600}[unit_name]
    return total


def ayilbot_args(command: str) -> list[str]:
    """The arguments after the `ayilbot` program in a command line."""
    words = shlex.split(command)
    return words[next(i for i, w in enumerate(words) if w.endswith("ayilbot")) + 1 :]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_both_units_exist() -> None:
    assert [u.name for u in UNITS] == ["ayilbot-replicate.service", "ayilbot.service"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_runs_a_real_command_as_its_own_user_in_a_read_only_system(path: Path) -> None:
    directives = service(path)
    one = {key: values[-1] for key, values in directives.items()}
    _parser().parse_args(ayilbot_args(one["ExecStart"]))  # exits on an unknown command
    assert (one["User"], one["StateDirectory"]) == ("ayilbot", "ayilbot")
    assert one["ProtectSystem"] == "strict" and one["NoNewPrivileges"] == "yes"
    assert one["EnvironmentFile"] == "/etc/ayilbot/ayilbot.env"
    # The database lives in the one folder the service may write.
    assert "AYILBOT_DB=/var/lib/ayilbot/ayilbot.db" in directives["Environment"]


def test_the_bot_unit_waits_out_the_start_up_retry_and_outlasts_its_heartbeat() -> None:
    path = ROOT / "deploy" / "ayilbot.service"
    one = {key: values[-1] for key, values in service(path).items()}
    assert (one["Type"], one["Restart"]) == ("notify", "on-failure")
    assert seconds(one["TimeoutStartSec"]) > DEFAULTS.startup_retry_seconds
    assert seconds(one["WatchdogSec"]) >= 3 * HEARTBEAT_EVERY_S
    # The webhook variant its comment shows parses too.
    webhook = re.search(r"ExecStart=(/opt/ayilbot/bin/ayilbot run --webhook .*)", path.read_text())
    assert webhook is not None
    _parser().parse_args(ayilbot_args(webhook.group(1)))


def test_the_image_runs_as_a_user_with_a_volume_and_checks_its_health() -> None:
    text = dockerfile()
    assert re.search(r"^USER ayilbot$", text, re.M)
    volume = re.search(r'^VOLUME \["(/\S+)"\]$', text, re.M)
    database = re.search(r"AYILBOT_DB=(/\S+)", text)
    assert volume and database and Path(database.group(1)).parent == Path(volume.group(1))
    health = re.search(r"^HEALTHCHECK .*--start-period=(\S+) .*CMD \[(.*)\]$", text, re.M)
    assert health is not None
    assert seconds(health.group(1)) > DEFAULTS.startup_retry_seconds
    command = [w.strip(' "') for w in health.group(2).split(",")]
    assert command[0] == "ayilbot"
    _parser().parse_args(command[1:])
    assert re.search(r'^CMD \["run"\]$', text, re.M)


def test_compose_runs_the_bot_and_replication_on_the_same_database() -> None:
    services = compose()["services"]
    volume = re.search(r'^VOLUME \["(/\S+)"\]$', dockerfile(), re.M)
    assert volume is not None
    for name in ("bot", "replicate"):
        service = services[name]
        _parser().parse_args(service["command"])
        assert f"data:{volume.group(1)}" in service["volumes"]
        assert service["environment"]["AYILBOT_DB"] == f"{volume.group(1)}/ayilbot.db"
        assert service["env_file"] == ".env"
        assert service["restart"] == "unless-stopped"
    assert services["bot"]["command"] == ["run"]
    assert services["replicate"]["command"] == ["replicate"]
    assert services["replicate"]["profiles"] == ["replication"]
    assert "data" in compose()["volumes"]
