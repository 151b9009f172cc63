"""What digests say: numbers equal to an independent count, three languages, chart, privacy."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar, get_args, get_type_hints

from bot.clock import FrozenClock
from bot.config import Settings
from bot.core.access import Actor
from bot.forms.incident import EVENTS, RESOURCES
from bot.forms.incident_labels import label
from bot.i18n import Tr, translator
from bot.localapi import LocalBotApi, html_error
from bot.records.digests import Count, Period
from bot.records.practices import PracticeLine
from bot.rules.digests import (
    CoordinatorDigest,
    DigestRules,
    IncidentsSection,
    RayonCount,
    ReviewSection,
    SectionSource,
    period_for,
)
from bot.rules.early_warning import WatchSection
from bot.rules.needs import ElectionSummary, Funnel, NeedsDigest
from bot.rules.practices import PracticesDigest
from bot.rules.privacy import PrivacyRules
from bot.wiring import AyilApp
from handlers.digests import screens
from handlers.needs import screens as need_screens
from handlers.plumbing.render import split_text
from handlers.plumbing.screen import Screen
from handlers.practices import screens as practice_screens
from storage.users import UserRepository
from tests.conftest import PersonFactory
from tests.digest_steps import (
    BISHKEK,
    MONDAY_9,
    add_group,
    add_incident,
    add_person,
    add_practice,
    delivered,
    delivery_rows,
    local,
    texts,
)
from tests.harness import running_bot, services_of

T = TypeVar("T")
SUNDAY_EVENING = local(2026, 5, 3, 20)
WEEK = timedelta(days=7)
IN_SCOPE = ("BA-BAT-AKS", "BA-BAT-AKT", "BA-BAT-DAR")  # Batken rayon
OUT_OF_SCOPE = ("BA-LEI-AKS", "BA-KAD-AMS")
RESOURCE_CODES = [o.value for o in RESOURCES]
EVENT_CODES = [o.value for o in EVENTS]


@dataclass(frozen=True)
class Row:
    """One inserted report, as the independent count sees it."""

    received_at: datetime
    resource: str
    sub_event_type: str
    aimak: str
    rayon: str
    status: str
    review_status: str
    urgent: bool
    last_update_at: datetime


def section_of(digest: CoordinatorDigest, kind: type[T]) -> T:
    """The digest's one section of a kind."""
    (found,) = [s for s in digest.sections if isinstance(s, kind)]
    return found


def drawn(app: AyilApp, digest: CoordinatorDigest, tr: Tr) -> Screen:
    """The digest as the chat shows it, each section drawn by its feature."""
    sections = app.bot_data.surface.digest_sections
    return screens.coordinator_digest(digest, tr, sections=sections)


def random_row(rng: random.Random) -> Row:
    aimak = rng.choice(IN_SCOPE + OUT_OF_SCOPE)
    received = MONDAY_9 - timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
    return Row(
        received_at=received,
        resource=rng.choice(RESOURCE_CODES),
        sub_event_type=rng.choice(EVENT_CODES),
        aimak=aimak,
        rayon=aimak[:6],
        status=rng.choice(("open", "open", "resolved")),
        review_status=rng.choice(("pending", "verified", "verified", "duplicate")),
        urgent=rng.random() < 0.2,
        last_update_at=min(
            MONDAY_9 - timedelta(minutes=1), received + timedelta(days=rng.randrange(0, 10))
        ),
    )


async def test_numbers_equal_an_independent_count_and_reporters_stay_anonymous(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    rng = random.Random(5)
    rows = [random_row(rng) for _ in range(120)]
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        db = services.db
        await add_person(db, server, 601, "en", scope="BA-BAT")
        await add_person(db, server, 602, "en", first_name="Secretbek")
        for row in rows:
            await add_incident(db, reporter_id=602, anonymous=True, **asdict(row))
        # One report after the period's end is not counted.
        await add_incident(db, received_at=MONDAY_9 + timedelta(minutes=5))
        actor = await services.actors.of_user(601)
        digest = await services.get(DigestRules).coordinator_digest(
            actor, period_for(MONDAY_9, BISHKEK)
        )
        screen = drawn(app, digest, translator("en"))
    data = section_of(digest, IncidentsSection)

    counted = [r for r in rows if r.rayon == "BA-BAT" and r.review_status != "duplicate"]
    this = [r for r in counted if MONDAY_9 - WEEK <= r.received_at < MONDAY_9]
    last = [r for r in counted if MONDAY_9 - 2 * WEEK <= r.received_at < MONDAY_9 - WEEK]

    def by(key: Callable[[Row], str]) -> dict[str, tuple[int, int]]:
        keys = {key(r) for r in this + last}
        return {k: (sum(key(r) == k for r in this), sum(key(r) == k for r in last)) for k in keys}

    assert {c.key: (c.this_week, c.last_week) for c in data.by_resource} == by(
        lambda r: r.resource
    )
    assert {c.key: (c.this_week, c.last_week) for c in data.by_event} == by(
        lambda r: r.sub_event_type
    )
    rayons = {r.count.key: (r.count.this_week, r.count.last_week) for r in data.by_rayon}
    assert rayons == by(lambda r: r.rayon)
    assert data.urgent_total == sum(r.urgent for r in this)
    urgent = [u.incident.id for u in data.urgent]
    assert urgent == sorted(urgent)
    open_ = [r for r in counted if r.status == "open"]
    assert data.open.total == len(open_)
    assert data.open.under_week == sum(r.received_at >= MONDAY_9 - WEEK for r in open_)
    assert data.open.older == sum(r.received_at < MONDAY_9 - 4 * WEEK for r in open_)
    assert data.open.oldest_at == min(r.received_at for r in open_).replace(microsecond=0)
    assert data.resolved == sum(
        r.status == "resolved" and MONDAY_9 - WEEK <= r.last_update_at < MONDAY_9 for r in counted
    )
    pending = [r for r in rows if r.rayon == "BA-BAT" and r.review_status == "pending"]
    review = section_of(digest, ReviewSection)
    assert review.pending_review == len(pending)  # not the report after the period's end
    starts = [MONDAY_9 - WEEK * (8 - i) for i in range(8)]
    weekly: Counter[tuple[str, int]] = Counter()
    for r in counted:
        for i, start in enumerate(starts):
            if start <= r.received_at < start + WEEK:
                weekly[(r.resource, i)] += 1
    assert {(w.resource, w.week): w.count for w in data.weekly} == weekly

    # The same numbers in the text, and no trace of who reported.
    tr = translator("en")
    for count in data.by_resource:
        name = label(RESOURCES, count.key, tr)
        assert f"{name}: {count.this_week} (the week before: {count.last_week})" in screen.text
    assert f"{len(this)} new reports this week (the week before: {len(last)})." in screen.text
    tr_count = tr.ngettext("{n} urgent report:", "{n} urgent reports:", data.urgent_total)
    assert data.urgent_total and tr_count in screen.text
    assert f"{len(open_)} reports are still open:" in screen.text
    for secret in ("Secretbek", "P-"):
        assert secret not in screen.text
    assert screen.attachments[0].data.startswith(b"\x89PNG")


async def test_digest_in_kyrgyz_russian_and_english_with_the_chart(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        for user_id, language in ((611, "ky"), (612, "ru"), (613, "en")):
            await add_person(services.db, server, user_id, language, scope="BA-BAT")
        for days in (1, 2, 3, 4, 5):
            await add_incident(
                services.db, received_at=MONDAY_9 - timedelta(days=days), resource="pasture"
            )
        await add_incident(
            services.db,
            received_at=MONDAY_9 - timedelta(days=2),
            sub_event_type="physical_clash",
            urgent=True,
            location="<script>",
        )
        clock.at = MONDAY_9
        report = await services.get(DigestRules).run_due(clock.now())
        assert report.sent == 3
    ky, ru, en = (texts(server, chat)[0] for chat in (611, 612, 613))
    assert "Апталык баяндама" in ky and "6 жаңы билдирүү" in ky
    assert "Еженедельная сводка" in ru and "6 новых сообщений" in ru and "мая" in ru
    assert "Weekly digest" in en and "6 new reports this week" in en
    assert "1 urgent report:" in en and "1 срочное сообщение:" in ru
    for chat in (611, 612, 613):
        # The chart first; other sections (early warning) may attach theirs after it.
        photos = [m for m in server.messages(chat) if m.kind == "photo"]
        assert photos and all((p.document or b"").startswith(b"\x89PNG") for p in photos)
    # The chart follows the text, with the buttons to act on what waits.
    assert server.messages(613)[-1].kind == "photo"
    labels = [text for text, _ in server.messages(613)[-1].flat_buttons]
    assert "🔎 Review reports" in labels


async def test_quiet_week_is_one_line_and_preview_is_not_a_delivery(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    clock = FrozenClock(MONDAY_9 - timedelta(hours=1))
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        await services.get(DigestRules).run_due(clock.now())
        await add_person(services.db, server, 621, "en", scope="BA-BAT", first_name="Coordinator")
        await add_incident(
            services.db, received_at=MONDAY_9 - timedelta(days=3), review_status="verified"
        )
        someone = person(621, "en", first_name="Coordinator")
        preview = await someone.say("/digest")
        assert "Preview" in preview.text and "1 new report this week" in preview.text
        photo = await someone.reply()
        assert (photo.document or b"").startswith(b"\x89PNG")
        assert await delivery_rows(services.db) == []
        clock.at = MONDAY_9
        await services.get(DigestRules).run_due(clock.now())
        await server.wait_for(lambda: delivered(server)[621] == 2)
        await server.wait_idle()
        photos = len([m for m in server.messages(621) if m.kind == "photo"])

        # Next week nothing happened: one line.
        clock.at = MONDAY_9 + WEEK
        await services.get(DigestRules).run_due(clock.now())
        quiet = texts(server, 621)[-1]
    assert "a quiet week" in quiet and "\n" not in quiet
    assert len([m for m in server.messages(621) if m.kind == "photo"]) == photos


async def test_group_digest_lists_the_weeks_practices_and_activity(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        db = services.db
        await services.get(DigestRules).run_due(clock.now())
        await add_person(db, server, 631, "en", scope="BA-BAT", first_name="Coordinator")
        for user_id, language in ((632, "ky"), (633, "ru"), (634, "en")):
            await add_person(db, server, user_id, language)
        group = await add_group(
            db, name="Candidates", created_by=631, members=[632, 633], joined_at=MONDAY_9 - WEEK
        )
        await add_group(db, name="Other", created_by=631, members=[634])
        day = MONDAY_9 - timedelta(days=2)
        await add_practice(
            db,
            author_id=632,
            title="Budget <hearing>",
            approved_at=day,
            groups=(group,),
            created_at=day,
            helpful_by=((633, day),),
        )
        await add_practice(db, author_id=634, title="Private to Other", approved_at=day)
        await add_practice(
            db,
            author_id=634,
            title="Water rota",
            approved_at=day - 3 * WEEK,
            visible_to_all=True,
            helpful_by=((632, day), (633, day), (634, day)),
        )
        await add_practice(db, author_id=634, title="Waiting", approved_at=None)
        await add_practice(
            db, author_id=634, title="Elsewhere", approved_at=None, place="BA-LEI-AKS"
        )
        clock.at = MONDAY_9
        await services.get(DigestRules).run_due(clock.now())
        await server.wait_for(lambda: delivered(server)[633] == 1)
    # The coordinator: practices of her rayon approved and waiting, and the most helpful.
    coordinator = texts(server, 631)[0]
    assert "2 practices approved this week:" in coordinator
    assert "«Budget &lt;hearing&gt;»" in coordinator and "Private to Other" in coordinator
    assert "1 practice waits for approval." in coordinator
    assert "«Water rota» — 3 people say it helped" in coordinator
    en_member = texts(server, 634)[0]
    assert "Private to Other" not in en_member and "a quiet week" not in en_member
    ru = texts(server, 633)[0]
    assert "«Budget &lt;hearing&gt;»" in ru and "Water rota" in ru
    assert "3 человека" in ru  # three "helped me" marks on the most helpful practice
    assert "1 практика" in ru
    assert "Private to Other" not in ru


async def test_settings_refuse_a_group_another_coordinator_manages(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    async with running_bot(settings) as app:
        services = services_of(app)
        await add_person(services.db, server, 641, "en", scope="BA-BAT", first_name="Owner")
        await add_person(services.db, server, 642, "en", scope="BA-BAT", first_name="Other")
        group = await add_group(services.db, name="Owned", created_by=641, members=[])
        other = person(642, "en", first_name="Other")
        await other.say("/digest settings")
        message = server.last_message(other.user)
        assert message is not None
        await server.press(other.user, message.message_id, f"dg:g:{group}:x")
        refused = await other.reply()
        assert "permission" in refused.text
        query = await server.press(other.user, message.message_id, "dg:zz")
        assert "no longer active" in (await server.wait_callback_answer(query)).get("text", "")
        async with services.db.reading() as conn:
            schedule = await conn.execute_fetchall("SELECT * FROM digest_schedules")
        assert list(schedule) == []


async def test_mydata_and_deleteme_cover_digest_records(
    settings: Settings, server: LocalBotApi
) -> None:
    clock = FrozenClock(SUNDAY_EVENING)
    async with running_bot(settings, clock=clock) as app:
        services = services_of(app)
        digests = services.get(DigestRules)
        await digests.run_due(clock.now())
        await add_person(services.db, server, 651, "en", scope="BA-BAT")
        actor = await services.actors.of_user(651)
        await digests.change_mine(actor, hour=7)
        clock.at = local(2026, 5, 4, 7)
        await digests.run_due(clock.now())
        exported = await services.get(PrivacyRules).export_for(actor)
        assert exported["digests"]["schedule"]["hour"] == 7
        assert exported["digests"]["deliveries"][0]["status"] == "sent"
        await services.get(PrivacyRules).erase(actor)
        async with services.db.reading() as conn:
            left = await conn.execute_fetchall(
                "SELECT (SELECT count(*) FROM digest_schedules),"
                " (SELECT count(*) FROM digest_deliveries)"
            )
            assert await UserRepository(conn).get(651) is None
        assert [tuple(r) for r in left] == [(0, 0)]


@dataclass(frozen=True)
class WatchNote:
    """A section another feature might add."""

    day: str
    news: bool = True


class WatchRules:
    """A feature's rules that offer a digest section, between the incidents and review."""

    digest_position = 25

    async def digest_section(self, reader: Actor, period: Period) -> WatchNote:
        return WatchNote(str(period.start))


def watch_note(section: WatchNote, tr: Tr) -> Screen:
    return Screen("Test section" + f": {section.day}")


async def test_added_section_is_rendered_and_a_long_digest_splits_cleanly(
    settings: Settings, server: LocalBotApi
) -> None:
    async with running_bot(settings, clock=FrozenClock(MONDAY_9)) as app:
        services = services_of(app)
        digests = services.get(DigestRules)
        # A feature added later: its rules in the kernel, its screen among the sections.
        services.add(WatchRules())
        app.bot_data.surface.digest_sections[WatchNote] = watch_note
        await add_person(services.db, server, 661, "ru", scope="all")
        await add_incident(services.db, received_at=MONDAY_9 - timedelta(days=1))
        actor = await services.actors.of_user(661)
        digest = await digests.coordinator_digest(actor, period_for(MONDAY_9, BISHKEK))
        screen = drawn(app, digest, translator("ru"))
        # Two hundred rayons with a long name each: more than one message can hold.
        many = tuple(RayonCount(Count(f"X-{i}", i, i + 1), None) for i in range(200))
        incidents = replace(section_of(digest, IncidentsSection), by_rayon=many)
        sections = tuple(
            incidents if isinstance(s, IncidentsSection) else s for s in digest.sections
        )
        long = drawn(app, replace(digest, sections=sections), translator("ru"))
    kinds = [type(s) for s in digest.sections]
    assert kinds.index(IncidentsSection) < kinds.index(WatchNote) < kinds.index(ReviewSection)
    text = screen.text
    assert (
        text.index("Инциденты") < text.index("Test section: 2026-05-04") < text.index("Ждут вас")
    )
    parts = split_text(long.text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert all(html_error(p) is None for p in parts)
    assert "".join(parts).count("\n") + len(parts) - 1 == long.text.count("\n")


async def test_preview_and_settings_for_members_and_others(
    settings: Settings, server: LocalBotApi, person: PersonFactory
) -> None:
    async with running_bot(settings, clock=FrozenClock(MONDAY_9)) as app:
        db = services_of(app).db
        await add_person(db, server, 671, "ru", first_name="Асель")
        await add_person(db, server, 672, "en", first_name="Jane")
        await add_person(db, server, 673, "en", scope="BA-BAT", first_name="Boss")
        await add_group(db, name="Соседи", created_by=673, members=[671])
        member = person(671, "ru", first_name="Асель")
        preview = await member.say("/digest")
        assert preview.text.startswith("👁 👥 <b>Соседи</b>") and "тихая неделя" in preview.text

        other = person(672, "en", first_name="Jane")
        shown = await other.say("/digest")
        assert "go to coordinators and to peer groups" in shown.text
        own = await other.press("⚙️ Digest settings", message=shown)
        labels = [text for text, _ in own.flat_buttons]
        assert labels == ["🔕 Turn off"]  # no day or hour: group digests follow the group
        off = await other.press("🔕 Turn off", message=own)
        assert "not sent to you privately" in off.text
        # Changing the day is for coordinators only, even with a forged button.
        await server.press(other.user, off.message_id, "dg:u:w:3")
        assert "permission" in (await other.reply()).text
        assert await delivery_rows(db) == []


async def test_every_section_a_feature_offers_is_drawn_by_a_feature(
    settings: Settings, server: LocalBotApi
) -> None:
    """A rules class with `digest_section` needs its record in some feature's digest_sections."""
    async with running_bot(settings) as app:
        kernel = services_of(app)
        sources = [p for p in kernel.parts() if isinstance(p, SectionSource)]
        drawn_kinds = app.bot_data.surface.digest_sections
    offered = set()
    for source in sources:
        returned = get_type_hints(type(source).digest_section)["return"]
        offered |= {kind for kind in get_args(returned) if kind is not type(None)}
    assert offered == {WatchSection, PracticesDigest, NeedsDigest}
    assert offered | {IncidentsSection, ReviewSection} == set(drawn_kinds)


def test_the_needs_and_practices_sections_read_as_before() -> None:
    ru = translator("ru")
    funnel = Funnel(
        total=5, raised=4, in_plan=3, budgeted=2, implemented=1, declined=0, som_allocated=15000
    )
    needs = need_screens.digest_section(NeedsDigest(funnel, ElectionSummary(2, 3, 1)), ru)
    assert needs.text.startswith("<b>👩")
    elected = ru.ngettext(
        "🗳 {elected} of {n} candidate elected",
        "🗳 {elected} of {n} candidates elected",
        3,
        elected=ru.number(2),
    )
    assert "15\xa0000" in needs.text and needs.text.endswith(elected)
    line = PracticeLine(1, "Canal <rota>", "water", None, 4)
    practices = practice_screens.digest_section(PracticesDigest((line,) * 5, 7, (line,)), ru)
    text = practices.text
    assert text.count("«Canal &lt;rota&gt;»") == 6
    assert ru.ngettext("…and {n} more.", "…and {n} more.", 2) in text
    assert ru.ngettext("{n} person says it helped", "{n} people say it helped", 4) in text
