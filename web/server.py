"""Serving the dashboard from the bot's process: one aiohttp site, started and stopped."""

from __future__ import annotations

from aiohttp import web


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Listen on host:port; OSError when the address is taken. Stop with `runner.cleanup()`.

    No access log: a path may hold a one-time login code, which must not reach any log.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port the site listens on (the one asked for, or the one given for 0)."""
    address = runner.addresses[0]
    return int(address[1])
