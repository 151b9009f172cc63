"""Every message of every catalog, rendered in ky, ru and en with the values the code puts in.

A template can look right and still read wrong once filled: "Составлено: {date}." becomes
"7 декабря 2026 г.." in Russian, "{date} баштап" drops the Kyrgyz case ending the date needs.
Dates go through Tr.date, Tr.short_date and Tr.datetime as the code does, counts through
Tr.number, periods as the digests and the recommendations write them; plurals at 1, 3, 5, 21.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from babel.dates import format_interval
from babel.messages.catalog import Message

from bot.catalogs import load_catalogs
from bot.gazetteer import Gazetteer
from bot.i18n import N_, Tr, translator
from bot.rules.early_warning import Locality, PlaceWeeks, WeekLine
from handlers.early_warning.screens import weeks

PLACEHOLDER = re.compile(r"\{(\w+)\}")
LANGUAGES = ("ky", "ru", "en")
COUNTS = (1, 3, 5, 21)
DAY = date(2026, 12, 7)
MOMENT = datetime(2026, 3, 7, 14, 5)

Sample = Callable[[Tr], list[str]]


def _names(code: str) -> Sample:
    return lambda tr: [Gazetteer.default()[code].name(tr.locale)]


def _counts(*values: float) -> Sample:
    return lambda tr: [tr.number(v) for v in values]


def _words(*texts: str) -> Sample:
    """User text or a rendered label: kept as written (its language does not matter here)."""
    return lambda tr: list(texts)


def _labels(*msgids: str) -> Sample:
    return lambda tr: [tr.label(m) for m in msgids]


def _periods(tr: Tr) -> list[str]:
    """A digest's week, the recommendations' "since …" and "all time", an export's period."""
    return [
        format_interval(date(2026, 11, 30), DAY, "yMMMd", locale=tr.locale),
        tr.label(N_("since {date}")).format(date=tr.date(DAY)),
        tr.label(N_("all time")),
        tr.label(N_("This week")),
        tr.label(N_("the last 30 days")),  # a dossier's period
    ]


# What the code puts into each placeholder (a list: each rendering takes the next value).
SAMPLES: dict[str, Sample] = {
    "date": lambda tr: [tr.date(DAY), tr.short_date(DAY), tr.datetime(MOMENT)],
    "dates": lambda tr: [f"{tr.short_date(DAY)[:5]}–{tr.short_date(date(2026, 12, 13))[:5]}"],
    "period": _periods,
    "amount": _counts(150_000, 2_500),
    "about": _labels("a village leader in Ak-Say"),
    "advice": _words("Суу графигин жазуу жүзүндө макулдашыңыз"),
    "answer": _words("Суу графиги макулдашылды", "Graphic agreed"),
    "area": _names("BA-BAT"),
    "audience": _labels("everyone registered"),
    "baseline": _counts(0.8, 12),
    "budgeted": _counts(3, 10_000),
    "comment": _words("Сүрөт кошуңуз"),
    "user": _counts(1),
    "warning": lambda tr: [
        "",
        "\n\n"
        + tr.gettext(
            "⚠️ You are the only person in the bot who gave {place} as their place. If you "
            "choose Anonymous, coordinators will not see your name, but they may still guess "
            "that the report is from you.",
            place="Ак-Сай",
        ),
    ],
    "backups": lambda tr: [
        tr.ngettext(
            "Backup copies are deleted {n} day after they are made; after that nothing of what "
            "you erased remains.",
            "Backup copies are deleted {n} days after they are made; after that nothing of what "
            "you erased remains.",
            n,
        )
        for n in (1, 7)
    ],
    "code": lambda tr: ["BA-BAT"],
    "contact": _words("Айгүл (@aigul)"),
    "contacts": _words("Бакыт, 0555 123 456"),
    "crowd": _labels("10 to 50"),
    "dead": _counts(0, 2),
    "declined": _counts(1, 10_000),
    "digits": _counts(2),
    "former": _words("Ырдык"),  # a place's former name, as the gazetteer writes it
    "elected": _counts(1, 12),
    "files": lambda tr: ["/home/aigul/ayilbot/sandbox-files"],
    "error": _words("NetworkError: Bad Gateway", "disk full: 150 MB free in /var/lib/ayilbot"),
    "first": _counts(1, 51),
    "group": _words("Баткен чек ара"),
    "groups": _words("Баткен чек ара, Лейлек"),
    "high": _counts(10_000),
    "hour": lambda tr: ["09:00"],
    "how": _labels("At a meeting"),
    "id": lambda tr: ["7"],
    "implemented": _counts(2, 10_000),
    "in_plan": _counts(4, 10_000),
    "index": _counts(1, 12),
    "injured": _counts(0, 3),
    "kind": _labels("Women candidates"),
    "km": _counts(1.1),
    "label": _labels("💧 Water, irrigation"),
    "language": lambda tr: ["Кыргызча", "Русский"],
    "last": _counts(0, 12),
    "length": _counts(3_501),
    "limit": _counts(5, 3_500),
    "log": lambda tr: ["/home/aigul/ayilbot/sandbox.log"],
    "minutes": _counts(10),
    "url": lambda tr: ["http://127.0.0.1:8080/login/Xy7"],
    "link": lambda tr: ["https://t.me/ayilbot?start=g-abc123"],
    "low": _counts(0),
    "n": _counts(3, 10_000),  # a count outside ngettext ("To approve ({n})")
    "member": _words("Айгүл"),
    "name": _words("Баткен чек ара"),
    "note": _words("Датасын тактаңыз"),
    "numbers": lambda tr: ["12, 14"],
    "older": _counts(2),
    "open": _counts(24, 10_000),
    "order": _labels("newest first"),
    "original": lambda tr: ["№ 11"],
    "other": lambda tr: ["№ 11"],
    "path": lambda tr: ["/home/aigul/ayilbot/sandbox-files/12-programme.docx"],
    "page": _counts(1),
    "pages": _counts(3),
    "pending": _counts(2),
    "place": _names("BA-BAT-AKS"),
    "proposal": _words("Мектепке суу түтүгүн тартуу"),
    "question": _words("Канча адам катышты"),
    "raised": _counts(5, 10_000),
    "reason": _words("Маалымат аз"),
    "region": _names("BA"),
    "resource": _labels("🐑 Pasture", "all resources"),
    "reports": lambda tr: [tr.ngettext("{n} report", "{n} reports", n) for n in (1, 3)],
    "role": lambda tr: ["boss"],
    "scope": lambda tr: ["BA-XYZ"],
    "score": _counts(13, 0.5),
    "shown": _counts(6, 100),
    "stage": _labels("included in the local plan"),
    "status": _labels("✅ Verified", "published"),
    "text": _words("Мектепке суу"),
    "this": _counts(6, 10_000),
    "title": _words("Коңшулар менен суу графиги"),
    "topic": _labels("💧 Water and sanitation"),
    "total": _counts(24, 10_000),
    "typed": _words("Кара-Шоро", "ак с"),  # a place name, or the first letters of one
    "waiting": _counts(1),
    "week": _counts(3, 10_000),
    "weekday": lambda tr: ["дүйшөмбү" if tr.locale == "ky" else "понедельник"],
    "weeks": _counts(4),
    "what": _labels("🐑 Pasture"),
    "where": _labels("to members privately"),
    "women": _counts(1, 12, 10_000),
    "words": _words("суу"),
    # The media store in /stats, and the codes sheet of an export.
    "stored": _counts(412, 10_000),
    "size": _counts(96.4, 0),
    "retrying": _counts(0, 3),
    "lost": _counts(0, 2),
    "too_large": _counts(1),
    "zone": lambda tr: ["Asia/Bishkek"],
}


def _number(template: str) -> list[str]:
    """Report numbers come as `№ 12`; a template that writes its own sign gets the bare number."""
    return ["12"] if re.search(r"(№|No\.) \{number\}", template) else ["№ 12"]


def _ids(message: Message) -> tuple[str, ...]:
    """A message's msgid, with its plural msgid when it has one."""
    found = message.id if isinstance(message.id, tuple | list) else (message.id,)
    return tuple(str(i) for i in found)


def _forms(tr: Tr, context: str | None, ids: tuple[str, ...]) -> list[tuple[int | None, str]]:
    """The translated template, once per plural count for a plural message."""
    catalog = tr.catalog
    if len(ids) == 1:
        return [(None, catalog.pgettext(context, ids[0]) if context else catalog.gettext(ids[0]))]
    one, many = ids[0], ids[1]
    return [
        (
            n,
            catalog.npgettext(context, one, many, n)
            if context
            else catalog.ngettext(one, many, n),
        )
        for n in COUNTS
    ]


def renderings(language: str) -> Iterator[tuple[str, str, str]]:
    """(msgid, template, text) for every message, every plural count and every sample value."""
    tr = translator(language)
    for catalog in load_catalogs(language).values():
        for message in catalog:
            if not message.id:
                continue
            singular = _ids(message)[0]
            for n, template in _forms(tr, message.context, _ids(message)):
                values = {
                    name: _number(template) if name == "number" else SAMPLES[name](tr)
                    for name in set(PLACEHOLDER.findall(template)) - ({"n"} if n else set())
                }
                rounds = max((len(v) for v in values.values()), default=1)
                for i in range(rounds):
                    filled = {name: v[i % len(v)] for name, v in values.items()}
                    if n is not None:
                        filled["n"] = tr.number(n)
                    yield singular, template, template.format(**filled)


def _look_alikes(text: str) -> list[str]:
    """Words mixing Latin and Cyrillic letters, or with Cyrillic letters Kyrgyz does not use."""
    bad = []
    for word in re.findall(r"\w+", re.sub(r"https?://\S+|@\w+|/\w+", "", text)):
        latin = re.search(r"[A-Za-z\u00c0-\u024f]", word)
        cyrillic = re.search(r"[\u0400-\u04ff]", word)
        if (latin and cyrillic) or re.search(r"[әұқғһіїєўӊӈ]", word, re.IGNORECASE):
            bad.append(word)
    return bad


TEMPLATE_RULES: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "a value glued to a letter": (re.compile(r"\}[^\W\d_]|[^\W\d_]\{"), LANGUAGES),
    "two values with nothing between": (re.compile(r"\}\s*\{"), LANGUAGES),
    # A Kyrgyz postposition needs a case ending on the word before it, and a value cannot take
    # one: "{date} баштап" reads "2026-ж., 7-март баштап".
    "a postposition after a value": (
        re.compile(r"\}\s+(баштап|тартып|бери|чейин|кийин|мурун|соң)\b"),
        ("ky",),
    ),
    # A date is followed by the word "day" that carries the ending: "{date} күнү келген".
    "a word after a date that is not күн": (
        re.compile(r"\{(date|dates|period)\}\s+(?!күн)[^\W\d_]"),
        ("ky",),
    ),
}

TEXT_RULES: dict[str, re.Pattern[str]] = {
    "a doubled full stop": re.compile(r"(?<!\.)\.\.(?!\.)"),
    "a space before a comma or full stop": re.compile(r" [,.](?!\.)"),
    "a doubled space": re.compile(r"(?<=\S)  +(?=\S)"),
    "a placeholder left unfilled": re.compile(r"\{\w*\}"),
    "a number sign twice": re.compile(r"(№|No\.)\s*(№|No\.)"),
}


def findings(language: str) -> list[tuple[str, str, str]]:
    """(problem, msgid, rendered text) for every rendering that reads wrong."""
    found = []
    for msgid, template, text in renderings(language):
        for problem, (pattern, languages) in TEMPLATE_RULES.items():
            if language in languages and pattern.search(template):
                found.append((problem, msgid, template))
        for problem, pattern in TEXT_RULES.items():
            if pattern.search(text):
                found.append((problem, msgid, text))
        if language == "ky" and _look_alikes(text):
            found.append(("Latin or foreign letters in a Kyrgyz word", msgid, text))
    return sorted(set(found))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_cleanly(language: str) -> None:
    found = findings(language)
    assert found == [], "\n".join(f"{p}: {m[:60]!r} -> {t!r}" for p, m, t in found)


def test_every_placeholder_has_a_sample() -> None:
    """A new placeholder needs a sample here, or its messages would not be checked."""
    names = {
        name
        for catalog in load_catalogs("en").values()
        for message in catalog
        if message.id
        for text in _ids(message)
        for name in PLACEHOLDER.findall(text)
    }
    assert names - {"number"} <= set(SAMPLES)


def test_the_checks_find_what_the_review_found() -> None:
    """Each rule fires on the readings issue 17 quoted, so a clean run means something."""
    ru, ky = translator("ru"), translator("ky")
    doubled = f"Составлено: {ru.date(DAY)}."
    assert TEXT_RULES["a doubled full stop"].search(doubled)
    assert TEMPLATE_RULES["a postposition after a value"][0].search("({date} баштап)")
    assert TEMPLATE_RULES["a word after a date that is not күн"][0].search("{date} келген")
    assert not TEMPLATE_RULES["a word after a date that is not күн"][0].search("{date} күнү")
    assert TEMPLATE_RULES["two values with nothing between"][0].search("{number} {date} келген")
    assert TEMPLATE_RULES["a value glued to a letter"][0].search("{date}баштап")
    assert TEXT_RULES["a space before a comma or full stop"].search("Ак-Сай , Ош")
    assert TEXT_RULES["a doubled space"].search("Ак-Сай  Ош")
    assert _look_alikes("Аймaк") == ["Аймaк"]  # a Latin "a" in a Kyrgyz word
    assert _look_alikes("Қазақ") == ["Қазақ"]  # a Kazakh letter, not Kyrgyz
    assert _look_alikes(ky.date(DAY)) == []


@pytest.mark.parametrize(
    ("language", "count", "title"),
    [
        ("ru", 3, ": последние 3 недели"),
        ("ru", 21, ": последняя 21 неделя"),
        ("ru", 8, ": последние 8 недель"),
        ("ky", 3, ": акыркы 3 апта"),
        ("en", 1, ": the last 1 week"),
    ],
    ids=["ru-3", "ru-21", "ru-8", "ky-3", "en-1"],
)
def test_a_places_weeks_are_counted_with_plural_forms(
    language: str, count: int, title: str
) -> None:
    gazetteer = Gazetteer.default()
    where = Locality("BA-BAT-AKS", gazetteer.get("BA-BAT-AKS"), gazetteer.get("BA-BAT"))
    lines = tuple(
        WeekLine(DAY - timedelta(days=7 * w + 6), DAY - timedelta(days=7 * w), 0, 0.0, 0, 0)
        for w in range(count)
    )
    screen = weeks(PlaceWeeks(where, None, lines), translator(language))
    assert screen.text.split("\n")[0].endswith(f"{title}</b>"), screen.text


def test_date_and_time_read_as_each_language_writes_them() -> None:
    assert translator("ky").datetime(MOMENT) == "2026-ж., 7-март, 14:05"
    assert translator("ru").datetime(MOMENT) == "7 марта 2026\u202fг., 14:05"
    assert translator("en").datetime(MOMENT) == "7 Mar 2026, 14:05"
