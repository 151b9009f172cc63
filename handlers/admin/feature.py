"""Administrators in the chat: one-time invitation links."""

from __future__ import annotations

from handlers.admin import handlers as h
from handlers.plumbing.access_matrix import E
from handlers.plumbing.feature import Command, Feature

FEATURE = Feature(
    name="admin",
    commands=(Command("invite", h.on_invite),),
    # Personas: stranger reporter candidate outsider admin deactivated
    access=(E("/invite coordinator BA-BAT", "invite (admins)", "R N N N Y N"),),
)
