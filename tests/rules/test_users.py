"""UserRules without Telegram: registration, onboarding, invitations, roles and deactivation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.access import Actor, NotAllowed, Scope
from bot.core.actors import Person
from bot.core.kernel import Kernel
from bot.forms.kinds import Env, Invalid
from bot.forms.onboarding import NOT_LISTED
from bot.i18n import translator
from bot.rules.users import (
    BadScope,
    Invitation,
    InviteUsage,
    UnknownRole,
    UnknownScope,
    UserRules,
    sole_reporter_places,
)
from storage.audit import AuditRepository
from storage.users import RoleRepository, UserRepository
from tests.coordinator_steps import AKSAY, add_person, grant
from tests.rules.core_steps import ADMIN, NOW, core_kernel
from tests.rules.needs_steps import draft

AIGUL, BERMET, COORDINATOR = 1201, 1202, 1203


@pytest.fixture
async def kernel(tmp_path: Path) -> AsyncIterator[Kernel]:
    async with core_kernel(tmp_path) as kernel:
        await add_person(kernel.db, ADMIN, "Admin", kind="community", place=None)
        await add_person(kernel.db, COORDINATOR, "Coordinator", kind="community", place=None)
        await grant(kernel.db, COORDINATOR, "place", "BA-BAT")
        yield kernel


def rules(kernel: Kernel) -> UserRules:
    return kernel.get(UserRules)


def env(actor: Actor, kernel: Kernel) -> Env:
    return Env(translator(actor.locale), actor.user, kernel.gazetteer, NOW.date())


async def onboard(kernel: Kernel, actor: Actor, **answers: Any) -> str:
    """Submit the onboarding form as the engine would; the receipt's msgid."""
    values = {"language": "ky", "kind": "leader", "oblast": "BA", "rayon": "BA-BAT"} | answers
    context = {"invite": answers.pop("invite")} if "invite" in answers else {}
    values.pop("invite", None)
    async with kernel.db.transaction() as conn:
        submitted = await rules(kernel).submit_onboarding(
            conn,
            draft("onboarding", values, user_id=actor.user_id, **context),
            actor,
            env(actor, kernel),
        )
    return submitted.message


async def test_a_newcomer_is_stored_in_telegrams_language_with_clean_names(kernel: Kernel) -> None:
    person = Person(
        AIGUL, "  Айгүл\u200b ", last_name="\u0007", username="aigul", language_code="ky-KG"
    )
    actor = await rules(kernel).register_contact(person)
    assert actor.user is not None and not actor.registered  # onboarding comes next
    assert (actor.user.first_name, actor.user.last_name, actor.locale) == ("Айгүл", None, "ky")
    assert actor.user.pseudonym.startswith("P-") and len(actor.user.pseudonym) == 10
    other = await rules(kernel).register_contact(Person(BERMET, "Bermet", language_code="de"))
    assert other.locale == kernel.settings.default_language  # a language the bot does not speak


async def test_onboarding_stores_the_most_precise_place_and_the_accepted_notice(
    kernel: Kernel,
) -> None:
    actor = await rules(kernel).register_contact(Person(AIGUL, "Айгүл"))
    receipt = await onboard(kernel, actor, aiyl_aimak=AKSAY)
    assert receipt == "Welcome! You are registered. /menu shows what you can do."
    registered = await kernel.actors.of_user(AIGUL)
    assert registered.registered and registered.user is not None
    assert (registered.user.place_code, registered.user.language) == (AKSAY, "ky")
    assert registered.reach.nothing  # a reporter sees nobody else's records
    # "Not listed" at the aiyl aimak: the rayon is the place.
    other = await rules(kernel).register_contact(Person(BERMET, "Bermet"))
    await onboard(kernel, other, aiyl_aimak=NOT_LISTED, place_other="Kara-Tash")
    bermet = await kernel.actors.of_user(BERMET)
    assert bermet.user is not None
    assert (bermet.user.place_code, bermet.user.place_other) == ("BA-BAT", "Kara-Tash")


async def test_an_invitation_grants_its_role_once_and_never_to_the_deactivated(
    kernel: Kernel,
) -> None:
    users = rules(kernel)
    admin = await kernel.actors.of_user(ADMIN)
    found = await users.invite(admin, ["Coordinator", "ba-bat"])
    assert isinstance(found, Invitation)
    newcomer = await users.register_contact(Person(AIGUL, "Айгүл"))
    receipt = await onboard(kernel, newcomer, invite=found.code)
    assert receipt.startswith("Welcome! You are registered as a coordinator.")
    coordinator = await kernel.actors.of_user(AIGUL)
    assert coordinator.is_coordinator and coordinator.reach.covers_place(AKSAY)
    assert not coordinator.reach.covers_place("BA-KAD-AIR")  # the invitation's rayon only
    # The link is spent: a second person gets nothing from it.
    await add_person(kernel.db, BERMET, "Bermet")
    assert not await users.accept_invite(await kernel.actors.of_user(BERMET), found.code)
    # A registered person opens another link, unless she was deactivated.
    again = await users.invite(admin, ["admin", "all"])
    assert isinstance(again, Invitation)
    await users.deactivate(user_id=BERMET, by=ADMIN)
    assert not await users.accept_invite(await kernel.actors.of_user(BERMET), again.code)
    assert await users.accept_invite(await kernel.actors.of_user(COORDINATOR), again.code)
    assert (await kernel.actors.of_user(COORDINATOR)).is_admin


async def test_invite_explains_a_wrong_request_and_is_for_administrators_only(
    kernel: Kernel,
) -> None:
    users = rules(kernel)
    admin = await kernel.actors.of_user(ADMIN)
    assert await users.invite(admin, []) == InviteUsage()
    assert await users.invite(admin, ["coordinator"]) == InviteUsage()
    assert await users.invite(admin, ["reporter", "all"]) == UnknownRole("reporter")
    assert await users.invite(admin, ["coordinator", "XX-NOWHERE"]) == UnknownScope("XX-NOWHERE")
    with pytest.raises(NotAllowed):
        await users.invite(await kernel.actors.of_user(COORDINATOR), ["coordinator", "all"])
    with pytest.raises(NotAllowed):  # a role that cannot be granted, even by an administrator
        await users.create_invite(admin, "reporter", Scope("all"))


async def test_a_scope_is_all_a_place_code_or_a_group(kernel: Kernel) -> None:
    users = rules(kernel)
    assert users.parse_scope(" ALL ") == Scope("all")
    assert users.parse_scope("group:12") == Scope("group", "12")
    assert users.parse_scope("ba-bat") == Scope("place", "BA-BAT")
    for bad in ("group:x", "XX-NOWHERE", ""):
        with pytest.raises(BadScope):
            users.parse_scope(bad)


async def test_the_language_form_accepts_only_the_bots_languages(kernel: Kernel) -> None:
    await add_person(kernel.db, AIGUL, "Айгүл")
    actor = await kernel.actors.of_user(AIGUL)
    async with kernel.db.transaction() as conn:
        with pytest.raises(Invalid):
            await rules(kernel).submit_language(
                conn,
                draft("language", {"language": "de"}, user_id=AIGUL),
                actor,
                env(actor, kernel),
            )
        await rules(kernel).submit_language(
            conn, draft("language", {"language": "en"}, user_id=AIGUL), actor, env(actor, kernel)
        )
    assert (await kernel.actors.of_user(AIGUL)).locale == "en"


async def test_grant_and_revoke_from_the_command_line(kernel: Kernel) -> None:
    users = rules(kernel)
    with pytest.raises(LookupError):  # she must /start the bot first
        await users.grant(user_id=AIGUL, role="coordinator", scope=Scope("all"), by=None)
    await add_person(kernel.db, AIGUL, "Айгүл")
    with pytest.raises(ValueError):
        await users.grant(user_id=AIGUL, role="reporter", scope=Scope("all"), by=None)
    scope = Scope("place", "CH")
    assert await users.grant(user_id=AIGUL, role="coordinator", scope=scope, by=None)
    assert not await users.grant(user_id=AIGUL, role="coordinator", scope=scope, by=None)
    assert (await kernel.actors.of_user(AIGUL)).reach.covers_place("CH")
    assert await users.revoke(user_id=AIGUL, role="coordinator", scope=None) == 1
    assert (await kernel.actors.of_user(AIGUL)).reach.nothing
    listed = {user.id: roles for user, roles in await users.list_users()}
    assert listed[AIGUL] == [] and [r.scope_value for r in listed[COORDINATOR]] == ["BA-BAT"]


async def test_deactivation_revokes_every_role_audited_and_only_reactivation_undoes_it(
    kernel: Kernel,
) -> None:
    users = rules(kernel)
    await grant(kernel.db, COORDINATOR, "group", "7")
    revoked = await users.deactivate(user_id=COORDINATOR, by=ADMIN)
    assert revoked is not None and sorted(r.scope_value for r in revoked) == ["7", "BA-BAT"]
    assert await users.deactivate(user_id=COORDINATOR, by=ADMIN) is None  # already
    actor = await kernel.actors.of_user(COORDINATOR)
    assert actor.deactivated and not actor.is_coordinator and actor.reach.nothing
    # Blocking and unblocking the bot changes nothing; nor does a grant.
    await users.set_blocked(user_id=COORDINATOR, blocked=True)
    await users.set_blocked(user_id=COORDINATOR, blocked=False)
    assert (await kernel.actors.of_user(COORDINATOR)).deactivated
    with pytest.raises(ValueError):
        await users.grant(user_id=COORDINATOR, role="coordinator", scope=Scope("all"), by=None)
    had = await users.reactivate(user_id=COORDINATOR, by=ADMIN)
    assert sorted(had) == ["coordinator:group:7", "coordinator:place:BA-BAT"]
    again = await kernel.actors.of_user(COORDINATOR)
    assert not again.deactivated and again.reach.nothing  # roles come back only by hand
    with pytest.raises(LookupError):
        await users.reactivate(user_id=COORDINATOR, by=ADMIN)
    async with kernel.db.reading() as conn:
        audit = await AuditRepository(conn).for_entity(entity="user", entity_id=str(COORDINATOR))
        roles = await RoleRepository(conn).for_user(COORDINATOR)
    assert [e.action for e in audit] == [
        "deactivate",
        "role_revoked",
        "role_revoked",
        "reactivate",
    ]
    assert {e.actor_id for e in audit} == {ADMIN} and roles == []


async def test_blocking_the_bot_stops_and_unblocking_resumes_sending(kernel: Kernel) -> None:
    await add_person(kernel.db, AIGUL, "Айгүл")
    await rules(kernel).set_blocked(user_id=AIGUL, blocked=True)
    async with kernel.db.reading() as conn:
        user = await UserRepository(conn).get(AIGUL)
    assert user is not None and user.blocked and not user.active
    await rules(kernel).set_blocked(user_id=AIGUL, blocked=False)
    async with kernel.db.reading() as conn:
        user = await UserRepository(conn).get(AIGUL)
    assert user is not None and user.active


async def test_coordinators_covering_a_place(kernel: Kernel) -> None:
    await add_person(kernel.db, AIGUL, "All", kind="community", place=None)
    await grant(kernel.db, AIGUL, "all")
    await add_person(kernel.db, BERMET, "Chui", kind="community", place=None)
    await grant(kernel.db, BERMET, "place", "CH")
    assert sorted(await rules(kernel).coordinators_covering(AKSAY)) == [AIGUL, COORDINATOR]
    assert await rules(kernel).coordinators_covering("XX-NOWHERE") == [AIGUL]


async def test_alone_at_a_place_an_anonymous_report_would_point_to_her(kernel: Kernel) -> None:
    await add_person(kernel.db, AIGUL, "Айгүл")
    alone = await kernel.actors.of_user(AIGUL)
    assert sole_reporter_places(alone) == frozenset({AKSAY})
    await add_person(kernel.db, BERMET, "Bermet")
    assert sole_reporter_places(await kernel.actors.of_user(AIGUL)) == frozenset()
    nowhere = await kernel.actors.of_user(COORDINATOR)  # gave no place
    assert sole_reporter_places(nowhere) == frozenset()
