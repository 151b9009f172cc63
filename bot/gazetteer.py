"""The administrative gazetteer of Kyrgyzstan: oblasts, rayons, cities and aiyl aimaks.

The data lives in `bot/data/gazetteer.csv`, a file partners edit by hand (an installed bot can
read an edited copy instead: AYILBOT_GAZETTEER); `Gazetteer.load` checks it
and names the offending line in every error. Codes are short ASCII slugs ("BA-BAT-AKS") that are
stored in the database and fit in Telegram callback data.

Levels rank from the top: an oblast (rank 0) has no parent; a rayon (rank 1) sits in an oblast;
a city is rayon rank and sits in an oblast or, for Bishkek and Osh, stands alone; an aiyl aimak
(rank 2) sits in a rayon or a city.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

from bot.resources import shipped

__all__ = [
    "COLUMNS",
    "DEFAULT_PATH",
    "LEVELS",
    "LOCALES",
    "Gazetteer",
    "GazetteerError",
    "Place",
    "use_file",
]

DEFAULT_PATH: Final = shipped("data", "gazetteer.csv")
COLUMNS: Final = ("code", "level", "parent", "name_ky", "name_ru", "name_en")
LOCALES: Final = ("ky", "ru", "en")
LEVELS: Final = ("oblast", "rayon", "city", "aiyl_aimak")
_RANK: Final[Mapping[str, int]] = MappingProxyType(
    {"oblast": 0, "rayon": 1, "city": 1, "aiyl_aimak": 2}
)
# Which parent levels each level accepts; None stands for "no parent".
_PARENTS: Final[Mapping[str, frozenset[str | None]]] = MappingProxyType(
    {
        "oblast": frozenset({None}),
        "rayon": frozenset({"oblast"}),
        "city": frozenset({None, "oblast"}),
        "aiyl_aimak": frozenset({"rayon", "city"}),
    }
)
_CODE_RE: Final = re.compile(r"[A-Z0-9-]{1,24}")
_FALLBACK: Final = ("ru", "en")
# Locale spellings seen in the wild for Kyrgyz ("kg" is the country code, not the language).
_LOCALE_ALIASES: Final[Mapping[str, str]] = MappingProxyType({"kg": "ky", "kir": "ky"})


class GazetteerError(ValueError):
    """A gazetteer file is malformed; the message starts with "<file>:<line>: "."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}:{line}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative unit; `names` maps a locale ("ky", "ru", "en") to its name there."""

    code: str
    level: str
    parent: str | None
    names: Mapping[str, str] = field(hash=False)

    def name(self, locale: str) -> str:
        """The name in `locale` ("ky", "ru-RU", "en_US"...), else in Russian, else in English."""
        wanted = _normalize_locale(locale)
        for candidate in (wanted, *_FALLBACK):
            value = self.names.get(candidate)
            if value:
                return value
        return next((v for v in self.names.values() if v), self.code)

    @property
    def rank(self) -> int:
        """0 for an oblast, 1 for a rayon or a city, 2 for an aiyl aimak."""
        return _RANK[self.level]


def _normalize_locale(locale: str) -> str:
    primary = locale.strip().replace("_", "-").split("-", 1)[0].lower()
    return _LOCALE_ALIASES.get(primary, primary)


class Gazetteer:
    """The places of a gazetteer file, in file order, with their hierarchy."""

    __slots__ = ("_by_code", "_chains", "_children", "_places", "source")

    def __init__(self, places: Sequence[Place], source: str = "<memory>") -> None:
        """Index already-checked places (use `load` for a file); raises ValueError on bad links."""
        self.source = source
        self._places: tuple[Place, ...] = tuple(places)
        self._by_code: dict[str, Place] = {}
        self._children: dict[str, list[Place]] = {}
        for place in self._places:
            if place.code in self._by_code:
                raise ValueError(f"duplicate code {place.code!r}")
            self._by_code[place.code] = place
            self._children[place.code] = []
        for place in self._places:
            problem = _link_problem(place, self._by_code)
            if problem:
                raise ValueError(problem)
            if place.parent is not None:
                self._children[place.parent].append(place)
        # Ranks strictly decrease towards the root, so every chain is finite.
        self._chains: dict[str, tuple[Place, ...]] = {}
        for place in self._places:
            chain = [place]
            while chain[-1].parent is not None:
                chain.append(self._by_code[chain[-1].parent])
            self._chains[place.code] = tuple(chain)

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """Read and check a gazetteer CSV; raises GazetteerError naming the file and the line.

        Blank lines and lines starting with "#" are skipped. The first other line must be the
        header `code,level,parent,name_ky,name_ru,name_en`. Each row needs a known level, a
        unique code matching [A-Z0-9-]{1,24}, a parent one level up (none for an oblast, none or
        an oblast for a city), and all three names. Parents may come before or after children.
        """
        source = str(path)
        rows: list[tuple[int, Place]] = []
        header_seen = False
        seen: dict[str, int] = {}
        for number, line in _lines(path, source):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = _split(line, source, number)
            if not header_seen:
                if tuple(c.lower() for c in cells) != COLUMNS:
                    raise GazetteerError(
                        source, number, f"expected the header {','.join(COLUMNS)!r}"
                    )
                header_seen = True
                continue
            place = _parse_row(cells, source, number)
            if place.code in seen:
                raise GazetteerError(
                    source,
                    number,
                    f"duplicate code {place.code!r} (first on line {seen[place.code]})",
                )
            seen[place.code] = number
            rows.append((number, place))
        if not header_seen:
            raise GazetteerError(source, 1, f"no header row {','.join(COLUMNS)!r}")
        by_code = {place.code: place for _, place in rows}
        for number, place in rows:
            problem = _link_problem(place, by_code)
            if problem:
                raise GazetteerError(source, number, problem)
        return cls([place for _, place in rows], source=source)

    @classmethod
    def default(cls) -> Gazetteer:
        """The gazetteer of this process (the shipped file, or `use_file`'s), loaded once."""
        return _default()

    # ------------------------------------------------------------------ lookups

    def get(self, code: str) -> Place | None:
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> Place:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(code) from None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def __repr__(self) -> str:
        return f"<Gazetteer {self.source} ({len(self)} places)>"

    def by_level(self, level: str) -> list[Place]:
        """Every place of one level, in file order."""
        return [p for p in self._places if p.level == level]

    def oblasts(self) -> list[Place]:
        """The seven oblasts, in file order (Bishkek and Osh cities are not oblasts)."""
        return self.by_level("oblast")

    def top_level(self) -> list[Place]:
        """Places without a parent: the oblasts and the cities of republican significance."""
        return [p for p in self._places if p.parent is None]

    def children(self, code: str) -> list[Place]:
        """The units directly under `code`, in file order; KeyError for an unknown code."""
        return list(self._children[self[code].code])

    def descendants(self, code: str) -> list[Place]:
        """Every unit under `code` at any depth, depth-first in file order."""
        found: list[Place] = []
        for child in self.children(code):
            found.append(child)
            found.extend(self.descendants(child.code))
        return found

    def ancestors(self, code: str) -> list[Place]:
        """The place itself, its parent, and so on up to its oblast (or top-level city)."""
        return list(self._chains[self[code].code])

    def covers(self, scope_code: str, place_code: str) -> bool:
        """Whether `scope_code` is `place_code` or an ancestor of it; False for unknown codes."""
        if scope_code not in self._by_code or place_code not in self._by_code:
            return False
        return any(p.code == scope_code for p in self._chains[place_code])

    def oblast_of(self, code: str) -> Place:
        """The oblast the place lies in; for Bishkek and Osh (no oblast), the city itself."""
        return self.ancestors(code)[-1]

    def rayon_of(self, code: str) -> Place | None:
        """The rayon-rank unit (rayon or city) holding the place, or itself; None for an oblast."""
        return next((p for p in self.ancestors(code) if p.rank == 1), None)

    def path_name(self, code: str, locale: str) -> str:
        """The place and its ancestors, e.g. "Ак-Сай, Баткен району, Баткен облусу"."""
        return ", ".join(p.name(locale) for p in self.ancestors(code))


# ---------------------------------------------------------------------- helpers


def _lines(path: Path, source: str) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 file (a leading BOM and CRLF endings are tolerated)."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for number, chunk in enumerate(data.split(b"\n"), start=1):
        try:
            yield number, chunk.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise GazetteerError(source, number, f"not UTF-8 ({exc.reason})") from exc


def _split(line: str, source: str, number: int) -> list[str]:
    """The stripped cells of one CSV line, without the empty cells spreadsheets append."""
    try:
        cells = [c.strip() for c in next(csv.reader([line], strict=True))]
    except csv.Error as exc:
        raise GazetteerError(source, number, f"bad CSV: {exc}") from exc
    while len(cells) > len(COLUMNS) and not cells[-1]:
        cells.pop()
    return cells


def _parse_row(cells: list[str], source: str, number: int) -> Place:
    if len(cells) != len(COLUMNS):
        raise GazetteerError(
            source, number, f"expected {len(COLUMNS)} columns, found {len(cells)}"
        )
    code, level, parent, *names = cells
    if not _CODE_RE.fullmatch(code):
        raise GazetteerError(
            source, number, f"bad code {code!r}: use 1-24 characters of A-Z, 0-9 and '-'"
        )
    if level not in _RANK:
        raise GazetteerError(
            source, number, f"unknown level {level!r}: use one of {', '.join(LEVELS)}"
        )
    for locale, name in zip(LOCALES, names, strict=True):
        if not name:
            raise GazetteerError(source, number, f"{code}: empty name_{locale}")
    return Place(
        code=code,
        level=level,
        parent=parent or None,
        names=MappingProxyType(dict(zip(LOCALES, names, strict=True))),
    )


def _link_problem(place: Place, by_code: Mapping[str, Place]) -> str | None:
    """Why the place's parent link is wrong, or None when it is right."""
    allowed = _PARENTS[place.level]
    wanted = " or ".join(sorted(level for level in allowed if level))
    if place.parent is None:
        if None in allowed:
            return None
        return f"{place.code}: level {place.level} needs a parent of level {wanted}"
    if allowed == {None}:
        return f"{place.code}: level {place.level} takes no parent (found {place.parent!r})"
    parent = by_code.get(place.parent)
    if parent is None:
        return f"{place.code}: unknown parent {place.parent!r}"
    if parent.level not in allowed:
        return (
            f"{place.code}: parent {place.parent!r} is of level {parent.level}; "
            f"level {place.level} needs a parent of level {wanted}"
        )
    return None


_default_lock = threading.Lock()
_default_value: Gazetteer | None = None
_default_path: Path = DEFAULT_PATH


def use_file(path: Path | None) -> None:
    """Make `Gazetteer.default()` read `path` (AYILBOT_GAZETTEER), or the shipped file if None."""
    global _default_path, _default_value
    with _default_lock:
        wanted = DEFAULT_PATH if path is None else path
        if wanted != _default_path:
            _default_path, _default_value = wanted, None


def _default() -> Gazetteer:
    global _default_value
    with _default_lock:
        if _default_value is None:
            _default_value = Gazetteer.load(_default_path)
        return _default_value
