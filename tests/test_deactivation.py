"""`ayilbot admin deactivate`: every right revoked, audited, undone only by an administrator."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from bot.cli_admin import run_admin
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Actor, Scope
from bot.i18n import translator
from bot.localapi import LocalBotApi
from bot.rules.digests import DigestRules
from bot.rules.users import UserRules
from storage.audit import AuditRepository
from storage.users import UserRepository
from tests.conftest import PersonFactory
from tests.digest_steps import MONDAY_9, add_incident, local
from tests.harness import Person, onboard, running_bot, services_of

GULNARA = 421
NO_PERMISSION = translator("ru").gettext("Sorry, you do not have permission for this.")


def chat_member_update(person: Person, old: str, new: str) -> dict[str, object]:
    """What Telegram sends when a person blocks ("kicked") or unblocks ("member") the bot."""
    bot_user = {"id": 1, "is_bot": True, "first_name": "bot"}

    def member(status: str) -> dict[str, object]:
        extra = {"until_date": 0} if status == "kicked" else {}
        return {"status": status, "user": bot_user, **extra}

    return {
        "my_chat_member": {
            "chat": {"id": person.user.id, "type": "private"},
            "from": person.user.to_dict(),
            "date": 0,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


async def admin(settings: Settings, action: str, *args: str) -> int:
    """`ayilbot admin ACTION ...`, run as the command line runs it."""
    names = {
        "deactivate": ["user_id"],
        "reactivate": ["user_id"],
        "grant": ["user_id", "role", "scope"],
        "users": [],
    }[action]
    values: dict[str, object] = dict(zip(names, args, strict=True))
    if "user_id" in values:
        values["user_id"] = int(str(values["user_id"]))
    return await run_admin(settings, argparse.Namespace(admin_command=action, **values))


async def test_a_deactivated_coordinator_keeps_no_right_until_an_admin_reactivates_her(
    settings: Settings,
    server: LocalBotApi,
    person: PersonFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = FrozenClock(local(2026, 5, 3, 20))  # Sunday evening
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        gulnara = person(GULNARA, "ru", first_name="Гульнара")
        await onboard(gulnara, language="Русский")
        await services.get(UserRules).grant(
            user_id=GULNARA, role="coordinator", scope=Scope("place", "BA-BAT"), by=None
        )
        await add_incident(services.db, received_at=clock.now() - timedelta(days=1))
        card = await gulnara.say("/review")
        assert "Сообщение №" in card.text

        assert await admin(settings, "deactivate", str(GULNARA)) == 0
        assert "roles revoked: coordinator:place:BA-BAT" in capsys.readouterr().out
        assert await admin(settings, "users") == 0
        assert "\tdeactivated\t" in capsys.readouterr().out
        for command in ("/review", "/export", "/stats", "/needs"):
            assert (await gulnara.say(command)).text == NO_PERMISSION, command
        verify = await gulnara.press("✅ Подтвердить", message=card)  # her old card's button
        assert verify.text == NO_PERMISSION
        async with services.db.reading() as conn:
            audit = await AuditRepository(conn).for_entity(entity="user", entity_id=str(GULNARA))
            review = await conn.execute_fetchall("SELECT review_status FROM incidents")
        assert [(e.action, e.from_value, e.to_value) for e in audit] == [
            ("deactivate", "active", "deactivated"),
            ("role_revoked", "coordinator:place:BA-BAT", None),
        ]
        assert [tuple(r) for r in review] == [("pending",)]

        # She blocks and unblocks the bot: still deactivated, and Monday brings her no digest.
        for old, new in (("member", "kicked"), ("kicked", "member")):
            server.enqueue(chat_member_update(gulnara, old, new))
            await server.wait_idle()
        async with services.db.reading() as conn:
            user = await UserRepository(conn).get(GULNARA)
        assert user is not None and user.deactivated and not user.active and not user.blocked
        clock.at = MONDAY_9
        assert (await services.get(DigestRules).run_due(clock.now())).total == 0

        # Neither an invitation link nor a grant brings a role back while she is deactivated.
        system = Actor(user_id=0, locale="en", user=None, is_admin=True)
        code = await services.get(UserRules).create_invite(
            system, "coordinator", Scope("place", "BA")
        )
        await gulnara.say(f"/start {code}")
        await server.wait_idle()
        server.drain(gulnara.user)
        assert await admin(settings, "grant", str(GULNARA), "coordinator", "BA-BAT") == 1
        assert "reactivate" in capsys.readouterr().out
        assert (await gulnara.say("/review")).text == NO_PERMISSION

        assert await admin(settings, "reactivate", str(GULNARA)) == 0
        printed = capsys.readouterr().out
        assert "ayilbot admin grant 421 coordinator BA-BAT" in printed
        assert (await gulnara.say("/review")).text == NO_PERMISSION  # roles come back by hand
        assert await admin(settings, "grant", str(GULNARA), "coordinator", "BA-BAT") == 0
        assert "Сообщение №" in (await gulnara.say("/review")).text
        async with services.db.reading() as conn:
            user = await UserRepository(conn).get(GULNARA)
            audit = await AuditRepository(conn).for_entity(entity="user", entity_id=str(GULNARA))
        assert user is not None and user.active and not user.deactivated
        assert audit[-1].action == "reactivate"


async def test_an_admin_deactivated_is_no_admin_even_when_listed_in_the_settings(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    async with running_bot(settings) as app:
        boss = person(9000, "ru", first_name="Admin")  # AYILBOT_ADMIN_IDS in the test settings
        await onboard(boss, language="Русский")
        assert "/review" in (await boss.say("/help")).text
        await services_of(app).get(UserRules).deactivate(user_id=9000, by=None)
        assert (await boss.say("/invite coordinator all")).text == NO_PERMISSION
        assert "/review" not in (await boss.say("/help")).text
        # Erasing herself leaves no entry about her rights that names her.
        await boss.say("/deleteme")
        await boss.press(translator("ru").pgettext("button", "Yes, erase me"))
        async with services_of(app).db.reading() as conn:
            audit = await AuditRepository(conn).for_entity(entity="user", entity_id="9000")
        assert audit == []
