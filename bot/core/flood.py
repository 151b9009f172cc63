"""Flood control: a person sending too much gets one notice and is ignored for a while."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

WINDOW_S = 60.0


class Verdict(Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit: say so once
    IGNORE = "ignore"  # still muted: drop silently


@dataclass
class _Track:
    times: deque[float] = field(default_factory=deque)
    muted_until: float = 0.0


class FloodGuard:
    """A sliding one-minute window per person, kept in memory (a restart forgives)."""

    def __init__(self, limit_per_minute: int, mute_s: float = 120.0) -> None:
        self.limit = limit_per_minute
        self.mute_s = mute_s
        self._tracks: dict[int, _Track] = {}

    def check(self, user_id: int, now: float) -> Verdict:
        """Count one update from the person at monotonic time `now`."""
        track = self._tracks.setdefault(user_id, _Track())
        if now < track.muted_until:
            return Verdict.IGNORE
        while track.times and track.times[0] <= now - WINDOW_S:
            track.times.popleft()
        track.times.append(now)
        if len(track.times) > self.limit:
            track.times.clear()
            track.muted_until = now + self.mute_s
            return Verdict.NOTIFY
        if not track.times or len(self._tracks) > 10_000:
            self._forget_idle(now)
        return Verdict.ALLOW

    def _forget_idle(self, now: float) -> None:
        idle = [
            uid
            for uid, t in self._tracks.items()
            if now >= t.muted_until and (not t.times or t.times[-1] <= now - WINDOW_S)
        ]
        for uid in idle:
            del self._tracks[uid]
