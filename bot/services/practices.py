"""Practices: sharing, approval, browsing, search, "this helped me" and asking the author."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.core.access import Access, Actor, Permission
from bot.core.errors import StaleButton
from bot.forms.engine import FormEngine, FormSpec, Submitted
from bot.forms.kinds import Env, Invalid
from bot.forms.practice import (
    ANSWER_QUESTION,
    ASK_AUTHOR,
    ASK_FOR_EDITS,
    DECLINE,
    EVERYONE,
    OTHER_TOPIC,
    PLAN_BUDGET_LABELS,
    PRACTICE,
    PRACTICE_EDIT,
    SEARCH,
    TOPIC_LABELS,
    TOPICS,
)
from bot.forms.view import FormView
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Safe, Tr, escape, translator
from bot.records.core import Draft, User
from bot.screen import Attachment, Button, Notifier, Screen, rows
from bot.services.users import UserService
from bot.typed_text import clean_text
from storage.audit import AuditRepository
from storage.connection import Connection
from storage.db import Database
from storage.groups import GroupRepository
from storage.practices import (
    Filter,
    Practice,
    PracticeContent,
    PracticeFile,
    PracticeRepository,
    Viewer,
    match_expression,
)
from storage.users import RoleRepository, UserRepository

PER_PAGE = 5  # one screen on a small phone
SEARCHES_KEPT = timedelta(days=2)
SORTS = {"n": "new", "u": "useful"}
NONE = "-"  # "no filter" in callback data
STATUS_LABELS = {
    "pending": N_("waiting for approval"),
    "changes": N_("edits requested"),
    "approved": N_("published"),
    "declined": N_("declined"),
}


def viewer_of(actor: Actor, gazetteer: Gazetteer) -> Viewer:
    """Whose eyes: memberships are read in SQL; a coordinator's scope adds places and groups."""
    scopes = actor.coordinator_scopes
    if actor.is_admin or any(s.kind == "all" for s in scopes):
        return Viewer(actor.user_id, sees_all=True)
    places: set[str] = set()
    for scope in scopes:
        if scope.kind == "place" and gazetteer.get(scope.value) is not None:
            places.add(scope.value)
            places.update(p.code for p in gazetteer.descendants(scope.value))
    groups = tuple(int(s.value) for s in scopes if s.kind == "group" and s.value.isdigit())
    return Viewer(actor.user_id, places=tuple(sorted(places)), groups=groups)


def topic_label(tr: Tr, practice: Practice) -> str:
    """The practice's topic in the reader's language (the author's words for "other")."""
    if practice.topic == OTHER_TOPIC.value and practice.content.topic_other:
        return practice.content.topic_other
    return tr.label(TOPIC_LABELS.get(practice.topic, practice.topic))


def display_name(user: User) -> str:
    """First and last name, never the username or id."""
    return " ".join(p for p in (user.first_name, user.last_name) if p)


def contact_html(user: User) -> str:
    """How to reach a person, shown only when both sides agreed."""
    name = escape(display_name(user))
    if user.username:
        return f"{name} (@{escape(user.username)})"
    return f'<a href="tg://user?id={user.id}">{name}</a>'


def _files(value: Any) -> list[PracticeFile]:
    return [
        PracticeFile(
            kind=str(f["type"]),
            file_id=str(f["file_id"]),
            unique_id=f.get("unique_id"),
            mime=f.get("mime"),
            name=f.get("name"),
            duration=f.get("duration"),
        )
        for f in value or ()
    ]


def _file_answers(files: Sequence[PracticeFile]) -> list[dict[str, Any]]:
    found = []
    for f in files:
        data: dict[str, Any] = {"type": f.kind, "file_id": f.file_id, "unique_id": f.unique_id}
        data.update(
            {
                k: v
                for k, v in (("mime", f.mime), ("name", f.name), ("duration", f.duration))
                if v is not None
            }
        )
        found.append(data)
    return found


class PracticeService:
    """Every rule about practices; screens are rendered in the reader's language."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        access: Access,
        gazetteer: Gazetteer,
        notifier: Notifier,
        forms: FormEngine,
        users: UserService,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.access = access
        self.gazetteer = gazetteer
        self.notifier = notifier
        self.forms = forms
        self.users = users

    # rules ---------------------------------------------------------------------------------

    def viewer(self, actor: Actor) -> Viewer:
        """The visibility rule's input for this actor; the person must be registered."""
        self.access.require(actor, Permission.USE_FORMS)
        return viewer_of(actor, self.gazetteer)

    async def may_review(self, conn: Connection, actor: Actor, practice: Practice) -> bool:
        """Coordinators covering the author's place or managing a chosen group; not authors."""
        if not self.access.allows(actor, Permission.REVIEW_PRACTICES):
            return False
        if actor.is_admin:
            return True
        if practice.author_id == actor.user_id:
            return False
        if self.access.covers(actor, place=practice.place_code):
            return True
        groups = GroupRepository(conn)
        for group_id in await PracticeRepository(conn).group_ids(practice.id):
            group = await groups.get(group_id)
            if self.access.covers(actor, group=group_id) or (
                group is not None and group.created_by == actor.user_id
            ):
                return True
        return False

    async def _reviewers(self, practice: Practice) -> list[User]:
        """Who is told about a practice to approve: scope over its place or its groups."""
        found = list(await self.users.coordinators_covering(practice.place_code or ""))
        async with self.db.reading() as conn:
            group_ids = await PracticeRepository(conn).group_ids(practice.id)
            groups = await GroupRepository(conn).with_ids(group_ids)
            scoped = await RoleRepository(conn).holders("coordinator")
            # A group's creator reviews it only while still a coordinator.
            holders = {r.user_id for r in scoped}
            found.extend(g.created_by for g in groups if g.created_by in holders)
            found.extend(
                r.user_id
                for r in scoped
                if r.scope_kind == "group"
                and r.scope_value.isdigit()
                and int(r.scope_value) in group_ids
            )
            if not found:
                found.extend(sorted(self.settings.admin_ids))
            users = UserRepository(conn)
            people = []
            for user_id in dict.fromkeys(found):
                user = await users.get(user_id)
                if user is not None and user.active and user_id != practice.author_id:
                    people.append(user)
        return people

    def _region(self, tr: Tr, code: str | None, *, full: bool = False) -> str:
        if code is None or self.gazetteer.get(code) is None:
            return tr.label(N_("place not given"))
        if full:
            return self.gazetteer.path_name(code, tr.locale)
        return self.gazetteer[code].name(tr.locale)

    def _date(self, tr: Tr, practice: Practice) -> str:
        when = practice.approved_at or practice.created_at
        return tr.date(when.astimezone(self.settings.zone).date())

    async def _audit(
        self,
        conn: Connection,
        actor: Actor,
        practice_id: int,
        action: str,
        *,
        from_value: str | None,
        to_value: str | None,
        reason: str | None = None,
    ) -> None:
        await AuditRepository(conn).record(
            actor_id=actor.user_id,
            entity="practice",
            entity_id=str(practice_id),
            action=action,
            from_value=from_value,
            to_value=to_value,
            reason=reason,
            now=self.clock.now(),
        )

    # sharing -------------------------------------------------------------------------------

    async def _group_choices(self, actor: Actor) -> list[list[Any]]:
        async with self.db.reading() as conn:
            groups = await GroupRepository(conn).of_member(actor.user_id)
        return [[g.id, g.name] for g in groups]

    async def start_form(self, actor: Actor, *, chat_id: int) -> Screen | FormView:
        """/practice: open the form; the author's groups become the visibility options."""
        self.access.require(actor, Permission.USE_FORMS)
        groups = await self._group_choices(actor)
        return await self.forms.start(
            actor, chat_id=chat_id, form_id="practice", context={"groups": groups}
        )

    async def _content(
        self, conn: Connection, answers: Mapping[str, Any], actor: Actor
    ) -> tuple[PracticeContent, list[int]]:
        chosen = [str(v) for v in answers.get("groups") or ()]
        everyone = EVERYONE in chosen
        group_ids: list[int] = []
        if not everyone:
            mine = set(await GroupRepository(conn).group_ids_of(actor.user_id))
            group_ids = [int(v) for v in chosen if v.isdigit() and int(v) in mine]
            if not group_ids:
                raise Invalid(
                    N_("You are no longer in the groups you chose. Please choose again.")
                )
        amount = answers.get("amount")
        content = PracticeContent(
            topic=str(answers["topic"]),
            topic_other=answers.get("topic_other"),
            title=str(answers["title"]),
            situation=str(answers["situation"]),
            actions=str(answers["actions"]),
            result=str(answers["result"]),
            plan_budget=answers.get("plan_budget"),
            amount_som=int(amount) if amount is not None else None,
            advice=str(answers["advice"]),
            visible_to_all=everyone,
            allow_contact=answers.get("contact") == "yes",
            show_author=answers.get("show_author") == "yes",
        )
        return content, group_ids

    async def submit(self, conn: Connection, draft: Draft, actor: Actor, env: Env) -> Submitted:
        """Store a new practice, waiting for a coordinator; reviewers are told after commit."""
        self.access.require(actor, Permission.USE_FORMS)
        content, group_ids = await self._content(conn, draft.answers, actor)
        repo = PracticeRepository(conn)
        user = actor.user
        practice_id = await repo.insert(
            draft_id=draft.id,
            form_version=draft.form_version,
            author_id=actor.user_id,
            author_kind=user.kind if user else None,
            place_code=user.place_code if user else None,
            content=content,
            now=self.clock.now(),
        )
        await repo.set_groups(practice_id=practice_id, group_ids=group_ids)
        await repo.set_attachments(
            practice_id=practice_id, files=_files(draft.answers.get("files"))
        )
        await self._audit(
            conn, actor, practice_id, "submitted", from_value=None, to_value="pending"
        )
        practice = await repo.get(practice_id)
        assert practice is not None
        return Submitted(
            N_(
                "Thank you! Your practice «{title}» (No. {number}) is sent to a coordinator. "
                "You will be told when it is approved."
            ),
            {"title": content.title, "number": practice_id},
            after_commit=self._tell_reviewers(practice),
        )

    def _tell_reviewers(self, practice: Practice) -> Callable[[], Awaitable[None]]:
        async def tell() -> None:
            for reviewer in await self._reviewers(practice):
                tr = translator(reviewer.language)
                await self.notifier.send(
                    reviewer.id,
                    Screen(
                        tr.gettext(
                            N_("📥 A practice waits for approval: «{title}» ({topic}, {place})."),
                            title=practice.title,
                            topic=topic_label(tr, practice),
                            place=self._region(tr, practice.place_code),
                        ),
                        ((Button(tr.pgettext("button", "Open"), f"pr:o:{practice.id}"),),),
                    ),
                )

        return tell

    async def start_edit(
        self, actor: Actor, practice_id: int, *, chat_id: int
    ) -> Screen | FormView:
        """The author edits a practice not yet published: the summary, pre-filled."""
        self.access.require(actor, Permission.USE_FORMS)
        async with self.db.reading() as conn:
            repo = PracticeRepository(conn)
            practice = await repo.get(practice_id)
            if (
                practice is None
                or practice.author_id != actor.user_id
                or practice.status not in ("pending", "changes")
            ):
                raise StaleButton
            files = await repo.attachments(practice_id)
            shared = await repo.group_ids(practice_id)
        groups = await self._group_choices(actor)
        c = practice.content
        answers: dict[str, Any] = {
            "topic": c.topic,
            "title": c.title,
            "situation": c.situation,
            "actions": c.actions,
            "result": c.result,
            "advice": c.advice,
            "files": _file_answers(files) or None,
            "show_author": "yes" if c.show_author else "no",
            "contact": "yes" if c.allow_contact else "no",
        }
        if c.topic_other:
            answers["topic_other"] = c.topic_other
        if c.plan_budget is not None:
            answers["plan_budget"] = c.plan_budget
            answers["amount"] = c.amount_som
        # Groups the author has left are dropped; if none is left, the author chooses again.
        mine = {gid for gid, _ in groups}
        chosen = [EVERYONE] if c.visible_to_all else [str(g) for g in shared if g in mine]
        if chosen:
            answers["groups"] = chosen
        return await self.forms.start(
            actor,
            chat_id=chat_id,
            form_id="practice_edit",
            context={"groups": groups, "practice_id": practice_id},
            answers=answers,
            restart=True,
        )

    async def submit_edit(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the author's changes; the practice waits for approval again."""
        repo = PracticeRepository(conn)
        practice = await repo.get(int(draft.context["practice_id"]))
        if (
            practice is None
            or practice.author_id != actor.user_id
            or practice.status not in ("pending", "changes")
        ):
            raise Invalid(N_("This practice can no longer be edited."))
        content, group_ids = await self._content(conn, draft.answers, actor)
        await repo.revise(practice_id=practice.id, content=content, now=self.clock.now())
        await repo.set_groups(practice_id=practice.id, group_ids=group_ids)
        await repo.set_attachments(
            practice_id=practice.id, files=_files(draft.answers.get("files"))
        )
        await self._audit(
            conn, actor, practice.id, "revised", from_value=practice.status, to_value="pending"
        )
        return Submitted(
            N_("Thank you! The changed practice «{title}» is sent for approval again."),
            {"title": content.title},
            after_commit=self._tell_reviewers(replace(practice, content=content)),
        )

    # reading -------------------------------------------------------------------------------

    def _line(self, tr: Tr, number: int, practice: Practice, *, status: bool = False) -> str:
        head = f"{number}. <b>{escape(practice.title)}</b>"
        if status:
            return head + " — " + tr.label(STATUS_LABELS.get(practice.status, practice.status))
        return (
            f"{head}\n    {escape(topic_label(tr, practice))} · "
            f"{escape(self._region(tr, practice.place_code))} · 👍 {practice.helpful}"
        )

    @staticmethod
    def _pages(total: int, page: int) -> tuple[int, int]:
        pages = max(1, math.ceil(total / PER_PAGE))
        return min(max(page, 0), pages - 1), pages

    def _list(
        self,
        tr: Tr,
        head: list[str],
        found: Sequence[Practice],
        *,
        page: int,
        pages: int,
        data: Callable[[int], str],
        status: bool = False,
    ) -> tuple[list[str], list[tuple[Button, ...]]]:
        lines = list(head)
        if pages > 1:
            lines.append(
                tr.gettext(
                    N_("page {page} of {pages}"), page=tr.number(page + 1), pages=tr.number(pages)
                )
            )
        lines.append("")
        first = page * PER_PAGE + 1
        lines.extend(self._line(tr, first + i, p, status=status) for i, p in enumerate(found))
        buttons: list[tuple[Button, ...]] = []
        if found:
            buttons.append(
                tuple(Button(str(first + i), f"pr:o:{p.id}") for i, p in enumerate(found))
            )
        nav = []
        if page > 0:
            nav.append(Button("◀️", data(page - 1)))
        if page < pages - 1:
            nav.append(Button("▶️", data(page + 1)))
        if nav:
            buttons.append(tuple(nav))
        return lines, buttons

    async def browse(
        self,
        actor: Actor,
        *,
        topic: str | None = None,
        region: str | None = None,
        sort: str = "n",
        page: int = 0,
    ) -> Screen:
        """/practices: approved practices I may see, filtered, newest or most useful first."""
        viewer = self.viewer(actor)
        tr = translator(actor.locale)
        if topic is not None and topic not in TOPIC_LABELS:
            raise StaleButton
        if region is not None and self.gazetteer.get(region) is None:
            raise StaleButton
        if sort not in SORTS:
            raise StaleButton
        places = (
            (region, *(p.code for p in self.gazetteer.descendants(region))) if region else None
        )
        where = Filter(topic=topic, places=places)
        async with self.db.reading() as conn:
            repo = PracticeRepository(conn)
            total = await repo.count_visible(viewer, where)
            page, pages = self._pages(total, page)
            found = await repo.visible(
                viewer, where, sort=SORTS[sort], limit=PER_PAGE, offset=page * PER_PAGE
            )
            waiting = await self._waiting_count(conn, actor)
        t, r = topic or NONE, region or NONE
        head = [
            "<b>" + tr.gettext(N_("📚 Practices")) + "</b>",
            tr.gettext(
                N_("Topic: {topic} · Region: {region} · {order}"),
                topic=tr.label(TOPIC_LABELS[topic]) if topic else tr.label(N_("all")),
                region=self._region(tr, region) if region else tr.label(N_("all")),
                order=tr.label(N_("most useful first") if sort == "u" else N_("newest first")),
            ),
            tr.ngettext("{n} practice", "{n} practices", total),
        ]
        lines, buttons = self._list(
            tr, head, found, page=page, pages=pages, data=lambda n: f"pr:l:{t}:{r}:{sort}:{n}"
        )
        if not found:
            lines.append(tr.gettext(N_("No practices here yet. Share yours with /practice.")))
        other_sort = "n" if sort == "u" else "u"
        buttons.append(
            (
                Button("🏷 " + tr.pgettext("button", "Topic"), f"pr:t:{r}:{sort}"),
                Button("📍 " + tr.pgettext("button", "Region"), f"pr:r:{t}:{sort}"),
            )
        )
        buttons.append(
            (
                Button(
                    "⇅ "
                    + (
                        tr.pgettext("button", "Most useful first")
                        if other_sort == "u"
                        else tr.pgettext("button", "Newest first")
                    ),
                    f"pr:l:{t}:{r}:{other_sort}:0",
                ),
                Button("🔍 " + tr.pgettext("button", "Search"), "pr:sf"),
            )
        )
        buttons.append((Button("📝 " + tr.pgettext("button", "My practices"), "pr:my:0"),))
        extra = []
        if self.access.allows(actor, Permission.REVIEW_PRACTICES):
            extra.append(
                Button(
                    "⏳ " + tr.pgettext("button", "To approve ({n})", n=tr.number(waiting)),
                    "pr:w:0",
                )
            )
        if self.access.allows(actor, Permission.EXPORT):
            extra.append(Button("📄 " + tr.pgettext("button", "Recommendations"), "pr:x"))
        if extra:
            buttons.append(tuple(extra))
        return Screen("\n".join(lines), tuple(buttons))

    async def choose_topic(self, actor: Actor, *, region: str | None, sort: str) -> Screen:
        """The topic filter's buttons."""
        self.viewer(actor)
        tr = translator(actor.locale)
        r = region or NONE
        options = [Button(tr.label(o.label), f"pr:l:{o.value}:{r}:{sort}:0") for o in TOPICS]
        return Screen(
            tr.gettext(N_("Which topic?")),
            (
                (Button(tr.pgettext("button", "All topics"), f"pr:l:{NONE}:{r}:{sort}:0"),),
                *rows(options, 2),
            ),
        )

    async def choose_region(self, actor: Actor, *, topic: str | None, sort: str) -> Screen:
        """The region filter's buttons: rayons where practices I may see come from."""
        viewer = self.viewer(actor)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            codes = await PracticeRepository(conn).visible_places(viewer)
        regions: dict[str, str] = {}
        for code in codes:
            if self.gazetteer.get(code) is None:
                continue
            rayon = self.gazetteer.rayon_of(code) or self.gazetteer[code]
            regions[rayon.code] = rayon.name(tr.locale)
        t = topic or NONE
        options = [
            Button(name, f"pr:l:{t}:{code}:{sort}:0")
            for code, name in sorted(regions.items(), key=lambda kv: kv[1])[:30]
        ]
        return Screen(
            tr.gettext(N_("Which region?")),
            (
                (Button(tr.pgettext("button", "All regions"), f"pr:l:{t}:{NONE}:{sort}:0"),),
                *rows(options, 2),
            ),
        )

    async def mine(self, actor: Actor, page: int) -> Screen:
        """My practices with their status."""
        self.viewer(actor)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = PracticeRepository(conn)
            total = await repo.count_by_author(actor.user_id)
            page, pages = self._pages(total, page)
            found = await repo.by_author(actor.user_id, limit=PER_PAGE, offset=page * PER_PAGE)
        head = [
            "<b>" + tr.gettext(N_("📝 My practices")) + "</b>",
            tr.ngettext("{n} practice", "{n} practices", total),
        ]
        lines, buttons = self._list(
            tr, head, found, page=page, pages=pages, data=lambda n: f"pr:my:{n}", status=True
        )
        if not found:
            lines.append(tr.gettext(N_("You have not shared a practice yet: /practice.")))
        return Screen("\n".join(lines), tuple(buttons))

    async def open(self, actor: Actor, practice_id: int) -> Screen:
        """A practice in full with its files: for peers who may see it, its author, a reviewer."""
        viewer = self.viewer(actor)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = PracticeRepository(conn)
            practice = await repo.visible_one(viewer, practice_id)
            mode = "peer"
            if practice is None:
                practice = await repo.get(practice_id)
                if practice is None:
                    raise StaleButton
                if practice.author_id == actor.user_id:
                    mode = "author"
                elif await self.may_review(conn, actor, practice):
                    mode = "review"
                else:
                    raise StaleButton
            elif practice.author_id == actor.user_id:
                mode = "author"
            files = await repo.attachments(practice_id)
            author = (
                await UserRepository(conn).get(practice.author_id)
                if practice.author_id is not None
                else None
            )
            groups = await GroupRepository(conn).with_ids(await repo.group_ids(practice_id))
            helped = await repo.helped(practice_id=practice_id, user_id=actor.user_id)
        shown_author = None
        if author is not None and (practice.content.show_author or mode == "review"):
            shown_author = display_name(author)
        lines = [self.full_text(tr, practice, shown_author)]
        buttons: list[tuple[Button, ...]] = []
        if mode in ("author", "review"):
            audience = (
                tr.label(N_("everyone registered"))
                if practice.content.visible_to_all
                else ", ".join(f"«{g.name}»" for g in groups)
            )
            lines.append("")
            lines.append(
                tr.gettext(
                    N_("Status: {status}. Visible to: {audience}."),
                    status=tr.label(STATUS_LABELS[practice.status]),
                    audience=audience,
                )
            )
            if practice.review_note and practice.status in ("changes", "declined"):
                lines.append(
                    tr.gettext(N_("Coordinator's comment: {note}"), note=practice.review_note)
                )
        if mode == "peer":
            marked = "✅ " if helped else "👍 "
            buttons.append(
                (Button(marked + tr.pgettext("button", "This helped me"), f"pr:h:{practice_id}"),)
            )
            if practice.content.allow_contact and practice.author_id is not None:
                buttons.append(
                    (
                        Button(
                            "❓ " + tr.pgettext("button", "Ask the author"), f"pr:q:{practice_id}"
                        ),
                    )
                )
        elif mode == "author" and practice.status in ("pending", "changes"):
            buttons.append((Button("✏️ " + tr.pgettext("button", "Edit"), f"pr:e:{practice_id}"),))
        elif mode == "review" and practice.status == "pending":
            buttons.append(
                (
                    Button("✅ " + tr.pgettext("button", "Approve"), f"pr:ok:{practice_id}"),
                    Button("✏️ " + tr.pgettext("button", "Ask for edits"), f"pr:ed:{practice_id}"),
                )
            )
            buttons.append(
                (Button("⛔ " + tr.pgettext("button", "Decline"), f"pr:dc:{practice_id}"),)
            )
        attachments = tuple(
            Attachment(filename=f.name or f.kind, data=b"", kind=f.kind, file_id=f.file_id)
            for f in files
        )
        return Screen("\n".join(lines), tuple(buttons), attachments=attachments)

    def full_text(self, tr: Tr, practice: Practice, author: str | None) -> str:
        """The practice as HTML: title, topic, place, date, author if shown, and its parts."""
        c = practice.content
        lines = [
            f"<b>{escape(c.title)}</b>",
            f"🏷 {escape(topic_label(tr, practice))} · "
            f"📍 {escape(self._region(tr, practice.place_code, full=True))} · "
            f"{self._date(tr, practice)}",
        ]
        if author:
            lines.append("✍️ " + escape(author))
        for label, text in (
            (N_("Situation"), c.situation),
            (N_("What was done"), c.actions),
            (N_("Result"), c.result),
        ):
            lines.extend(("", f"<b>{tr.gettext(label)}</b>", escape(text)))
        plan = self.plan_line(tr, practice)
        if plan:
            lines.append(plan)
        lines.extend(("", "<b>" + tr.gettext(N_("Advice")) + "</b>", escape(c.advice)))
        lines.extend(
            (
                "",
                "👍 "
                + tr.ngettext(
                    "{n} person found this helpful",
                    "{n} people found this helpful",
                    practice.helpful,
                ),
            )
        )
        return "\n".join(lines)

    @staticmethod
    def plan_line(tr: Tr, practice: Practice) -> str | None:
        """Candidates' result: whether it reached the local plan or budget, and the amount."""
        c = practice.content
        if c.plan_budget is None:
            return None
        line: str = tr.gettext(
            N_("Local plan or budget: {answer}"),
            answer=tr.label(PLAN_BUDGET_LABELS.get(c.plan_budget, c.plan_budget)),
        )
        if c.amount_som:
            line += " — " + tr.gettext(N_("{amount} som"), amount=tr.number(c.amount_som))
        return line

    # "This helped me" and asking the author -----------------------------------------------

    async def mark_helpful(self, actor: Actor, practice_id: int) -> str:
        """Count the person once; the answer is a short notice."""
        viewer = self.viewer(actor)
        tr = translator(actor.locale)
        async with self.db.transaction() as conn:
            repo = PracticeRepository(conn)
            practice = await repo.visible_one(viewer, practice_id)
            if practice is None:
                raise StaleButton
            if practice.author_id == actor.user_id:
                return tr.label(N_("This is your own practice."))
            added = await repo.mark_helpful(
                practice_id=practice_id, user_id=actor.user_id, now=self.clock.now()
            )
        if not added:
            return tr.label(N_("You have already marked this practice."))
        return tr.label(N_("Thank you! Noted that it helped you."))

    async def start_question(
        self, actor: Actor, practice_id: int, *, chat_id: int
    ) -> Screen | FormView:
        """The "Ask the author" button: a short form whose answer the bot relays."""
        viewer = self.viewer(actor)
        async with self.db.reading() as conn:
            practice = await PracticeRepository(conn).visible_one(viewer, practice_id)
        if (
            practice is None
            or not practice.content.allow_contact
            or practice.author_id in (None, actor.user_id)
        ):
            raise StaleButton
        return await self.forms.start(
            actor,
            chat_id=chat_id,
            form_id="practice_ask",
            context={"practice_id": practice_id},
            restart=True,
        )

    async def submit_question(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the question and relay it to the author, naming no one."""
        repo = PracticeRepository(conn)
        practice = await repo.visible_one(self.viewer(actor), int(draft.context["practice_id"]))
        if practice is None or not practice.content.allow_contact or practice.author_id is None:
            raise Invalid(N_("This practice no longer takes questions. Press Cancel."))
        text = str(draft.answers["question"])
        question_id = await repo.add_question(
            draft_id=draft.id,
            practice_id=practice.id,
            asker_id=actor.user_id,
            question=text,
            asker_shares=draft.answers.get("share") == "yes",
            now=self.clock.now(),
        )
        await self._audit(
            conn, actor, practice.id, "question", from_value=None, to_value=str(question_id)
        )
        author = await UserRepository(conn).get(practice.author_id)
        if author is None:
            raise Invalid(N_("This practice no longer takes questions. Press Cancel."))
        tr = translator(author.language)
        relay = Screen(
            tr.gettext(
                N_(
                    "❓ A peer asks about your practice «{title}»:\n\n{question}\n\n"
                    "Your answer goes back through the bot. Neither of you sees the other's "
                    "name or Telegram account unless you both agree to share them."
                ),
                title=practice.title,
                question=text,
            ),
            ((Button("✍️ " + tr.pgettext("button", "Answer"), f"pr:an:{question_id}"),),),
        )

        async def send() -> None:
            await self.notifier.send(author.id, relay)

        return Submitted(
            N_("Your question is sent to the author. Their answer will come here."),
            after_commit=send,
        )

    async def start_answer(
        self, actor: Actor, question_id: int, *, chat_id: int
    ) -> Screen | FormView:
        """The author's Answer button."""
        self.access.require(actor, Permission.USE_FORMS)
        async with self.db.reading() as conn:
            repo = PracticeRepository(conn)
            question = await repo.question(question_id)
            practice = await repo.get(question.practice_id) if question else None
        if question is None or practice is None or practice.author_id != actor.user_id:
            raise StaleButton
        if question.answer is not None:
            tr = translator(actor.locale)
            return Screen(tr.gettext(N_("You have already answered this question.")))
        return await self.forms.start(
            actor,
            chat_id=chat_id,
            form_id="practice_answer",
            context={"question_id": question_id},
            restart=True,
        )

    async def submit_answer(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Store the answer and relay it; contacts are exchanged only if both agreed."""
        repo = PracticeRepository(conn)
        question = await repo.question(int(draft.context["question_id"]))
        practice = await repo.get(question.practice_id) if question else None
        if question is None or practice is None or practice.author_id != actor.user_id:
            raise Invalid(N_("This question is no longer open. Press Cancel."))
        answer = str(draft.answers["answer"])
        shares = draft.answers.get("share") == "yes"
        if not await repo.answer(
            question_id=question.id,
            draft_id=draft.id,
            answer=answer,
            author_shares=shares,
            now=self.clock.now(),
        ):
            raise Invalid(N_("You have already answered this question. Press Cancel."))
        users = UserRepository(conn)
        asker = await users.get(question.asker_id)
        author = await users.get(actor.user_id)
        if asker is None or author is None:
            return Submitted(N_("Your answer is saved, but the person who asked has left."))
        both = question.asker_shares and shares
        tr = translator(asker.language)
        text: str = tr.gettext(
            N_("💬 The author of «{title}» answered your question:\n\n{answer}"),
            title=practice.title,
            answer=answer,
        )
        if both:
            text += "\n\n" + tr.gettext(
                N_("You both agreed to share contacts. The author: {contact}"),
                contact=Safe(contact_html(author)),
            )
        to_asker = Screen(text)
        to_author = (
            Screen(
                translator(author.language).gettext(
                    N_("You both agreed to share contacts. The person who asked: {contact}"),
                    contact=Safe(contact_html(asker)),
                )
            )
            if both
            else None
        )

        async def send() -> None:
            await self.notifier.send(asker.id, to_asker)
            if to_author is not None:
                await self.notifier.send(author.id, to_author)

        return Submitted(N_("Your answer is sent."), after_commit=send)

    # search --------------------------------------------------------------------------------

    async def start_search(self, actor: Actor, *, chat_id: int) -> Screen | FormView:
        """The Search button: ask for a word."""
        self.viewer(actor)
        return await self.forms.start(
            actor, chat_id=chat_id, form_id="practice_search", restart=True
        )

    async def _save_search(self, conn: Connection, actor: Actor, words: str) -> int:
        repo = PracticeRepository(conn)
        now = self.clock.now()
        await repo.forget_searches_before(before=now - SEARCHES_KEPT)
        return await repo.save_search(user_id=actor.user_id, query=words, now=now)

    async def search(self, actor: Actor, words: str) -> Screen:
        """/search word: the first page of matches."""
        self.viewer(actor)
        if match_expression(words) is None:
            tr = translator(actor.locale)
            return Screen(
                tr.gettext(N_("Please type a word of two letters or more: /search water"))
            )
        async with self.db.transaction() as conn:
            # /search words arrive as command arguments, not through a form's Input.
            search_id = await self._save_search(conn, actor, clean_text(words).strip()[:100])
        return await self.search_page(actor, search_id, 0)

    async def submit_search(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """The search form: keep the words, then send the first page of matches."""
        words = str(draft.answers["words"])
        if match_expression(words) is None:
            raise Invalid(N_("Please type a word of two letters or more."))
        search_id = await self._save_search(conn, actor, words)

        async def results() -> None:
            await self.notifier.send(actor.user_id, await self.search_page(actor, search_id, 0))

        return Submitted(N_("Searching for «{words}»…"), {"words": words}, after_commit=results)

    async def search_page(self, actor: Actor, search_id: int, page: int) -> Screen:
        """A page of matches among the practices I may see, best match first."""
        viewer = self.viewer(actor)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            repo = PracticeRepository(conn)
            words = await repo.search_query(search_id=search_id, user_id=actor.user_id)
            if words is None:
                raise StaleButton
            where = Filter(match=match_expression(words))
            total = await repo.count_visible(viewer, where)
            page, pages = self._pages(total, page)
            found = await repo.visible(viewer, where, limit=PER_PAGE, offset=page * PER_PAGE)
        head = [
            f"<b>🔍 «{escape(words)}»</b>",
            tr.ngettext("{n} practice found", "{n} practices found", total),
        ]
        lines, buttons = self._list(
            tr, head, found, page=page, pages=pages, data=lambda n: f"pr:s:{search_id}:{n}"
        )
        if not found:
            lines.append(tr.gettext(N_("Nothing found. Try a shorter word or another spelling.")))
        buttons.append((Button("🔍 " + tr.pgettext("button", "Search again"), "pr:sf"),))
        return Screen("\n".join(lines), tuple(buttons))

    # review --------------------------------------------------------------------------------

    async def _waiting_count(self, conn: Connection, actor: Actor) -> int:
        if not self.access.allows(actor, Permission.REVIEW_PRACTICES):
            return 0
        waiting = await PracticeRepository(conn).waiting()
        return sum([await self.may_review(conn, actor, p) for p in waiting])

    async def waiting(self, actor: Actor, page: int) -> Screen:
        """Practices waiting for this coordinator's approval, oldest first."""
        self.access.require(actor, Permission.REVIEW_PRACTICES)
        tr = translator(actor.locale)
        async with self.db.reading() as conn:
            found = [
                p
                for p in await PracticeRepository(conn).waiting()
                if await self.may_review(conn, actor, p)
            ]
        page, pages = self._pages(len(found), page)
        head = [
            "<b>" + tr.gettext(N_("⏳ Waiting for approval")) + "</b>",
            tr.ngettext("{n} practice", "{n} practices", len(found)),
        ]
        lines, buttons = self._list(
            tr,
            head,
            found[page * PER_PAGE : (page + 1) * PER_PAGE],
            page=page,
            pages=pages,
            data=lambda n: f"pr:w:{n}",
        )
        if not found:
            lines.append(tr.gettext(N_("Nothing waits for approval.")))
        return Screen("\n".join(lines), tuple(buttons))

    async def _reviewable(self, conn: Connection, actor: Actor, practice_id: int) -> Practice:
        self.access.require(actor, Permission.REVIEW_PRACTICES)
        practice = await PracticeRepository(conn).get(practice_id)
        # Out of scope is answered as missing: practice numbers cannot be probed from here.
        if practice is None or not await self.may_review(conn, actor, practice):
            raise StaleButton
        return practice

    def _already(self, actor: Actor, practice: Practice) -> Screen:
        tr = translator(actor.locale)
        return Screen(
            tr.gettext(
                N_("This practice was already reviewed: {status}."),
                status=tr.label(STATUS_LABELS[practice.status]),
            )
        )

    async def _author_notice(
        self, conn: Connection, practice: Practice, build: Callable[[Tr], Screen]
    ) -> Callable[[], Awaitable[None]] | None:
        if practice.author_id is None:
            return None
        author = await UserRepository(conn).get(practice.author_id)
        if author is None:
            return None
        screen = build(translator(author.language))

        async def tell() -> None:
            await self.notifier.send(author.id, screen)

        return tell

    async def approve(self, actor: Actor, practice_id: int) -> Screen:
        """Publish the practice to the audience its author chose; the author is told."""
        async with self.db.transaction() as conn:
            practice = await self._reviewable(conn, actor, practice_id)
            if not await PracticeRepository(conn).set_status(
                practice_id=practice_id,
                from_status="pending",
                to_status="approved",
                note=None,
                reviewed_by=actor.user_id,
                now=self.clock.now(),
            ):
                return self._already(actor, practice)
            await self._audit(
                conn, actor, practice_id, "approved", from_value="pending", to_value="approved"
            )
            tell = await self._author_notice(
                conn,
                practice,
                lambda tr: Screen(
                    tr.gettext(
                        N_("✅ Your practice «{title}» is approved; peers can now read it."),
                        title=practice.title,
                    ),
                    ((Button(tr.pgettext("button", "Open"), f"pr:o:{practice_id}"),),),
                ),
            )
        tr = translator(actor.locale)
        return Screen(tr.gettext(N_("Approved. The author is told.")), after_commit=tell)

    async def start_review_comment(
        self, actor: Actor, practice_id: int, *, form_id: str, chat_id: int
    ) -> Screen | FormView:
        """Ask for edits or decline: a one-question form for the comment or reason."""
        async with self.db.reading() as conn:
            practice = await self._reviewable(conn, actor, practice_id)
        if practice.status != "pending":
            return self._already(actor, practice)
        return await self.forms.start(
            actor,
            chat_id=chat_id,
            form_id=form_id,
            context={"practice_id": practice_id},
            restart=True,
        )

    async def _review_with_note(
        self,
        conn: Connection,
        draft: Draft,
        actor: Actor,
        *,
        to_status: str,
        note: str,
        notice: Callable[[Tr, Practice], Screen],
        done: str,
    ) -> Submitted:
        practice = await self._reviewable(conn, actor, int(draft.context["practice_id"]))
        if not await PracticeRepository(conn).set_status(
            practice_id=practice.id,
            from_status="pending",
            to_status=to_status,
            note=note,
            reviewed_by=actor.user_id,
            now=self.clock.now(),
        ):
            return Submitted(N_("This practice was already reviewed; nothing was changed."))
        await self._audit(
            conn,
            actor,
            practice.id,
            "edits_requested" if to_status == "changes" else "declined",
            from_value="pending",
            to_value=to_status,
            reason=note,
        )
        tell = await self._author_notice(conn, practice, lambda tr: notice(tr, practice))
        return Submitted(done, after_commit=tell)

    async def submit_edits(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Send the practice back to its author with the coordinator's comment."""
        comment = str(draft.answers["comment"])
        return await self._review_with_note(
            conn,
            draft,
            actor,
            to_status="changes",
            note=comment,
            notice=lambda tr, p: Screen(
                tr.gettext(
                    N_("✏️ A coordinator asks you to edit your practice «{title}»:\n\n{comment}"),
                    title=p.title,
                    comment=comment,
                ),
                ((Button("✏️ " + tr.pgettext("button", "Edit"), f"pr:e:{p.id}"),),),
            ),
            done=N_("Sent back to the author with your comment."),
        )

    async def submit_decline(
        self, conn: Connection, draft: Draft, actor: Actor, env: Env
    ) -> Submitted:
        """Decline the practice with a reason the author is told."""
        reason = str(draft.answers["reason"])
        return await self._review_with_note(
            conn,
            draft,
            actor,
            to_status="declined",
            note=reason,
            notice=lambda tr, p: Screen(
                tr.gettext(
                    N_(
                        "Your practice «{title}» was not published. The coordinator's reason:\n\n"
                        "{reason}"
                    ),
                    title=p.title,
                    reason=reason,
                )
            ),
            done=N_("Declined. The author is told."),
        )

    # wiring --------------------------------------------------------------------------------

    def specs(self) -> dict[str, FormSpec]:
        """This feature's forms with their submit functions, for the engine."""
        return {
            "practice": FormSpec(PRACTICE, self.submit),
            "practice_edit": FormSpec(PRACTICE_EDIT, self.submit_edit),
            "practice_ask": FormSpec(ASK_AUTHOR, self.submit_question),
            "practice_answer": FormSpec(ANSWER_QUESTION, self.submit_answer),
            "practice_edits": FormSpec(ASK_FOR_EDITS, self.submit_edits),
            "practice_decline": FormSpec(DECLINE, self.submit_decline),
            "practice_search": FormSpec(SEARCH, self.submit_search),
        }

    # privacy -------------------------------------------------------------------------------

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """Everything of the person's in the practice tables, for /mydata."""
        return await PracticeRepository(conn).export_of(user_id)

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """/deleteme: unpublished practices go; published ones stay without the author."""
        await PracticeRepository(conn).erase_user(user_id)
