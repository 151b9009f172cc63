"""The `inc:` codec keeps every shipped format, and the screens write exactly those."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.errors import StaleButton
from bot.gazetteer import Gazetteer
from bot.i18n import translator
from bot.records.incidents import Incident, IncidentAttachment
from bot.rules.incidents import FollowupQuestion, ReportCard
from bot.rules.review import QuestionToReporter, ReviewCard
from handlers.incidents import screens
from handlers.incidents.buttons import (
    CODEC,
    AddNews,
    AnswerFollowup,
    AskReporter,
    JoinDuplicate,
    MyReport,
    MyReports,
    NextReport,
    OpenReport,
    Reject,
    ReplyToQuestion,
    Said,
    ShowMedia,
    TypeDuplicate,
    Verify,
)
from handlers.incidents.feature import FEATURE as INCIDENTS
from handlers.plumbing.codec import LARGEST_ID, Press
from handlers.review import screens as review_screens
from handlers.review.feature import FEATURE as REVIEW
from tests.incident_steps import SEED

SHIPPED: list[tuple[Press, str]] = [
    (MyReports(0), "inc:l:0"),
    (MyReport(7), "inc:m:7"),
    (AddNews(7), "inc:u:7"),
    (AnswerFollowup(7, Said.RESOLVED), "inc:f:7:r"),
    (AnswerFollowup(7, Said.OPEN), "inc:f:7:o"),
    (AnswerFollowup(7, Said.WORSE), "inc:f:7:w"),
    (ReplyToQuestion(12), "inc:a:12"),
    (ShowMedia(7), "inc:p:7"),
    (OpenReport(7), "inc:o:7"),
    (NextReport(7), "inc:n:7"),
    (Verify(7), "inc:v:7"),
    (JoinDuplicate(7, 3), "inc:D:7:3"),
    (AskReporter(7), "inc:q:7"),
    (TypeDuplicate(7), "inc:d:7"),
    (Reject(7), "inc:r:7"),
]
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(("press", "data"), SHIPPED)
def test_each_button_keeps_its_shipped_data_and_reads_back(press: Press, data: str) -> None:
    assert CODEC.encode(press) == data
    assert CODEC.decode(data) == press


def test_the_largest_ids_stay_under_telegrams_64_bytes() -> None:
    kinds = {type(press) for press, _ in SHIPPED}
    assert kinds == set(CODEC.kinds.values())
    for press, _ in SHIPPED:
        value: Any = press
        ints = {name: LARGEST_ID for name, v in asdict(value).items() if isinstance(v, int)}
        largest = replace(value, **ints)
        data = CODEC.encode(largest)
        assert len(data.encode()) <= 64
        assert CODEC.decode(data) == largest


@pytest.mark.parametrize(
    "data",
    [
        "inc:f:7:x",  # not an answer the question offers
        "inc:f:7",
        "inc:m",
        "inc:m:",
        "inc:m:-1",
        "inc:m:7:8",
        "inc:m:seven",
        "inc:m:٣",  # a digit, but not one the codec writes
        f"inc:m:{LARGEST_ID + 1}",
        "inc:D:7",
        "inc:z:7",
        "inc:d:7:3",  # the typed-duplicate button names no original: that is inc:D
        "inc:l:0:0",
        "pr:o:7",
    ],
)
def test_forged_truncated_or_foreign_data_is_a_stale_button(data: str) -> None:
    with pytest.raises(StaleButton):
        CODEC.decode(data)


def test_one_dispatcher_routes_every_inc_button() -> None:
    assert INCIDENTS.buttons is not None and INCIDENTS.buttons.codec is CODEC
    assert set(INCIDENTS.buttons.routes) == set(CODEC.kinds.values())
    assert REVIEW.buttons is None


def _incident(**changes: object) -> Incident:
    values = {
        **asdict(SEED),
        "id": 7,
        "review_status": "pending",
        "duplicate_of": None,
        "last_update_at": NOW,
        "followup_sent_at": None,
        **changes,
    }
    return Incident(**values)  # type: ignore[arg-type]


def _card(incident: Incident, *, photos: int = 0) -> ReportCard:
    places = tuple(Gazetteer.default().ancestors("BA-BAT-AKS"))
    files = tuple(IncidentAttachment(7, None, "photo", f"P{i}", None, None) for i in range(photos))
    return ReportCard(
        incident=incident,
        places=places,
        attachments=files,
        updates=(),
        coordinates=None,
        shows_reporter=True,
        reporter=None,
        flagged_duplicate=incident.possible_duplicate_of,
        zone=UTC,
    )


def _data(screen: object) -> list[str | None]:
    rows = getattr(screen, "buttons")  # noqa: B009
    return [button.data for row in rows for button in row]


def test_screens_write_the_shipped_data() -> None:
    tr = translator("ru")
    incident = _incident(possible_duplicate_of=3)
    waiting = ReviewCard(_card(incident, photos=1), may_decide=True)
    assert _data(review_screens.review_card(waiting, tr)) == [
        "inc:v:7",
        "inc:q:7",
        "inc:D:7:3",
        "inc:d:7",
        "inc:r:7",
        "inc:p:7",
        "inc:n:7",
    ]
    decided = ReviewCard(_card(replace(incident, review_status="verified")), may_decide=False)
    assert _data(review_screens.review_card(decided, tr)) == ["inc:q:7", "inc:n:7"]
    assert _data(screens.my_report(_card(incident), tr)) == ["inc:u:7", "inc:l:0"]
    assert _data(screens.my_reports([incident], tr)) == ["inc:m:7"]
    question = FollowupQuestion(incident, ())
    assert _data(screens.followup_question(question, tr)) == [
        "inc:f:7:r",
        "inc:f:7:o",
        "inc:f:7:w",
    ]
    relayed = QuestionToReporter(12, 7, "How many?")
    assert _data(review_screens.question_to_reporter(relayed, tr)) == ["inc:a:12"]
