"""systemd's notification protocol (sd_notify(3)): one datagram to $NOTIFY_SOCKET, no library.

With `Type=notify` the unit is "active" only once the bot sends READY=1 (after its first
successful getUpdates, or once the webhook is set), and with `WatchdogSec=` systemd restarts a
bot whose scheduler stops sending WATCHDOG=1. Outside systemd the variable is unset and every
call does nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send `state` (e.g. "READY=1") to the service manager; False when there is none."""
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def watchdog_seconds(environ: Mapping[str, str] | None = None) -> float | None:
    """The watchdog period systemd asks for (WatchdogSec=), if it asks this process."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000
