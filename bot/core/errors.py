"""Refusals every surface answers the same way: raised by rules, answered by one error handler."""

from __future__ import annotations

from storage.db import StorageUnavailable

__all__ = ["NotAllowed", "NotRegistered", "StaleButton", "StorageUnavailable", "UnknownValue"]


class NotAllowed(Exception):
    """The actor lacks the role or the scope for an action."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission)
        self.permission = permission


class NotRegistered(Exception):
    """The person has not finished onboarding."""


class StaleButton(Exception):
    """A button from an earlier question, form or message, a forged one, or someone else's.

    Also raised for a record that does not exist *or* is out of the person's reach: both get
    the same answer, so ids cannot be probed.
    """


class UnknownValue(Exception):
    """A filter or parameter names a value that does not exist for this person (a web surface
    answers 400): an unknown resource, a place outside her reach, a date that is no date."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class StartupError(Exception):
    """A fatal start-up problem (a data file, the database, Telegram); the message is the one
    line `ayilbot run` prints before it exits with status 1."""
