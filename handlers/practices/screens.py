"""What people see of practices and the recommendations: lists, a practice, notices, files."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.forms.practice import (
    OTHER_TOPIC,
    PLAN_BUDGET_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
    TOPICS,
)
from bot.forms.view import FormView
from bot.i18n import N_, Safe, Tr, escape
from bot.outputs.recommendations import filename, render
from bot.records.practices import Practice, PracticeLine
from bot.rules.paging import Paging
from bot.rules.practices import (
    AlreadyAnswered,
    AlreadyReviewed,
    AnswerRelayed,
    Approved,
    AwaitsReview,
    Browse,
    Card,
    Contact,
    ContactShared,
    EditsAsked,
    Helpful,
    Line,
    Mine,
    NoWords,
    Order,
    PracticeApproved,
    PracticeDeclined,
    PracticesDigest,
    QuestionRelayed,
    RegionFilter,
    SearchPage,
    TopicFilter,
    Waiting,
    Where,
)
from bot.rules.recommendations import Choices, Compiled
from handlers.plumbing.codec import Press
from handlers.plumbing.screen import Attachment, Button, Screen, rows
from handlers.practices.buttons import (
    CODEC,
    AnswerQuestion,
    Approve,
    AskAuthor,
    AskForEdits,
    ChooseRegion,
    ChooseTopic,
    Decline,
    DocumentFile,
    DocumentPeriod,
    DocumentTopic,
    EditPractice,
    ListPractices,
    MarkHelpful,
    MyPractices,
    OpenPractice,
    Recommendations,
    SearchForm,
    SearchResults,
    Sort,
    WaitingPractices,
)

REGIONS_SHOWN = 30  # buttons of the region question, by name


def _button(text: str, press: Press) -> Button:
    return Button(text, CODEC.encode(press))


def topic_label(tr: Tr, practice: Practice) -> str:
    """The practice's topic in the reader's language (the author's words for "other")."""
    if practice.topic == "other" and practice.content.topic_other:
        return practice.content.topic_other
    return tr.label(TOPIC_LABELS.get(practice.topic, practice.topic))


def _place(tr: Tr, where: Where, *, full: bool = False) -> str:
    named = where.path(tr.locale) if full else where.name(tr.locale)
    return named or tr.label(N_("place not given"))


def _line(tr: Tr, number: int, line: Line) -> str:
    practice = line.practice
    return (
        f"{tr.number(number)}. <b>{escape(practice.title)}</b>\n    "
        f"{escape(topic_label(tr, practice))} · "
        f"{escape(_place(tr, line.where))} · 👍 {tr.number(practice.helpful)}"
    )


def _status_line(tr: Tr, number: int, practice: Practice) -> str:
    status = tr.label(STATUS_LABELS.get(practice.status, practice.status))
    return f"{tr.number(number)}. <b>{escape(practice.title)}</b> — {status}"


def _listed(
    tr: Tr,
    head: Sequence[str],
    shown: Sequence[str],
    ids: Sequence[int],
    paging: Paging,
    page_press: Callable[[int], Press],
) -> tuple[list[str], list[tuple[Button, ...]]]:
    """A numbered page: its lines, a button to open each, and the arrows to other pages."""
    lines = list(head)
    if paging.pages > 1:
        lines.append(
            tr.gettext(
                N_("page {page} of {pages}"),
                page=tr.number(paging.page + 1),
                pages=tr.number(paging.pages),
            )
        )
    lines.append("")
    lines.extend(shown)
    buttons: list[tuple[Button, ...]] = []
    if ids:
        buttons.append(
            tuple(
                _button(tr.number(paging.first + i), OpenPractice(practice_id))
                for i, practice_id in enumerate(ids)
            )
        )
    nav = []
    if paging.has_previous:
        nav.append(_button("◀️", page_press(paging.page - 1)))
    if paging.has_next:
        nav.append(_button("▶️", page_press(paging.page + 1)))
    if nav:
        buttons.append(tuple(nav))
    return lines, buttons


def _numbered(
    tr: Tr,
    head: Sequence[str],
    found: Sequence[Line],
    paging: Paging,
    page: Callable[[int], Press],
) -> tuple[list[str], list[tuple[Button, ...]]]:
    shown = [_line(tr, paging.first + i, line) for i, line in enumerate(found)]
    return _listed(tr, head, shown, [line.practice.id for line in found], paging, page)


def browse(listing: Browse, tr: Tr) -> Screen:
    """/practices: a page of practices with the filters and what the person may do more."""
    topic, region, sort = listing.topic, listing.region, Sort.of(listing.order)
    lines, buttons = _numbered(
        tr,
        _browse_head(listing, tr),
        listing.lines,
        listing.paging,
        lambda n: ListPractices(topic, region, sort, n),
    )
    if not listing.lines:
        lines.append(tr.gettext(N_("No practices here yet. Share yours with /practice.")))
    buttons.extend(_browse_buttons(listing, tr))
    return Screen("\n".join(lines), tuple(buttons))


def _browse_head(listing: Browse, tr: Tr) -> list[str]:
    every = tr.label(N_("all"))
    return [
        "<b>" + tr.gettext(N_("📚 Practices")) + "</b>",
        tr.gettext(
            N_("Topic: {topic} · Region: {region} · {order}"),
            topic=tr.label(TOPIC_LABELS[listing.topic]) if listing.topic else every,
            region=_place(tr, listing.region_where) if listing.region else every,
            order=tr.label(
                N_("most useful first")
                if listing.order is Order.MOST_USEFUL
                else N_("newest first")
            ),
        ),
        tr.ngettext("{n} practice", "{n} practices", listing.paging.total),
    ]


def _browse_buttons(listing: Browse, tr: Tr) -> list[tuple[Button, ...]]:
    """The filters, the other order, search, and what this reader's seat adds."""
    topic, region, sort = listing.topic, listing.region, Sort.of(listing.order)
    other = Sort.NEWEST if sort is Sort.MOST_USEFUL else Sort.MOST_USEFUL
    other_label = (
        tr.pgettext("button", "Most useful first")
        if other is Sort.MOST_USEFUL
        else tr.pgettext("button", "Newest first")
    )
    rows: list[tuple[Button, ...]] = [
        (
            _button("🏷 " + tr.pgettext("button", "Topic"), ChooseTopic(region, sort)),
            _button("📍 " + tr.pgettext("button", "Region"), ChooseRegion(topic, sort)),
        ),
        (
            _button("⇅ " + other_label, ListPractices(topic, region, other, 0)),
            _button("🔍 " + tr.pgettext("button", "Search"), SearchForm()),
        ),
        (_button("📝 " + tr.pgettext("button", "My practices"), MyPractices(0)),),
    ]
    extra = []
    if listing.waiting is not None:
        extra.append(
            _button(
                "⏳ " + tr.pgettext("button", "To approve ({n})", n=tr.number(listing.waiting)),
                WaitingPractices(0),
            )
        )
    if listing.may_export:
        extra.append(_button("📄 " + tr.pgettext("button", "Recommendations"), Recommendations()))
    if extra:
        rows.append(tuple(extra))
    return rows


def topic_question(choice: TopicFilter, tr: Tr) -> Screen:
    """The topic filter's buttons."""
    sort = Sort.of(choice.order)
    options = [
        _button(tr.label(o.label), ListPractices(o.value, choice.region, sort, 0)) for o in TOPICS
    ]
    return Screen(
        tr.gettext(N_("Which topic?")),
        (
            (
                _button(
                    tr.pgettext("button", "All topics"),
                    ListPractices(None, choice.region, sort, 0),
                ),
            ),
            *rows(options, 2),
        ),
    )


def region_question(choice: RegionFilter, tr: Tr) -> Screen:
    """The region filter's buttons: the rayons, by name in the reader's language."""
    sort = Sort.of(choice.order)
    named = sorted(((p.name(tr.locale), p.code) for p in choice.regions), key=lambda p: p[0])
    options = [
        _button(name, ListPractices(choice.topic, code, sort, 0))
        for name, code in named[:REGIONS_SHOWN]
    ]
    return Screen(
        tr.gettext(N_("Which region?")),
        (
            (
                _button(
                    tr.pgettext("button", "All regions"),
                    ListPractices(choice.topic, None, sort, 0),
                ),
            ),
            *rows(options, 2),
        ),
    )


def mine(found: Mine, tr: Tr) -> Screen:
    """My practices with their status."""
    head = [
        "<b>" + tr.gettext(N_("📝 My practices")) + "</b>",
        tr.ngettext("{n} practice", "{n} practices", found.paging.total),
    ]
    shown = [_status_line(tr, found.paging.first + i, p) for i, p in enumerate(found.practices)]
    lines, buttons = _listed(
        tr, head, shown, [p.id for p in found.practices], found.paging, MyPractices
    )
    if not found.practices:
        lines.append(tr.gettext(N_("You have not shared a practice yet: /practice.")))
    return Screen("\n".join(lines), tuple(buttons))


def search_page(found: SearchPage, tr: Tr) -> Screen:
    """A page of matches, best first, and a button to search again."""
    head = [
        f"<b>🔍 «{escape(found.words)}»</b>",
        tr.ngettext("{n} practice found", "{n} practices found", found.paging.total),
    ]
    lines, buttons = _numbered(
        tr, head, found.lines, found.paging, lambda n: SearchResults(found.search_id, n)
    )
    if not found.lines:
        lines.append(tr.gettext(N_("Nothing found. Try a shorter word or another spelling.")))
    buttons.append((_button("🔍 " + tr.pgettext("button", "Search again"), SearchForm()),))
    return Screen("\n".join(lines), tuple(buttons))


def search_result(found: SearchPage | NoWords, tr: Tr) -> Screen:
    """/search word: the matches, or how to search."""
    if isinstance(found, NoWords):
        return Screen(tr.gettext(N_("Please type a word of two letters or more: /search water")))
    return search_page(found, tr)


def waiting(found: Waiting, tr: Tr) -> Screen:
    """Practices waiting for this coordinator's approval."""
    head = [
        "<b>" + tr.gettext(N_("⏳ Waiting for approval")) + "</b>",
        tr.ngettext("{n} practice", "{n} practices", found.paging.total),
    ]
    lines, buttons = _numbered(tr, head, found.lines, found.paging, WaitingPractices)
    if not found.lines:
        lines.append(tr.gettext(N_("Nothing waits for approval.")))
    return Screen("\n".join(lines), tuple(buttons))


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


def full_text(card: Card, tr: Tr) -> str:
    """The practice as HTML: title, topic, place, date, author if shown, and its parts."""
    practice = card.practice
    c = practice.content
    lines = [
        f"<b>{escape(c.title)}</b>",
        f"🏷 {escape(topic_label(tr, practice))} · "
        f"📍 {escape(_place(tr, card.where, full=True))} · "
        f"{tr.date(card.shown_on)}",
    ]
    if card.author_name:
        lines.append("✍️ " + escape(card.author_name))
    for label, text in (
        (N_("Situation"), c.situation),
        (N_("What was done"), c.actions),
        (N_("Result"), c.result),
    ):
        lines.extend(("", f"<b>{tr.gettext(label)}</b>", escape(text)))
    plan = plan_line(tr, practice)
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


def card(opened: Card, tr: Tr) -> Screen:
    """A practice in full, its files, and the buttons its reader's seat allows."""
    lines = [full_text(opened, tr)]
    if opened.status_shown:
        lines.append("")
        lines.extend(_review_status(opened, tr))
    attachments = tuple(
        Attachment(filename=f.name or f.kind, data=b"", kind=f.kind, file_id=f.file_id)
        for f in opened.files
    )
    return Screen("\n".join(lines), _card_buttons(opened, tr), attachments=attachments)


def _review_status(opened: Card, tr: Tr) -> list[str]:
    """Where the practice stands and who sees it, for its author and its reviewers."""
    audience = (
        tr.label(N_("everyone registered"))
        if opened.for_everyone
        else ", ".join(f"«{name}»" for name in opened.group_names)
    )
    lines: list[str] = [
        tr.gettext(
            N_("Status: {status}. Visible to: {audience}."),
            status=tr.label(STATUS_LABELS[opened.practice.status]),
            audience=audience,
        )
    ]
    if opened.note:
        lines.append(tr.gettext(N_("Coordinator's comment: {note}"), note=opened.note))
    return lines


def _card_buttons(opened: Card, tr: Tr) -> tuple[tuple[Button, ...], ...]:
    practice_id = opened.practice.id
    buttons: list[tuple[Button, ...]] = []
    if opened.may_mark_helpful:
        marked = "✅ " if opened.helped else "👍 "
        buttons.append(
            (_button(marked + tr.pgettext("button", "This helped me"), MarkHelpful(practice_id)),)
        )
    if opened.may_ask:
        buttons.append(
            (_button("❓ " + tr.pgettext("button", "Ask the author"), AskAuthor(practice_id)),)
        )
    if opened.may_edit:
        buttons.append((_button("✏️ " + tr.pgettext("button", "Edit"), EditPractice(practice_id)),))
    if opened.may_review:
        buttons.append(
            (
                _button("✅ " + tr.pgettext("button", "Approve"), Approve(practice_id)),
                _button("✏️ " + tr.pgettext("button", "Ask for edits"), AskForEdits(practice_id)),
            )
        )
        buttons.append((_button("⛔ " + tr.pgettext("button", "Decline"), Decline(practice_id)),))
    return tuple(buttons)


def helpful_toast(outcome: Helpful, tr: Tr) -> str:
    """The short notice "this helped me" answers with."""
    return tr.label(
        {
            Helpful.OWN: N_("This is your own practice."),
            Helpful.ALREADY: N_("You have already marked this practice."),
            Helpful.NOTED: N_("Thank you! Noted that it helped you."),
        }[outcome]
    )


def answer_opened(opened: FormView | AlreadyAnswered, tr: Tr) -> Screen | FormView:
    """The author's Answer button: the answer form, or a note that it is answered."""
    if isinstance(opened, AlreadyAnswered):
        return Screen(tr.gettext(N_("You have already answered this question.")))
    return opened


def already_reviewed(done: AlreadyReviewed, tr: Tr) -> Screen:
    """Another coordinator, or an earlier press, reviewed it first."""
    return Screen(
        tr.gettext(
            N_("This practice was already reviewed: {status}."),
            status=tr.label(STATUS_LABELS[done.status]),
        )
    )


def approved(done: Approved | AlreadyReviewed, tr: Tr) -> Screen:
    """After Approve."""
    if isinstance(done, AlreadyReviewed):
        return already_reviewed(done, tr)
    return Screen(tr.gettext(N_("Approved. The author is told.")))


def review_comment(opened: FormView | AlreadyReviewed, tr: Tr) -> Screen | FormView:
    """Ask for edits or Decline: the comment's form, or a note that it is reviewed."""
    if isinstance(opened, AlreadyReviewed):
        return already_reviewed(opened, tr)
    return opened


# Notices ------------------------------------------------------------------------------------


def awaits_review(notice: AwaitsReview, tr: Tr) -> Screen:
    """To a coordinator: a practice waits for approval."""
    practice = notice.practice
    return Screen(
        tr.gettext(
            N_("📥 A practice waits for approval: «{title}» ({topic}, {place})."),
            title=practice.title,
            topic=topic_label(tr, practice),
            place=_place(tr, notice.where),
        ),
        ((_button(tr.pgettext("button", "Open"), OpenPractice(practice.id)),),),
    )


def practice_approved(notice: PracticeApproved, tr: Tr) -> Screen:
    """To the author: published."""
    return Screen(
        tr.gettext(
            N_("✅ Your practice «{title}» is approved; peers can now read it."),
            title=notice.title,
        ),
        ((_button(tr.pgettext("button", "Open"), OpenPractice(notice.practice_id)),),),
    )


def edits_asked(notice: EditsAsked, tr: Tr) -> Screen:
    """To the author: a coordinator asks for edits."""
    return Screen(
        tr.gettext(
            N_("✏️ A coordinator asks you to edit your practice «{title}»:\n\n{comment}"),
            title=notice.title,
            comment=notice.comment,
        ),
        ((_button("✏️ " + tr.pgettext("button", "Edit"), EditPractice(notice.practice_id)),),),
    )


def practice_declined(notice: PracticeDeclined, tr: Tr) -> Screen:
    """To the author: not published, and the reason."""
    return Screen(
        tr.gettext(
            N_("Your practice «{title}» was not published. The coordinator's reason:\n\n{reason}"),
            title=notice.title,
            reason=notice.reason,
        )
    )


def question_relayed(notice: QuestionRelayed, tr: Tr) -> Screen:
    """To the author: a peer's question, naming nobody."""
    return Screen(
        tr.gettext(
            N_(
                "❓ A peer asks about your practice «{title}»:\n\n{question}\n\n"
                "Your answer goes back through the bot. Neither of you sees the other's "
                "name or Telegram account unless you both agree to share them."
            ),
            title=notice.title,
            question=notice.question,
        ),
        ((_button("✍️ " + tr.pgettext("button", "Answer"), AnswerQuestion(notice.question_id)),),),
    )


def contact_html(contact: Contact) -> Safe:
    """How to reach a person, shown only when both sides agreed."""
    name = escape(contact.name)
    if contact.username:
        return Safe(f"{name} (@{escape(contact.username)})")
    return Safe(f'<a href="tg://user?id={contact.user_id}">{name}</a>')


def answer_relayed(notice: AnswerRelayed, tr: Tr) -> Screen:
    """To the peer who asked: the author's answer, and her contact if both agreed."""
    text: str = tr.gettext(
        N_("💬 The author of «{title}» answered your question:\n\n{answer}"),
        title=notice.title,
        answer=notice.answer,
    )
    if notice.author is not None:
        text += "\n\n" + tr.gettext(
            N_("You both agreed to share contacts. The author: {contact}"),
            contact=contact_html(notice.author),
        )
    return Screen(text)


def contact_shared(notice: ContactShared, tr: Tr) -> Screen:
    """To the author, when both agreed: the contact of the person who asked."""
    return Screen(
        tr.gettext(
            N_("You both agreed to share contacts. The person who asked: {contact}"),
            contact=contact_html(notice.asker),
        )
    )


# The recommendations document ----------------------------------------------------------------


def document_topics(choices: Choices, tr: Tr) -> Screen:
    """First question: which topic."""
    topics = [
        _button(tr.label(TOPIC_LABELS[code]), DocumentTopic(code)) for code in choices.topics
    ]
    return Screen(
        tr.gettext(
            N_(
                "<b>📄 Recommendations</b>\nA document of the approved practices you can "
                "see, grouped by topic, for a workshop. Which topic?"
            )
        ),
        ((_button(tr.pgettext("button", "All topics"), DocumentTopic(None)),), *rows(topics, 2)),
    )


def document_periods(choices: Choices, topic: str | None, tr: Tr) -> Screen:
    """Second question: which period."""
    labels = {
        0: tr.pgettext("button", "All time"),
        365: tr.pgettext("button", "Last 12 months"),
        90: tr.pgettext("button", "Last 3 months"),
    }
    return Screen(
        tr.gettext(N_("Which period?")),
        tuple((_button(labels[d], DocumentPeriod(topic, d)),) for d in choices.periods),
    )


def document_formats(choices: Choices, topic: str | None, days: int, tr: Tr) -> Screen:
    """Third question: which file format (Word first: what officials open)."""
    labels = {
        "docx": tr.pgettext("button", "Word (docx)"),
        "html": tr.pgettext("button", "Web page (html)"),
        "md": tr.pgettext("button", "Markdown (md)"),
    }
    return Screen(
        tr.gettext(N_("Which file format?")),
        tuple(
            (_button(label, DocumentFile(topic, days, fmt)),)
            for fmt, label in labels.items()
            if fmt in choices.formats
        ),
    )


def document(compiled: Compiled, fmt: str, tr: Tr) -> Screen:
    """The document as a file in the chat, or why there is none."""
    if not compiled.count:
        return Screen(tr.gettext(N_("No approved practices match; there is nothing to compile.")))
    return Screen(
        tr.ngettext(
            "The document with {n} approved practice is below.",
            "The document with {n} approved practices is below.",
            compiled.count,
        ),
        attachments=(Attachment(filename(compiled, fmt), render(compiled, fmt, tr)),),
    )


# ------------------------------------------------------------------------------- the digest


def practice_line(tr: Tr, practice: PracticeLine, *, marks: bool) -> str:
    """`• «Title» — topic · 👍 n`, or with `marks` how many it helped; the title escaped."""
    if practice.topic == OTHER_TOPIC.value and practice.topic_other:
        topic = practice.topic_other
    else:
        topic = tr.label(TOPIC_LABELS.get(practice.topic, practice.topic))
    tail: str
    if marks:
        tail = tr.ngettext(
            "{n} person says it helped", "{n} people say it helped", practice.helpful
        )
    else:
        tail = f"{escape(topic)} · 👍 {practice.helpful}"
    return f"• «{escape(practice.title)}» — {tail}"


def digest_section(section: PracticesDigest, tr: Tr) -> Screen:
    """The coordinator digest's practices: approved this week, and the most helpful."""
    lines = ["<b>" + tr.gettext(N_("🤝 Practices")) + "</b>"]
    if section.approved_total:
        lines.append(
            tr.ngettext(
                "{n} practice approved this week:",
                "{n} practices approved this week:",
                section.approved_total,
            )
        )
        lines.extend(practice_line(tr, p, marks=False) for p in section.approved)
        rest = section.approved_total - len(section.approved)
        if rest > 0:
            lines.append(tr.ngettext("…and {n} more.", "…and {n} more.", rest))
    if section.most_helpful:
        lines.append("<i>" + tr.gettext(N_("Most helpful this week")) + "</i>")
        lines.extend(practice_line(tr, p, marks=True) for p in section.most_helpful)
    return Screen(Safe("\n".join(lines)))
