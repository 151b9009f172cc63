"""The `pr:` and `grp:` codecs: the shipped callback data, round trips, and forged data."""

from __future__ import annotations

import pytest

from bot.core.errors import StaleButton
from handlers.groups import buttons as grp
from handlers.plumbing.codec import Codec, Press
from handlers.practices import buttons as pr

LARGEST = 2**63 - 1  # the largest id SQLite can hold: the longest numbers a button carries

# Every action with the data people already have in their chats (the old lambda tables).
SHIPPED: list[tuple[Codec, Press, str]] = [
    (pr.CODEC, pr.ListPractices(None, None, pr.Sort.NEWEST, 0), "pr:l:-:-:n:0"),
    (
        pr.CODEC,
        pr.ListPractices("water", "BA-BAT", pr.Sort.MOST_USEFUL, 2),
        "pr:l:water:BA-BAT:u:2",
    ),
    (pr.CODEC, pr.ChooseTopic(None, pr.Sort.NEWEST), "pr:t:-:n"),
    (pr.CODEC, pr.ChooseRegion("plan", pr.Sort.MOST_USEFUL), "pr:r:plan:u"),
    (pr.CODEC, pr.OpenPractice(7), "pr:o:7"),
    (pr.CODEC, pr.MarkHelpful(7), "pr:h:7"),
    (pr.CODEC, pr.AskAuthor(7), "pr:q:7"),
    (pr.CODEC, pr.AnswerQuestion(12), "pr:an:12"),
    (pr.CODEC, pr.MyPractices(0), "pr:my:0"),
    (pr.CODEC, pr.SearchForm(), "pr:sf"),
    (pr.CODEC, pr.SearchResults(5, 1), "pr:s:5:1"),
    (pr.CODEC, pr.EditPractice(7), "pr:e:7"),
    (pr.CODEC, pr.WaitingPractices(0), "pr:w:0"),
    (pr.CODEC, pr.Approve(7), "pr:ok:7"),
    (pr.CODEC, pr.AskForEdits(7), "pr:ed:7"),
    (pr.CODEC, pr.Decline(7), "pr:dc:7"),
    (pr.CODEC, pr.Recommendations(), "pr:x"),
    (pr.CODEC, pr.DocumentTopic(None), "pr:xt:-"),
    (pr.CODEC, pr.DocumentPeriod("water", 365), "pr:xp:water:365"),
    (pr.CODEC, pr.DocumentFile(None, 0, "md"), "pr:xf:-:0:md"),
    (grp.CODEC, grp.Join("Ab-9_x"), "grp:j:Ab-9_x"),
    (grp.CODEC, grp.NoThanks(), "grp:n"),
    (grp.CODEC, grp.AllGroups(), "grp:ls"),
    (grp.CODEC, grp.NewGroup(), "grp:new"),
    (grp.CODEC, grp.MyGroup(3), "grp:g:3"),
    (grp.CODEC, grp.Leave(3), "grp:lv:3"),
    (grp.CODEC, grp.LeaveConfirmed(3), "grp:lvy:3"),
    (grp.CODEC, grp.Manage(3), "grp:m:3"),
    (grp.CODEC, grp.Members(3, 1), "grp:mb:3:1"),
    (grp.CODEC, grp.Remove(3, 42), "grp:rm:3:42"),
    (grp.CODEC, grp.RemoveConfirmed(3, 42), "grp:rmy:3:42"),
    (grp.CODEC, grp.Rename(3), "grp:rn:3"),
    (grp.CODEC, grp.Close(3), "grp:cl:3"),
    (grp.CODEC, grp.CloseConfirmed(3), "grp:cly:3"),
    (grp.CODEC, grp.Deliver(3, "b"), "grp:d:3:b"),
    (grp.CODEC, grp.Unlink(3), "grp:ul:3"),
    (grp.CODEC, grp.LinkChat(8, 3), "grp:lk:8:3"),
]


@pytest.mark.parametrize(("codec", "press", "data"), SHIPPED, ids=[d for _, _, d in SHIPPED])
def test_every_action_keeps_its_shipped_data_and_reads_back(
    codec: Codec, press: Press, data: str
) -> None:
    assert codec.encode(press) == data
    assert codec.decode(data) == press


def test_every_kind_is_covered_and_the_longest_values_fit_in_64_bytes() -> None:
    shipped = {type(press) for _, press, _ in SHIPPED}
    assert shipped == set(pr.CODEC.kinds.values()) | set(grp.CODEC.kinds.values())
    longest: list[tuple[Codec, Press]] = [
        (pr.CODEC, pr.ListPractices("ntfp", "BA-KAD-AMS", pr.Sort.MOST_USEFUL, LARGEST)),
        (pr.CODEC, pr.SearchResults(LARGEST, LARGEST)),
        (pr.CODEC, pr.DocumentFile("networks", 365, "docx")),
        (grp.CODEC, grp.RemoveConfirmed(LARGEST, LARGEST)),
        (grp.CODEC, grp.LinkChat(LARGEST, LARGEST)),
        (grp.CODEC, grp.Join("x" * 12)),
    ]
    for codec, press in longest:
        data = codec.encode(press)
        assert len(data.encode()) <= 64, data
        assert codec.decode(data) == press


def test_the_delivery_buttons_name_the_stored_modes() -> None:
    assert [grp.deliver(3, m).mode for m in ("members", "chat", "both")] == [
        "members",
        "chat",
        "both",
    ]
    assert grp.CODEC.encode(grp.deliver(3, "chat")) == "grp:d:3:c"
    assert pr.Sort.of(pr.Sort.MOST_USEFUL.order) is pr.Sort.MOST_USEFUL


@pytest.mark.parametrize(
    "data",
    [
        "pr:o:x",  # not a number
        "pr:o:7:8",  # an extra field
        "pr:o",  # a missing one
        "pr:l:-:-:z:0",  # an order never written
        "pr:zz:1",  # an action never written
        f"pr:o:{2**63}",  # larger than any row id
        "pr:o:٣",  # a digit, but not an ASCII one
        "pr:xt:wa/ter",  # a character never written
        "grp:d:3:x",  # a delivery mode never written
        "grp:lk:8",
        "grp:j:" + "x" * 41,  # longer than any code
        "grp:o:7",  # another feature's action
        "pr",
    ],
)
def test_forged_or_truncated_data_is_a_stale_button(data: str) -> None:
    codec = grp.CODEC if data.startswith("grp") else pr.CODEC
    with pytest.raises(StaleButton):
        codec.decode(data)
