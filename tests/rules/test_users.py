"""UserRules without Telegram: registration, onboarding, invitations, roles and deactivation."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.core.access import Actor, NotAllowed, Scope
from bot.core.actors import Person
from bot.core.kernel import Kernel
from bot.forms.engine import FormEngine
from bot.forms.kinds import Env, Invalid
from bot.forms.onboarding import COORDINATOR as COORDINATOR_KIND
from bot.forms.onboarding import NOT_LISTED
from bot.forms.view import FormPress
from bot.i18n import translator
from bot.outputs.exports import render
from bot.rules.exports import ExportRequest, ExportRules
from bot.rules.privacy import PrivacyRules
from bot.rules.users import (
    WELCOME,
    WELCOME_ADMIN,
    WELCOME_COORDINATOR,
    WELCOME_EVERYWHERE,
    WELCOME_GROUP,
    WELCOME_PLACE,
    BadScope,
    Granted,
    Invitation,
    InvitationRefused,
    InviteUsage,
    Onboarding,
    Refusal,
    UnknownRole,
    UnknownScope,
    UserRules,
    sole_reporter_places,
)
from storage.audit import AuditRepository
from storage.groups import GroupRepository
from storage.users import RoleRepository, UserRepository
from tests.coordinator_steps import AKSAY, add_group, add_person, grant
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
    assert found.valid_until == date(2026, 3, 18)  # AYILBOT_INVITE_DAYS (14) after NOW
    receipt = await onboard(kernel, newcomer, invite=found.code)
    assert receipt == WELCOME_PLACE
    coordinator = await kernel.actors.of_user(AIGUL)
    assert coordinator.is_coordinator and coordinator.reach.covers_place(AKSAY)
    assert not coordinator.reach.covers_place("BA-KAD-AIR")  # the invitation's rayon only
    # The link is spent: a second person gets nothing from it.
    await add_person(kernel.db, BERMET, "Bermet")
    spent = await users.accept_invite(await kernel.actors.of_user(BERMET), found.code)
    assert spent == InvitationRefused(Refusal.USED, 14)
    # A registered person opens another link, unless she was deactivated.
    again = await users.invite(admin, ["admin", "all"])
    assert isinstance(again, Invitation)
    await users.deactivate(user_id=BERMET, by=ADMIN)
    refused = await users.accept_invite(await kernel.actors.of_user(BERMET), again.code)
    assert refused == InvitationRefused(Refusal.INVALID, 14)
    accepted = await users.accept_invite(await kernel.actors.of_user(COORDINATOR), again.code)
    assert accepted == Granted("admin", Scope("all"), None)
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


# ---------------------------------------------------------------- an invited newcomer's form


async def invited_onboarding(
    kernel: Kernel, user_id: int, code: str | None, *, language: str = "o0"
) -> tuple[Onboarding, list[str], str]:
    """A newcomer opens the bot with `code` and answers every question with its first button.

    Returns what /start gave, the keys of the questions asked, and the receipt's text.
    """
    users = rules(kernel)
    started = await users.start_onboarding(
        Person(user_id, "Гүлнара"), start_code=code, role_invitation=True
    )
    engine = kernel.get(FormEngine)
    asked: list[str] = []
    view = started.form
    for turn in range(12):
        if view.finished:
            return started, asked, str(view.text)
        actor = await kernel.actors.of_user(user_id)
        draft = await engine.active(actor)
        assert draft is not None
        asked.append(draft.step)
        first = view.rows[0][0].press
        action = language if draft.step == "language" else "o0"
        press = FormPress(first.draft, first.where, action)
        view = await engine.on_button(actor, press, event_key=f"{user_id}:{turn}")
    raise AssertionError(f"onboarding did not end: {asked}")


def ky(msgid: str, **params: Any) -> str:
    return str(translator("ky").gettext(msgid, **params))


@pytest.mark.parametrize(
    ("role", "scope", "place", "welcome"),
    [
        ("coordinator", "BA-BAT", "BA-BAT", ky(WELCOME_PLACE, area="Баткен району")),
        ("coordinator", "BA", "BA", ky(WELCOME_PLACE, area="Баткен облусу")),
        ("coordinator", AKSAY, AKSAY, ky(WELCOME_PLACE, area="Ак-Сай, Баткен району")),
        ("coordinator", "all", None, ky(WELCOME_EVERYWHERE)),
        ("coordinator", "group:999", None, ky(WELCOME_COORDINATOR)),  # no such group (yet)
        ("admin", "BA", "BA", ky(WELCOME_ADMIN)),
    ],
)
async def test_an_invitation_answers_who_she_is_and_where_and_asks_the_rest(
    kernel: Kernel, role: str, scope: str, place: str | None, welcome: str
) -> None:
    users = rules(kernel)
    made = await users.invite(await kernel.actors.of_user(ADMIN), [role, scope])
    assert isinstance(made, Invitation)
    started, asked, receipt = await invited_onboarding(kernel, AIGUL, made.code)
    assert started.refused is None
    assert asked == ["language", "privacy"]
    assert receipt == welcome
    actor = await kernel.actors.of_user(AIGUL)
    assert actor.registered and actor.user is not None
    assert (actor.user.kind, actor.user.place_code, actor.user.language) == (
        COORDINATOR_KIND,
        place,
        "ky",
    )
    assert (
        actor.is_admin
        if role == "admin"
        else actor.coordinator_scopes == (users.parse_scope(scope),)
    )


async def test_a_group_scope_names_the_group_and_takes_its_region_as_her_place(
    kernel: Kernel,
) -> None:
    group_id, _ = await add_group(kernel.db, creator=ADMIN, members=(), region="BA-BAT")
    users = rules(kernel)
    made = await users.invite(
        await kernel.actors.of_user(ADMIN), ["coordinator", f"group:{group_id}"]
    )
    assert isinstance(made, Invitation)
    _, asked, receipt = await invited_onboarding(kernel, AIGUL, made.code)
    assert asked == ["language", "privacy"]
    async with kernel.db.reading() as conn:
        group = await GroupRepository(conn).get(group_id)
    assert group is not None and receipt == ky(WELCOME_GROUP, group=group.name)
    actor = await kernel.actors.of_user(AIGUL)
    assert actor.user is not None and actor.user.place_code == "BA-BAT"
    assert actor.reach.covers_group(group_id) and not actor.reach.covers_place(AKSAY)


async def test_without_an_invitation_every_question_is_asked_as_before(kernel: Kernel) -> None:
    started, asked, receipt = await invited_onboarding(kernel, AIGUL, None)
    assert started.refused is None
    # The first oblast on the list is Batken; its first rayon and aiyl aimak likewise.
    assert asked[:3] == ["language", "kind", "oblast"] and asked[-1] == "privacy"
    assert receipt == ky(WELCOME)
    actor = await kernel.actors.of_user(AIGUL)
    assert actor.user is not None and actor.user.kind == "leader" and not actor.is_coordinator


async def test_a_link_not_valid_used_or_expired_is_refused_and_onboarding_asks_everything(
    kernel: Kernel,
) -> None:
    users = rules(kernel)
    admin = await kernel.actors.of_user(ADMIN)
    started, asked, _ = await invited_onboarding(kernel, AIGUL, "no-such-code")
    assert started.refused == InvitationRefused(Refusal.INVALID, 14)
    assert "kind" in asked and "oblast" in asked
    # Someone else opened this one first.
    used = await users.invite(admin, ["coordinator", "BA-BAT"])
    assert isinstance(used, Invitation)
    await invited_onboarding(kernel, COORDINATOR + 10, used.code)
    started, asked, _ = await invited_onboarding(kernel, BERMET, used.code)
    assert started.refused == InvitationRefused(Refusal.USED, 14)
    assert "kind" in asked
    assert not (await kernel.actors.of_user(BERMET)).is_coordinator
    # A link works through its last day in Bishkek, and not a day longer.
    late = await users.invite(admin, ["coordinator", "BA-BAT"])
    assert isinstance(late, Invitation)
    clock = kernel.clock
    assert isinstance(clock, FrozenClock)
    clock.at = datetime(2026, 3, 18, 17, 59, tzinfo=UTC)  # 23:59 on 18 March in Bishkek
    lasts = await users.invite(admin, ["coordinator", "BA"])  # made now: far from expired
    assert isinstance(lasts, Invitation)
    clock.at = datetime(2026, 3, 18, 18, 1, tzinfo=UTC)  # 00:01 on 19 March in Bishkek
    started, asked, _ = await invited_onboarding(kernel, 1299, late.code)
    assert started.refused == InvitationRefused(Refusal.EXPIRED, 14)
    assert "kind" in asked and not (await kernel.actors.of_user(1299)).is_coordinator
    started, asked, _ = await invited_onboarding(kernel, 1298, lasts.code)
    assert started.refused is None and asked == ["language", "privacy"]


async def test_on_its_last_day_a_link_still_works(kernel: Kernel) -> None:
    users = rules(kernel)
    made = await users.invite(await kernel.actors.of_user(ADMIN), ["coordinator", "BA-BAT"])
    assert isinstance(made, Invitation)
    clock = kernel.clock
    assert isinstance(clock, FrozenClock)
    clock.at = datetime(2026, 3, 18, 17, 59, tzinfo=UTC)  # 23:59 on 18 March in Bishkek
    started, asked, _ = await invited_onboarding(kernel, AIGUL, made.code)
    assert started.refused is None and asked == ["language", "privacy"]
    assert (await kernel.actors.of_user(AIGUL)).is_coordinator


async def test_the_link_is_hers_once_opened_and_a_form_begun_before_starts_again(
    kernel: Kernel,
) -> None:
    users = rules(kernel)
    engine = kernel.get(FormEngine)
    # She opened the bot without the link and chose her language ...
    begun = await users.start_onboarding(
        Person(AIGUL, "Айгүл"), start_code=None, role_invitation=True
    )
    actor = await kernel.actors.of_user(AIGUL)
    first = begun.form.rows[0][0].press
    kinds = await engine.on_button(actor, FormPress(first.draft, "0", "o1"), event_key="a")
    assert "Кто вы?" in kinds.text
    # ... then the link came: the form starts again without the questions it answers.
    made = await users.invite(await kernel.actors.of_user(ADMIN), ["coordinator", "BA-BAT"])
    assert isinstance(made, Invitation)
    opened = await users.start_onboarding(
        Person(AIGUL, "Айгүл"), start_code=made.code, role_invitation=True
    )
    assert opened.refused is None and opened.form.text.endswith("Тилди тандаңыз.")
    # Nobody else can take it now, even before she finishes; she can open it again.
    taken = await users.start_onboarding(
        Person(BERMET, "Bermet"), start_code=made.code, role_invitation=True
    )
    assert taken.refused == InvitationRefused(Refusal.USED, 14)
    _, asked, receipt = await invited_onboarding(kernel, AIGUL, made.code)
    assert asked == ["language", "privacy"] and receipt == ky(WELCOME_PLACE, area="Баткен району")


async def test_another_features_link_is_not_taken_for_an_invitation(kernel: Kernel) -> None:
    started = await rules(kernel).start_onboarding(
        Person(AIGUL, "Айгүл"), start_code="g_somegroup", role_invitation=False
    )
    assert started.refused is None
    draft = await kernel.get(FormEngine).active(await kernel.actors.of_user(AIGUL))
    assert draft is not None and draft.context == {"invite": "g_somegroup"}


async def test_erasing_the_person_who_used_a_link_does_not_make_it_work_again(
    kernel: Kernel,
) -> None:
    users = rules(kernel)
    made = await users.invite(await kernel.actors.of_user(ADMIN), ["coordinator", "all"])
    assert isinstance(made, Invitation)
    await invited_onboarding(kernel, AIGUL, made.code)
    await kernel.get(PrivacyRules).erase(await kernel.actors.of_user(AIGUL))
    started, _, _ = await invited_onboarding(kernel, BERMET, made.code)
    assert started.refused == InvitationRefused(Refusal.USED, 14)
    assert not (await kernel.actors.of_user(BERMET)).is_coordinator


async def test_a_coordinator_registered_at_a_place_hides_no_reporter_there(
    kernel: Kernel,
) -> None:
    # Aigul typed a village that is not listed: she is registered at the rayon, alone.
    await add_person(kernel.db, AIGUL, "Айгүл", place="BA-BAT")
    assert sole_reporter_places(await kernel.actors.of_user(AIGUL)) == frozenset({"BA-BAT"})
    made = await rules(kernel).invite(
        await kernel.actors.of_user(ADMIN), ["coordinator", "BA-BAT"]
    )
    assert isinstance(made, Invitation)
    await invited_onboarding(kernel, BERMET, made.code)  # the rayon's coordinator
    bermet = await kernel.actors.of_user(BERMET)
    assert bermet.user is not None and bermet.user.place_code == "BA-BAT"
    assert sole_reporter_places(await kernel.actors.of_user(AIGUL)) == frozenset({"BA-BAT"})
    await add_person(kernel.db, COORDINATOR + 20, "Зарина", place="BA-BAT")  # a reporter
    assert sole_reporter_places(await kernel.actors.of_user(AIGUL)) == frozenset()


async def test_the_people_export_names_the_coordinator_kind_in_the_readers_language(
    kernel: Kernel,
) -> None:
    made = await rules(kernel).invite(await kernel.actors.of_user(ADMIN), ["coordinator", "BA"])
    assert isinstance(made, Invitation)
    await invited_onboarding(kernel, AIGUL, made.code)
    admin = await kernel.actors.of_user(ADMIN)
    for locale, label in (("ru", "Координатор НПО"), ("ky", "Бейөкмөт уюмдун координатору")):
        request = ExportRequest(kind="users", format="csv", locale=locale, headers="codes")
        found = await kernel.get(ExportRules).export(admin, request)
        data = render(found, translator(locale)).data.decode("utf-8-sig")
        rows = {r["name"]: r for r in csv.DictReader(io.StringIO(data), delimiter=";")}
        assert (rows["Гүлнара"]["kind"], rows["Гүлнара"]["place_code"]) == (label, "BA")
