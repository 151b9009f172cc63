"""The administrative gazetteer of Kyrgyzstan: oblasts, rayons, cities, aiyl aimaks, villages.

The data lives in three files partners edit by hand (shipped in the package as bot/data/; an
installed bot can read an edited gazetteer instead: AYILBOT_GAZETTEER), each checked by
`Gazetteer.load`, which names the file and the line in every error:

- `data/gazetteer.csv`: oblasts, rayons, cities and aiyl aimaks;
- `data/villages.csv`: villages (айыл / село), in the same format, each under an aiyl aimak;
- `data/former_names.csv`: former names of places (renamed, or merged into another), with the
  date of the change and, where the place had one, its old code, which stays an alias.

Codes are short ASCII slugs ("BA-BAT-AKS") that are stored in the database and fit in Telegram
callback data; they never change meaning. Levels rank from the top: an oblast (rank 0) has no
parent; a rayon (rank 1) sits in an oblast; a city is rayon rank and sits in an oblast or, for
Bishkek and Osh, stands alone; an aiyl aimak (rank 2) sits in a rayon or a city; a village
(rank 3) sits in an aiyl aimak.

`find` matches what a person types: the first letters of any name, in Kyrgyz, Russian or Latin
letters, whatever the case, hyphens, spaces and apostrophes, and whether ө, ү, ң or their Russian
look-alikes were typed; "Ак-Сай", "ак сай", "Ak-Say" and "Aksai" all find Ak-Say. Keys are
computed once at load, so a lookup is a binary search and a short scan.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
import statistics
import threading
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

from bot.resources import shipped

__all__ = [
    "BASE_COLUMNS",
    "COLUMNS",
    "COUNTRY_BOX",
    "DEFAULT_PATH",
    "FORMER_COLUMNS",
    "FORMER_PATH",
    "LEVELS",
    "LOCALES",
    "OPTIONAL_COLUMNS",
    "VILLAGES_PATH",
    "Box",
    "FormerName",
    "Gazetteer",
    "GazetteerError",
    "Location",
    "Match",
    "Place",
    "search_key",
    "use_file",
]

DEFAULT_PATH: Final = shipped("data", "gazetteer.csv")
VILLAGES_PATH: Final = shipped("data", "villages.csv")
FORMER_PATH: Final = shipped("data", "former_names.csv")
# The six columns every place file starts with, in this order (files written before the
# optional columns existed still load).
BASE_COLUMNS: Final = ("code", "level", "parent", "name_ky", "name_ru", "name_en")
COLUMNS: Final = BASE_COLUMNS
# Columns that may follow, in any order. A file that has a `source` column must fill it on
# every row: the shipped files all have one.
OPTIONAL_COLUMNS: Final = ("centre", "lat", "lon", "soate", "status", "bbox", "source", "note")
FORMER_COLUMNS: Final = (
    "code",
    "name_ky",
    "name_ru",
    "name_en",
    "old_code",
    "changed",
    "source",
    "note",
)
LOCALES: Final = ("ky", "ru", "en")
LEVELS: Final = ("oblast", "rayon", "city", "aiyl_aimak", "village")
STATUSES: Final = ("current", "pre_reform")
_RANK: Final[Mapping[str, int]] = MappingProxyType(
    {"oblast": 0, "rayon": 1, "city": 1, "aiyl_aimak": 2, "village": 3}
)
# Which parent levels each level accepts; None stands for "no parent".
_PARENTS: Final[Mapping[str, frozenset[str | None]]] = MappingProxyType(
    {
        "oblast": frozenset({None}),
        "rayon": frozenset({"oblast"}),
        "city": frozenset({None, "oblast"}),
        "aiyl_aimak": frozenset({"rayon", "city"}),
        "village": frozenset({"aiyl_aimak"}),
    }
)
_CODE_RE: Final = re.compile(r"[A-Z0-9-]{1,24}")
_DATE_RE: Final = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_FALLBACK: Final = ("ru", "en")
# Locale spellings seen in the wild for Kyrgyz ("kg" is the country code, not the language).
_LOCALE_ALIASES: Final[Mapping[str, str]] = MappingProxyType({"kg": "ky", "kir": "ky"})


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude/longitude rectangle in WGS84 degrees."""

    lat_min: float
    lon_min: float
    lat_max: float
    lon_max: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside the box, edges included."""
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max

    def __str__(self) -> str:
        return f"{self.lat_min};{self.lon_min};{self.lat_max};{self.lon_max}"


# The Kyrgyz Republic's extent: EPSG area of use 1137 "Kyrgyzstan" (lat 39.1955..43.2169,
# lon 69.2495..80.2816, as published in the EPSG dataset; read in PHPCoord's
# Geometry/Extents/BoundingBoxOnly/Extent1137.php), widened by 0.01 degree for rounding.
COUNTRY_BOX: Final = Box(39.18, 69.23, 43.23, 80.29)


class GazetteerError(ValueError):
    """A gazetteer file is malformed; the message starts with "<file>:<line>: "."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}:{line}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative unit or village; `names` maps a locale ("ky", "ru", "en") to a name.

    `lat`/`lon` are WGS84 degrees of the place itself (a village) or of its administrative
    centre (`centre`, as the source names it); None where no source gave them. `status` is
    "current" or "pre_reform" (an aiyl aimak as the state classifier listed it before the
    2023-2025 reform, kept until partners confirm what it became).
    """

    code: str
    level: str
    parent: str | None
    names: Mapping[str, str] = field(hash=False)
    lat: float | None = None
    lon: float | None = None
    centre: str = ""
    soate: str = ""
    status: str = "current"
    source: str = field(default="", hash=False, compare=False)
    note: str = field(default="", hash=False, compare=False)
    bbox: Box | None = field(default=None, hash=False, compare=False)

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
        """0 for an oblast, 1 for a rayon or a city, 2 for an aiyl aimak, 3 for a village."""
        return _RANK[self.level]

    @property
    def coords(self) -> tuple[float, float] | None:
        """(lat, lon) of the place or its centre, or None when no source gave them."""
        if self.lat is None or self.lon is None:
            return None
        return (self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class FormerName:
    """A name a place had before it was renamed or merged into `code`."""

    code: str
    names: Mapping[str, str] = field(hash=False)
    old_code: str = ""
    changed: str = ""
    source: str = field(default="", compare=False)
    note: str = field(default="", compare=False)

    def name(self, locale: str) -> str:
        """The former name in `locale`, else in Russian, else in English."""
        wanted = _normalize_locale(locale)
        for candidate in (wanted, *_FALLBACK):
            value = self.names.get(candidate)
            if value:
                return value
        return next((v for v in self.names.values() if v), self.old_code or self.code)


@dataclass(frozen=True, slots=True)
class Location:
    """Coordinates for a place: its own, or those of the nearest ancestor that has some.

    `precision` is the level whose coordinates were used ("village", "aiyl_aimak", "rayon",
    "city" or "oblast"), or "aiyl_aimak_villages" for the middle of an aiyl aimak's villages,
    so a map can say "aiyl aimak centre" rather than pretend to a pin.
    """

    lat: float
    lon: float
    code: str
    precision: str


@dataclass(frozen=True, slots=True)
class Match:
    """A place found by `Gazetteer.find`: `name` is the spelling that matched.

    `former` is set when the text matched a former name; `place` is then the current place.
    """

    place: Place
    name: str
    former: FormerName | None = None

    @property
    def by_former_name(self) -> bool:
        """Whether the place was found by a name it no longer has."""
        return self.former is not None


def _normalize_locale(locale: str) -> str:
    primary = locale.strip().replace("_", "-").split("-", 1)[0].lower()
    return _LOCALE_ALIASES.get(primary, primary)


# ---------------------------------------------------------------------- search keys

# Cyrillic (Kyrgyz and Russian) to a rough Latin; Kyrgyz letters fall on their Russian
# look-alikes (ө -> o, ү -> u, ң -> n), since phones without a Kyrgyz keyboard type those.
_CYRILLIC: Final[Mapping[str, str]] = MappingProxyType(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "j",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "n",
        "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
        "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y",
        "ь": "", "э": "e", "ю": "yu", "я": "ya", "һ": "h",
    }
)  # fmt: skip
# Latin spellings that stand for one Cyrillic letter, longest first.
_LATIN_DIGRAPHS: Final = (
    ("shch", "sh"),
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("ng", "n"),
    ("x", "h"),
    ("q", "k"),
    ("w", "v"),
    ("c", "ts"),
)
_NOT_LETTERS: Final = re.compile(r"[^a-z0-9]+")
_REPEATS: Final = re.compile(r"(.)\1+")


def search_key(text: str) -> str:
    """The spelling-blind key of `text`: "Ак-Сай", "ак сай", "Ak-Say" and "Aksai" give "aksai".

    Cyrillic is transliterated, Latin diacritics dropped (ö -> o), common Latin digraphs folded
    (dzh, zh -> j; kh -> h; ng -> n), y and i merged, doubled letters collapsed, and everything
    but letters and digits removed.
    """
    lowered = text.lower().replace("дж", "ж")
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in lowered)
    latin = unicodedata.normalize("NFKD", latin)
    latin = "".join(ch for ch in latin if not unicodedata.combining(ch))
    latin = _NOT_LETTERS.sub("", latin)
    for spelling, folded in _LATIN_DIGRAPHS:
        latin = latin.replace(spelling, folded)
    latin = latin.replace("y", "i")
    return _REPEATS.sub(r"\1", latin)


def _word_keys(text: str) -> list[str]:
    """Keys of each word after the first, so "Молдо Нияз" is also found by "нияз"."""
    words = [w for w in re.split(r"[\s\-‐–—.,'’`ʼ()]+", text) if w]
    return [key for key in (search_key(w) for w in words[1:]) if key]


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    whole: bool  # the key is of the whole name (else of one of its later words)
    place_index: int
    name: str
    former: FormerName | None


# ---------------------------------------------------------------------- the gazetteer

# `Location.precision` of an aiyl aimak placed by its villages rather than by its centre.
VILLAGES_MIDDLE = "aiyl_aimak_villages"


def _middles_of_villages(
    places: Sequence[Place], children: Mapping[str, list[Place]]
) -> dict[str, tuple[float, float]]:
    """Where to put an aiyl aimak whose centre has no coordinates in the sources read: the
    median latitude and longitude of its villages that have some.

    Better on a map than its rayon's centre, which may lie in another aiyl aimak; the median,
    not the mean, so that one village matched to a distant namesake does not drag the point.
    Computed, never written into the file: the file keeps only what a source states.
    """
    middles: dict[str, tuple[float, float]] = {}
    for place in places:
        if place.level != "aiyl_aimak" or place.coords is not None:
            continue
        points = [v.coords for v in children[place.code] if v.coords is not None]
        if points:
            middles[place.code] = (
                statistics.median(lat for lat, _ in points),
                statistics.median(lon for _, lon in points),
            )
    return middles


class Gazetteer:
    """The places of one or more gazetteer files, in file order, with their hierarchy."""

    __slots__ = (
        "_aliases",
        "_by_code",
        "_chains",
        "_children",
        "_entries",
        "_former",
        "_keys",
        "_middles",
        "_order",
        "_places",
        "source",
    )

    def __init__(
        self,
        places: Sequence[Place],
        source: str = "<memory>",
        former: Sequence[FormerName] = (),
    ) -> None:
        """Index already-checked places (use `load` for files); raises ValueError on bad links."""
        self.source = source
        self._places: tuple[Place, ...] = tuple(places)
        self._by_code: dict[str, Place] = {}
        self._children: dict[str, list[Place]] = {}
        self._order: dict[str, int] = {}
        for index, place in enumerate(self._places):
            if place.code in self._by_code:
                raise ValueError(f"duplicate code {place.code!r}")
            self._by_code[place.code] = place
            self._children[place.code] = []
            self._order[place.code] = index
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
        self._middles = _middles_of_villages(self._places, self._children)
        self._former: tuple[FormerName, ...] = tuple(former)
        self._aliases: dict[str, str] = {}
        for item in self._former:
            problem = _former_problem(item, self._by_code, self._aliases)
            if problem:
                raise ValueError(problem)
            if item.old_code:
                self._aliases[item.old_code] = item.code
        self._entries, self._keys = self._index()

    def _index(self) -> tuple[list[_Entry], list[str]]:
        entries: list[_Entry] = []

        def add(names: Mapping[str, str], index: int, former: FormerName | None) -> None:
            seen: set[tuple[str, bool]] = set()
            for locale in LOCALES:
                name = names.get(locale, "")
                if not name:
                    continue
                candidates = [(search_key(name), True)]
                candidates += [(key, False) for key in _word_keys(name)]
                for key, whole in candidates:
                    if key and (key, whole) not in seen:
                        seen.add((key, whole))
                        entries.append(_Entry(key, whole, index, name, former))

        for index, place in enumerate(self._places):
            add(place.names, index, None)
        for item in self._former:
            add(item.names, self._order[item.code], item)
        entries.sort(key=lambda e: e.key)
        return entries, [e.key for e in entries]

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        path: Path,
        *more: Path,
        former: Path | None = None,
    ) -> Gazetteer:
        """Read and check gazetteer CSVs; raises GazetteerError naming the file and the line.

        `path` and `more` are place files (`data/gazetteer.csv`, `data/villages.csv`); parents
        may be in any of them and come before or after children. `former` is a former-names
        file. Blank lines and lines starting with "#" are skipped. The first other line is
        the header: `code,level,parent,name_ky,name_ru,name_en`, then any of the optional
        columns (centre, lat, lon, soate, status, bbox, source, note). Each row needs a known
        level, a unique code matching [A-Z0-9-]{1,24}, a parent one level up, all three names,
        a source where the file has that column, and coordinates (both or neither) inside the
        country and inside the box of its oblast.
        """
        rows: list[tuple[str, int, Place]] = []
        seen: dict[str, tuple[str, int]] = {}
        for file in (path, *more):
            source = str(file)
            for number, place in _read_places(file, source):
                if place.code in seen:
                    first_file, first_line = seen[place.code]
                    where = f"line {first_line}" + (
                        "" if first_file == source else f" of {first_file}"
                    )
                    raise GazetteerError(
                        source, number, f"duplicate code {place.code!r} (first on {where})"
                    )
                seen[place.code] = (source, number)
                rows.append((source, number, place))
        by_code = {place.code: place for _, _, place in rows}
        for source, number, place in rows:
            problem = _link_problem(place, by_code)
            if problem:
                raise GazetteerError(source, number, problem)
        for source, number, place in rows:
            problem = _box_problem(place, by_code)
            if problem:
                raise GazetteerError(source, number, problem)
        former_names: list[FormerName] = []
        if former is not None:
            aliases: dict[str, str] = {}
            for number, item in _read_former(former, str(former)):
                problem = _former_problem(item, by_code, aliases)
                if problem:
                    raise GazetteerError(str(former), number, problem)
                if item.old_code:
                    aliases[item.old_code] = item.code
                former_names.append(item)
        label = " + ".join(str(p) for p in (path, *more, *([former] if former else [])))
        return cls([place for _, _, place in rows], source=label, former=former_names)

    @classmethod
    def default(cls) -> Gazetteer:
        """This process's gazetteer (shipped, or `use_file`'s) with villages and former names."""
        return _default()

    # ------------------------------------------------------------------ lookups

    def get(self, code: str) -> Place | None:
        """The place with exactly this code (old codes are not followed: see `resolve`)."""
        return self._by_code.get(code)

    def resolve(self, code: str) -> Place | None:
        """The place for a code, following the aliases of old codes; None when unknown."""
        place = self._by_code.get(code)
        if place is not None:
            return place
        current = self._aliases.get(code)
        return self._by_code.get(current) if current is not None else None

    def __getitem__(self, code: str) -> Place:
        """The place for a code, following old codes like `resolve`; KeyError when unknown.

        Callers that index with a stored code (a coordinator's scope, a report's place) keep
        working after the reform retired that code: they get the place it joined. Use `get`
        to ask whether a code is current.
        """
        place = self.resolve(code)
        if place is None:
            raise KeyError(code)
        return place

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

    def villages(self, code: str) -> list[Place]:
        """The villages of an aiyl aimak (old codes followed), in file order; [] when none."""
        place = self.resolve(code)
        if place is None:
            raise KeyError(code)
        return [p for p in self._children[place.code] if p.level == "village"]

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
        """Whether `scope_code` is `place_code` or an ancestor of it (old codes followed)."""
        scope = self.resolve(scope_code)
        place = self.resolve(place_code)
        if scope is None or place is None:
            return False
        return any(p.code == scope.code for p in self._chains[place.code])

    def oblast_of(self, code: str) -> Place:
        """The oblast the place lies in; for Bishkek and Osh (no oblast), the city itself."""
        return self.ancestors(code)[-1]

    def rayon_of(self, code: str) -> Place | None:
        """The rayon-rank unit (rayon or city) holding the place, or itself; None for an oblast."""
        return next((p for p in self.ancestors(code) if p.rank == 1), None)

    def path_name(self, code: str, locale: str) -> str:
        """The place and its ancestors, e.g. "Ак-Сай, Баткен району, Баткен облусу"."""
        return ", ".join(p.name(locale) for p in self.ancestors(code))

    def locate(self, code: str) -> Location | None:
        """The nearest coordinates up the chain: the village, else its aiyl aimak's centre,
        else the middle of that aiyl aimak's located villages (precision
        "aiyl_aimak_villages"), else the rayon's centre, and so on; None for an unknown code
        or none on the way."""
        place = self.resolve(code)
        if place is None:
            return None
        for step in self._chains[place.code]:
            if step.lat is not None and step.lon is not None:
                return Location(step.lat, step.lon, step.code, step.level)
            if (middle := self._middles.get(step.code)) is not None:
                return Location(*middle, step.code, VILLAGES_MIDDLE)
        return None

    def former_names(self, code: str | None = None) -> list[FormerName]:
        """Former names of one place (old codes followed), or of every place, in file order."""
        if code is None:
            return list(self._former)
        place = self.resolve(code)
        if place is None:
            return []
        return [f for f in self._former if f.code == place.code]

    def find(
        self,
        text: str,
        within: str | None = None,
        limit: int = 8,
        levels: Collection[str] | None = None,
    ) -> list[Match]:
        """Places whose name (any locale, or a former name) starts with what was typed.

        `within` keeps places under that code (itself included; old codes followed; unknown
        codes find nothing); `levels` keeps those levels. Best first: a whole-name match before
        a later-word match ("нияз" finds "Молдо Нияз"), a current name before a former one, a
        name typed in full before a longer one, then higher levels, then file order. One match
        per place.
        """
        key = search_key(text)
        if not key or limit <= 0:
            return []
        scope: Place | None = None
        if within is not None:
            scope = self.resolve(within)
            if scope is None:
                return []
        best: dict[int, tuple[tuple[int, int, int, int, int], _Entry]] = {}
        start = bisect.bisect_left(self._keys, key)
        for entry in self._entries[start:]:
            if not entry.key.startswith(key):
                break
            place = self._places[entry.place_index]
            if levels is not None and place.level not in levels:
                continue
            if scope is not None and all(p.code != scope.code for p in self._chains[place.code]):
                continue
            rank = (
                0 if entry.whole else 1,
                0 if entry.former is None else 1,
                0 if entry.key == key else 1,
                place.rank,
                entry.place_index,
            )
            held = best.get(entry.place_index)
            if held is None or rank < held[0]:
                best[entry.place_index] = (rank, entry)
        ordered = sorted(best.values(), key=lambda item: item[0])[:limit]
        return [Match(self._places[e.place_index], e.name, e.former) for _, e in ordered]


# ---------------------------------------------------------------------- helpers


def _lines(path: Path, source: str) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 file (a leading BOM and CRLF endings are tolerated)."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for number, chunk in enumerate(data.split(b"\n"), start=1):
        try:
            yield number, chunk.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise GazetteerError(source, number, f"not UTF-8 ({exc.reason})") from exc


def _split(line: str, source: str, number: int, width: int) -> list[str]:
    """The stripped cells of one CSV line, without the empty cells spreadsheets append."""
    try:
        cells = [c.strip() for c in next(csv.reader([line], strict=True))]
    except csv.Error as exc:
        raise GazetteerError(source, number, f"bad CSV: {exc}") from exc
    while len(cells) > width and not cells[-1]:
        cells.pop()
    return cells


def _rows(
    path: Path, source: str, check_header: _HeaderCheck
) -> Iterator[tuple[int, dict[str, str]]]:
    """Numbered rows of a CSV file as {column: cell}, after its checked header."""
    header: tuple[str, ...] | None = None
    for number, line in _lines(path, source):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if header is None:
            cells = _split(line, source, number, len(BASE_COLUMNS))
            header = tuple(c.lower() for c in cells)
            problem = check_header(header)
            if problem:
                raise GazetteerError(source, number, problem)
            continue
        cells = _split(line, source, number, len(header))
        if len(cells) != len(header):
            raise GazetteerError(
                source, number, f"expected {len(header)} columns, found {len(cells)}"
            )
        yield number, dict(zip(header, cells, strict=True))
    if header is None:
        raise GazetteerError(source, 1, "no header row")


class _HeaderCheck:
    """Checks a header row; returns why it is wrong, or None."""

    def __init__(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        self.required = required
        self.optional = optional

    def __call__(self, header: tuple[str, ...]) -> str | None:
        expected = ",".join(self.required)
        if header[: len(self.required)] != self.required:
            return f"expected the header to start with {expected!r}"
        extra = header[len(self.required) :]
        unknown = [c for c in extra if c not in self.optional]
        if unknown:
            return f"unknown column {unknown[0]!r}: use {', '.join(self.optional)}"
        if len(set(extra)) != len(extra):
            return "a column is named twice"
        return None


_PLACE_HEADER: Final = _HeaderCheck(BASE_COLUMNS, OPTIONAL_COLUMNS)
_FORMER_HEADER: Final = _HeaderCheck(FORMER_COLUMNS[:4], FORMER_COLUMNS[4:])


def _read_places(path: Path, source: str) -> Iterator[tuple[int, Place]]:
    for number, row in _rows(path, source, _PLACE_HEADER):
        yield number, _parse_place(row, source, number)


def _parse_place(row: Mapping[str, str], source: str, number: int) -> Place:
    code, level, parent = row["code"], row["level"], row["parent"]
    if not _CODE_RE.fullmatch(code):
        raise GazetteerError(
            source, number, f"bad code {code!r}: use 1-24 characters of A-Z, 0-9 and '-'"
        )
    if level not in _RANK:
        raise GazetteerError(
            source, number, f"unknown level {level!r}: use one of {', '.join(LEVELS)}"
        )
    names = {locale: row[f"name_{locale}"] for locale in LOCALES}
    for locale, name in names.items():
        if not name:
            raise GazetteerError(source, number, f"{code}: empty name_{locale}")
    if "source" in row and not row["source"]:
        raise GazetteerError(source, number, f"{code}: missing source")
    status = row.get("status", "") or "current"
    if status not in STATUSES:
        raise GazetteerError(
            source, number, f"{code}: unknown status {status!r}: use {' or '.join(STATUSES)}"
        )
    lat, lon = _coordinates(row, source, number, code)
    bbox = _bbox(row.get("bbox", ""), source, number, code)
    return Place(
        code=code,
        level=level,
        parent=parent or None,
        names=MappingProxyType(names),
        lat=lat,
        lon=lon,
        centre=row.get("centre", ""),
        soate=row.get("soate", ""),
        status=status,
        source=row.get("source", ""),
        note=row.get("note", ""),
        bbox=bbox,
    )


def _number(text: str, what: str, source: str, number: int, code: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise GazetteerError(source, number, f"{code}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise GazetteerError(source, number, f"{code}: {what} {text!r} is not a number")
    return value


def _coordinates(
    row: Mapping[str, str], source: str, number: int, code: str
) -> tuple[float | None, float | None]:
    lat_text, lon_text = row.get("lat", ""), row.get("lon", "")
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        raise GazetteerError(source, number, f"{code}: give both lat and lon, or neither")
    lat = _number(lat_text, "lat", source, number, code)
    lon = _number(lon_text, "lon", source, number, code)
    if not COUNTRY_BOX.contains(lat, lon):
        raise GazetteerError(
            source,
            number,
            f"{code}: coordinates {lat}, {lon} lie outside the Kyrgyz Republic ({COUNTRY_BOX})",
        )
    return lat, lon


def _bbox(text: str, source: str, number: int, code: str) -> Box | None:
    if not text:
        return None
    parts = text.split(";")
    if len(parts) != 4:
        raise GazetteerError(source, number, f"{code}: bbox is lat_min;lon_min;lat_max;lon_max")
    lat_min, lon_min, lat_max, lon_max = (
        _number(p.strip(), "bbox", source, number, code) for p in parts
    )
    if lat_min >= lat_max or lon_min >= lon_max:
        raise GazetteerError(source, number, f"{code}: bbox minimum is not below its maximum")
    return Box(lat_min, lon_min, lat_max, lon_max)


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


def _box_problem(place: Place, by_code: Mapping[str, Place]) -> str | None:
    """Why the place's coordinates lie outside the box of a unit above it, or None."""
    if place.lat is None or place.lon is None:
        return None
    step: Place | None = place
    while step is not None:
        if step.bbox is not None and not step.bbox.contains(place.lat, place.lon):
            return (
                f"{place.code}: coordinates {place.lat}, {place.lon} lie outside the box of "
                f"{step.code} ({step.bbox})"
            )
        step = by_code.get(step.parent) if step.parent else None
    return None


def _read_former(path: Path, source: str) -> Iterator[tuple[int, FormerName]]:
    for number, row in _rows(path, source, _FORMER_HEADER):
        code = row["code"]
        names = {locale: row[f"name_{locale}"] for locale in LOCALES}
        if not any(names.values()):
            raise GazetteerError(source, number, f"{code}: a former name needs a name")
        old_code = row.get("old_code", "")
        if old_code and not _CODE_RE.fullmatch(old_code):
            raise GazetteerError(source, number, f"bad old code {old_code!r}")
        changed = row.get("changed", "")
        if changed and not _DATE_RE.fullmatch(changed):
            raise GazetteerError(
                source, number, f"{code}: changed {changed!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
            )
        if "source" in row and not row["source"]:
            raise GazetteerError(source, number, f"{code}: missing source")
        yield (
            number,
            FormerName(
                code=code,
                names=MappingProxyType({k: v for k, v in names.items() if v}),
                old_code=old_code,
                changed=changed,
                source=row.get("source", ""),
                note=row.get("note", ""),
            ),
        )


def _former_problem(
    item: FormerName, by_code: Mapping[str, Place], aliases: Mapping[str, str]
) -> str | None:
    """Why a former name cannot be attached, or None."""
    if item.code not in by_code:
        return f"unknown code {item.code!r}: a former name belongs to a current place"
    if item.old_code:
        if item.old_code in by_code:
            return f"old code {item.old_code!r} is still a current code"
        if item.old_code in aliases and aliases[item.old_code] != item.code:
            return f"old code {item.old_code!r} already points at {aliases[item.old_code]!r}"
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
            _default_value = Gazetteer.load(_default_path, VILLAGES_PATH, former=FORMER_PATH)
        return _default_value
