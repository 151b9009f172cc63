"""What a reviewer sees, and the notices review sends: the card with its buttons, decisions.

The card itself is the incidents feature's (`report_text`); the buttons are `inc:` data
written with its codec, as shipped.
"""

from __future__ import annotations

from bot.forms.incident import OTHER, REJECT_REASONS
from bot.forms.incident_labels import label, report_number
from bot.i18n import N_, Safe, Tr
from bot.rules.review import (
    AnswerToCoordinator,
    Decision,
    QuestionToReporter,
    ReviewCard,
    ReviewOutcome,
    ReviewQueue,
)
from handlers.dossier.screens import report_button
from handlers.incidents.buttons import (
    CODEC,
    AskReporter,
    JoinDuplicate,
    NextReport,
    Reject,
    ReplyToQuestion,
    ShowMedia,
    TypeDuplicate,
    Verify,
)
from handlers.incidents.screens import open_report_button, report_text, review_status_text
from handlers.plumbing.screen import Button, Screen


def review_card(card: ReviewCard, tr: Tr) -> Screen:
    """A report for a reviewer, with the buttons its review state allows."""
    return Screen(report_text(card.report, tr), _buttons(card, tr))


def _buttons(card: ReviewCard, tr: Tr) -> tuple[tuple[Button, ...], ...]:
    n = card.report.incident.id
    ask = Button("❓ " + tr.pgettext("button", "Ask the reporter"), CODEC.encode(AskReporter(n)))
    rows: list[tuple[Button, ...]] = []
    if card.may_decide:
        rows.append(
            (Button("✅ " + tr.pgettext("button", "Verify"), CODEC.encode(Verify(n))), ask)
        )
        original = card.report.flagged_duplicate
        if original:
            other = report_number(original)
            text = "🔁 " + tr.pgettext("button", "Duplicate of {other}", other=other)
            rows.append((Button(text, CODEC.encode(JoinDuplicate(n, original))),))
        rows.append(
            (
                Button(
                    "🔁 " + tr.pgettext("button", "Duplicate of…"),
                    CODEC.encode(TypeDuplicate(n)),
                ),
                Button("✖️ " + tr.pgettext("button", "Reject"), CODEC.encode(Reject(n))),
            )
        )
    else:
        rows.append((ask,))
    if card.report.attachments:
        media = "📎 " + tr.pgettext("button", "Photos and voice")
        rows.append((Button(media, CODEC.encode(ShowMedia(n))),))
    if card.may_export:
        rows.append((report_button(n, tr),))
    rows.append((next_button(n, tr),))
    return tuple(rows)


def next_button(after: int, tr: Tr) -> Button:
    """The next report waiting after this one."""
    return Button("⏭ " + tr.pgettext("button", "Next report"), CODEC.encode(NextReport(after)))


def review_queue(queue: ReviewQueue, tr: Tr) -> Screen:
    """/review and Next: how many wait, and the next one; or that nothing waits."""
    if queue.card is None:
        return Screen(tr.gettext(N_("No reports in your area wait for review. Thank you!")))
    head = tr.ngettext(
        "{n} report waits for review.", "{n} reports wait for review.", queue.waiting
    )
    card = review_card(queue.card, tr)
    return Screen(Safe(f"{head}\n\n{card.text}"), card.buttons)


def decision(decided: Decision, tr: Tr) -> Screen:
    """After Verify or Duplicate: what the report is now, or that it was already reviewed."""
    incident = decided.incident
    params = {"number": report_number(incident.id), "status": review_status_text(incident, tr)}
    if decided.done:
        text = tr.gettext(N_("Report {number}: {status}. The reporter is told."), **params)
    else:
        text = tr.gettext(N_("Report {number} was already reviewed: {status}."), **params)
    return Screen(text, ((next_button(incident.id, tr),),), after_commit=decided.then)


# ---------------------------------------------------------------------- notices


def question_to_reporter(notice: QuestionToReporter, tr: Tr) -> Screen:
    """A coordinator's question, with a Reply button."""
    text = tr.gettext(
        N_("❓ A coordinator asks about your report {number}:\n\n<i>{question}</i>"),
        number=report_number(notice.number),
        question=notice.question,
    )
    reply = Button(
        "✍️ " + tr.pgettext("button", "Reply"), CODEC.encode(ReplyToQuestion(notice.question_id))
    )
    return Screen(text, ((reply,),))


def answer_to_coordinator(notice: AnswerToCoordinator, tr: Tr) -> Screen:
    """The reporter's answer, brought back to the coordinator who asked."""
    text = tr.gettext(
        N_(
            "💬 The reporter of {number} answered your question.\n\n"
            "<b>Question:</b> <i>{question}</i>\n<b>Answer:</b> {answer}"
        ),
        number=report_number(notice.number),
        question=notice.question,
        answer=notice.answer,
    )
    return Screen(text, ((open_report_button(notice.number, tr),),))


def review_outcome(notice: ReviewOutcome, tr: Tr) -> Screen:
    """The reporter is told what the review decided about her report."""
    number = report_number(notice.number)
    if notice.review_status == "verified":
        text = tr.gettext(
            N_("Your report {number} was checked and confirmed by a coordinator. Thank you!"),
            number=number,
        )
    elif notice.review_status == "duplicate":
        text = tr.gettext(
            N_(
                "Your report {number} describes the same event as report {original}, so the "
                "two are joined. Thank you!"
            ),
            number=number,
            original=report_number(notice.original or 0),
        )
    else:
        reason = (
            notice.reason_text
            if notice.reason == OTHER and notice.reason_text
            else label(REJECT_REASONS, notice.reason, tr)
        )
        text = tr.gettext(
            N_("Your report {number} was not accepted. Reason: {reason}"),
            number=number,
            reason=reason,
        )
    return Screen(text)
