"""Peer groups, their members and chat-link requests as storage returns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DELIVERY_MODES = ("members", "chat", "both")


@dataclass(frozen=True, slots=True)
class PeerGroup:
    id: int
    name: str
    kind: str  # ao_peers | candidates
    region: str | None
    created_by: int | None
    chat_id: int | None
    chat_title: str | None
    deliver_to: str  # members | chat | both
    invite_code: str | None
    active: bool
    created_at: datetime
    language: str | None = None  # ky | ru | en: its chat is written to in it; None: the default


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    joined_at: datetime

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class LinkRequest:
    id: int
    chat_id: int
    chat_title: str | None
    requested_by: int
