"""Who is behind an update: the stored profile, roles, groups and reach, read in one trip."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import LANGUAGES, Settings
from bot.core.access import Actor, Reach, scopes_from_roles
from bot.gazetteer import Gazetteer
from storage.db import Database
from storage.users import AccessRepository


@dataclass(frozen=True, slots=True)
class Person:
    """Someone as a surface sees them before anything is stored (a Telegram user)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class Actors:
    """Resolves people into actors; every surface resolves once per request."""

    def __init__(self, db: Database, settings: Settings, gazetteer: Gazetteer) -> None:
        self.db = db
        self.settings = settings
        self.gazetteer = gazetteer

    async def resolve(self, person: Person) -> Actor:
        """The actor: stored profile, roles, memberships and reach (no writes)."""
        async with self.db.reading() as conn:
            found = await AccessRepository(conn).load(person.id)
        if found is None:
            locale = guess_language(person.language_code, self.settings.default_language)
            return Actor(
                user_id=person.id,
                locale=locale,
                user=None,
                is_admin=person.id in self.settings.admin_ids,
                reach=Reach(everything=True) if person.id in self.settings.admin_ids else Reach(),
            )
        if found.user.deactivated:
            # Nothing privileged, not even through AYILBOT_ADMIN_IDS, until an admin undoes it.
            return Actor(user_id=person.id, locale=found.user.language, user=found.user)
        is_admin = person.id in self.settings.admin_ids or any(
            r.role == "admin" for r in found.roles
        )
        scopes = scopes_from_roles(found.roles)
        return Actor(
            user_id=person.id,
            locale=found.user.language,
            user=found.user,
            is_admin=is_admin,
            coordinator_scopes=scopes,
            group_ids=frozenset(found.groups),
            alone_at_place=found.alone_at_place,
            reach=Reach.of(
                scopes, self.gazetteer, admin=is_admin, created_groups=found.created_groups
            ),
        )

    async def of_user(self, user_id: int) -> Actor:
        """The actor for a stored person a rule acts for (a digest's recipient, an asker)."""
        return await self.resolve(Person(id=user_id, first_name=""))


def guess_language(telegram_code: str | None, default: str) -> str:
    """First guess of a person's language from Telegram's `language_code`."""
    code = (telegram_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else default
