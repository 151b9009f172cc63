"""The shipped gazetteer and its loader's checks."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

import bot
from bot.gazetteer import DEFAULT_PATH, LOCALES, VILLAGES_PATH, Gazetteer, GazetteerError, Place

HEADER = "code,level,parent,name_ky,name_ru,name_en"
BATKEN_TARGETS = {
    "BA-BAT-AKS": ("Ак-Сай", "Ак-Сай", "Ak-Say"),
    "BA-BAT-AKT": ("Ак-Татыр", "Ак-Татыр", "Ak-Tatyr"),
    "BA-BAT-KBK": ("Кара-Бак", "Кара-Бак", "Kara-Bak"),
    "BA-BAT-SAM": ("Самаркандек", "Самаркандек", "Samarkandek"),
    # The brief's "Tort-Kul": Төрт-Гүл, the Törtgül reservoir's aiyl aimak.
    "BA-BAT-TGL": ("Төрт-Гүл", "Терт-Гюль", "Tort-Gul"),
}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load(DEFAULT_PATH)


def write(tmp_path: Path, *rows: str, comments: bool = True) -> Path:
    lines = ["# test gazetteer", "# second comment line"] if comments else []
    lines += [HEADER, "BA,oblast,,Баткен облусу,Баткенская область,Batken Region", *rows]
    path = tmp_path / "gazetteer.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def error_for(path: Path) -> GazetteerError:
    with pytest.raises(GazetteerError) as info:
        Gazetteer.load(path)
    return info.value


# ---------------------------------------------------------------- shipped data


def test_shipped_file_loads_with_expected_shape(gaz: Gazetteer) -> None:
    counts = Counter(p.level for p in gaz)
    assert counts["oblast"] == 7
    assert counts["rayon"] == 40
    assert counts["aiyl_aimak"] >= 5
    assert len(gaz) == sum(counts.values())
    assert set(counts) <= {"oblast", "rayon", "city", "aiyl_aimak"}


def test_default_is_cached_and_matches_the_file(gaz: Gazetteer) -> None:
    first = Gazetteer.default()
    assert Gazetteer.default() is first
    # The default adds the villages file after the places file, in file order.
    villages = Gazetteer.load(DEFAULT_PATH, VILLAGES_PATH)
    assert [p.code for p in first] == [p.code for p in villages]
    assert [p.code for p in first][: len(gaz)] == [p.code for p in gaz]
    # Shipped inside the package, so an installed wheel finds it without a checkout.
    assert Path(bot.__file__).parent / "data" / "gazetteer.csv" == DEFAULT_PATH


def test_seven_oblasts(gaz: Gazetteer) -> None:
    assert [p.name("en") for p in gaz.oblasts()] == [
        "Batken Region",
        "Chui Region",
        "Issyk-Kul Region",
        "Jalal-Abad Region",
        "Naryn Region",
        "Osh Region",
        "Talas Region",
    ]
    assert all(p.parent is None for p in gaz.oblasts())


def test_rayons_per_oblast(gaz: Gazetteer) -> None:
    per_oblast = {o.code: len(gaz.children(o.code)) for o in gaz.oblasts()}
    assert per_oblast == {"BA": 3, "CH": 8, "IK": 5, "JA": 8, "NA": 5, "OS": 7, "TA": 4}


def test_cities_of_republican_significance_stand_alone(gaz: Gazetteer) -> None:
    top = {p.code for p in gaz.top_level()}
    assert top == {o.code for o in gaz.oblasts()} | {"BISHKEK", "OSH-CITY"}
    bishkek = gaz["BISHKEK"]
    assert bishkek.level == "city"
    assert gaz.oblast_of("BISHKEK") == bishkek
    assert gaz.rayon_of("BISHKEK") == bishkek
    assert gaz.path_name("OSH-CITY", "ky") == "Ош шаары"


def test_batken_has_its_three_rayons(gaz: Gazetteer) -> None:
    rayons = gaz.children("BA")
    assert [(p.code, p.level) for p in rayons] == [
        ("BA-BAT", "rayon"),
        ("BA-KAD", "rayon"),
        ("BA-LEI", "rayon"),
    ]
    assert [p.name("ky") for p in rayons] == ["Баткен району", "Кадамжай району", "Лейлек району"]
    assert [p.name("ru") for p in rayons] == [
        "Баткенский район",
        "Кадамжайский район",
        "Лейлекский район",
    ]
    assert [p.name("en") for p in rayons] == [
        "Batken District",
        "Kadamjay District",
        "Leilek District",
    ]


@pytest.mark.parametrize(("code", "names"), sorted(BATKEN_TARGETS.items()))
def test_target_aiyl_aimaks_under_batken_rayon(
    gaz: Gazetteer, code: str, names: tuple[str, str, str]
) -> None:
    place = gaz[code]
    assert place.level == "aiyl_aimak"
    assert place.parent == "BA-BAT"
    assert (place.name("ky"), place.name("ru"), place.name("en")) == names
    assert place in gaz.children("BA-BAT")


def test_every_batken_rayon_has_aiyl_aimaks(gaz: Gazetteer) -> None:
    for rayon in gaz.children("BA"):
        kids = gaz.children(rayon.code)
        assert kids, rayon.code
        assert {k.level for k in kids} == {"aiyl_aimak"}


def test_codes_fit_callback_data(gaz: Gazetteer) -> None:
    for place in gaz:
        assert re.fullmatch(r"[A-Z0-9-]{1,24}", place.code), place.code
        assert len(place.code.encode("ascii")) <= 24
        if place.parent is not None:
            assert place.code.startswith(place.parent + "-") or place.level == "city"


def test_names_are_complete_and_in_the_right_script(gaz: Gazetteer) -> None:
    latin = re.compile(r"[A-Za-z]")
    cyrillic = re.compile(r"[А-Яа-яЁёӨөҮүҢң]")
    for place in gaz:
        assert set(place.names) == set(LOCALES), place.code
        assert all(v == v.strip() and v for v in place.names.values()), place.code
        assert not latin.search(place.names["ky"]), place.code
        assert not latin.search(place.names["ru"]), place.code
        assert not cyrillic.search(place.names["en"]), place.code
        assert place.names["en"].isascii(), place.code


def test_kyrgyz_names_use_kyrgyz_letters(gaz: Gazetteer) -> None:
    ky = {p.code: p.name("ky") for p in gaz}
    assert ky["IK"] == "Ысык-Көл облусу"
    assert ky["CH"] == "Чүй облусу"
    assert ky["OS-CHA"] == "Чоң-Алай району"
    assert ky["BA-LEI-KTL"] == "Кең-Талаа"


# ---------------------------------------------------------------- hierarchy


def test_ancestors_run_from_place_to_oblast(gaz: Gazetteer) -> None:
    assert [p.code for p in gaz.ancestors("BA-BAT-AKS")] == ["BA-BAT-AKS", "BA-BAT", "BA"]
    assert [p.code for p in gaz.ancestors("BA-BAT")] == ["BA-BAT", "BA"]
    assert [p.code for p in gaz.ancestors("BA")] == ["BA"]
    with pytest.raises(KeyError):
        gaz.ancestors("NOPE")


def test_covers(gaz: Gazetteer) -> None:
    assert gaz.covers("BA", "BA-BAT-AKS")
    assert gaz.covers("BA-BAT", "BA-BAT-AKS")
    assert gaz.covers("BA-BAT-AKS", "BA-BAT-AKS")
    assert not gaz.covers("BA-KAD", "BA-BAT-AKS")
    assert not gaz.covers("BA-BAT-AKS", "BA-BAT")
    assert not gaz.covers("CH", "BA-BAT-AKS")
    assert not gaz.covers("NOPE", "BA")
    assert not gaz.covers("BA", "NOPE")


def test_children_and_descendants(gaz: Gazetteer) -> None:
    assert gaz.children("BA-BAT-AKS") == []
    kids = [p.code for p in gaz.children("BA-BAT")]
    assert kids[:2] == ["BA-BAT-AKS", "BA-BAT-AKT"]
    assert set(BATKEN_TARGETS) <= set(kids)
    below = gaz.descendants("BA")
    assert [p.code for p in below[:2]] == ["BA-BAT", "BA-BAT-AKS"]
    assert all(gaz.covers("BA", p.code) for p in below)
    with pytest.raises(KeyError):
        gaz.children("NOPE")


def test_oblast_rayon_and_lookup(gaz: Gazetteer) -> None:
    assert gaz.oblast_of("BA-BAT-SAM").code == "BA"
    assert gaz.oblast_of("BA").code == "BA"
    rayon = gaz.rayon_of("BA-BAT-SAM")
    assert rayon is not None
    assert rayon.code == "BA-BAT"
    assert gaz.rayon_of("BA") is None
    assert gaz.get("NOPE") is None
    assert "BA-BAT" in gaz
    assert "NOPE" not in gaz
    with pytest.raises(KeyError):
        gaz["NOPE"]


def test_path_name_per_locale(gaz: Gazetteer) -> None:
    assert gaz.path_name("BA-BAT-AKS", "ky") == "Ак-Сай, Баткен району, Баткен облусу"
    assert gaz.path_name("BA-BAT-AKS", "ru") == "Ак-Сай, Баткенский район, Баткенская область"
    assert gaz.path_name("BA-BAT-AKS", "en") == "Ak-Say, Batken District, Batken Region"


def test_name_falls_back_to_russian_then_english() -> None:
    full = Place("X", "oblast", None, {"ky": "Кы", "ru": "Ру", "en": "En"})
    assert full.name("ky") == "Кы"
    assert full.name("ky_KG") == "Кы"
    assert full.name("EN-us") == "En"
    assert full.name("kg") == "Кы"
    assert full.name("de") == "Ру"
    no_ky = Place("X", "oblast", None, {"ru": "Ру", "en": "En"})
    assert no_ky.name("ky") == "Ру"
    only_en = Place("X", "oblast", None, {"ky": "", "en": "En"})
    assert only_en.name("ky") == "En"


def test_places_are_hashable_values(gaz: Gazetteer) -> None:
    assert gaz["BA"] == Gazetteer.load(DEFAULT_PATH)["BA"]
    assert len({gaz["BA"], gaz["BA"], gaz["CH"]}) == 2


# ---------------------------------------------------------------- broken files
# write() puts two comment lines and the header on lines 1-3, oblast BA on line 4.


def test_minimal_file_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "BA-BAT,rayon,BA,Баткен району,Баткенский район,Batken District",
        "",
        "# a comment between rows",
        "BA-BAT-AKS,aiyl_aimak,BA-BAT,Ак-Сай,Ак-Сай,Ak-Say",
    )
    gaz = Gazetteer.load(path)
    assert [p.code for p in gaz] == ["BA", "BA-BAT", "BA-BAT-AKS"]


def test_children_may_precede_parents(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "BA-BAT-AKS,aiyl_aimak,BA-BAT,Ак-Сай,Ак-Сай,Ak-Say",
        "BA-BAT,rayon,BA,Баткен району,Баткенский район,Batken District",
    )
    assert Gazetteer.load(path).covers("BA", "BA-BAT-AKS")


def test_bom_crlf_quotes_and_trailing_empty_cells_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = (
        f'{HEADER},,\r\nBA,oblast,,"Баткен облусу","Баткенская область, ""B""",Batken Region,,\r\n'
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    place = Gazetteer.load(path)["BA"]
    assert place.name("ru") == 'Баткенская область, "B"'


def test_bad_level(tmp_path: Path) -> None:
    path = write(tmp_path, "BA-BAT,district,BA,Баткен району,Баткенский район,Batken District")
    err = error_for(path)
    assert str(err).startswith(f"{path}:5: ")
    assert "district" in str(err)
    assert err.line == 5


def test_duplicate_code(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "BA-BAT,rayon,BA,Баткен району,Баткенский район,Batken District",
        "BA-BAT,rayon,BA,Кадамжай району,Кадамжайский район,Kadamjay District",
    )
    err = error_for(path)
    assert str(err).startswith(f"{path}:6: ")
    assert "duplicate" in str(err)
    assert "line 5" in str(err)


def test_unknown_parent(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "BA-BAT,rayon,BA,Баткен району,Баткенский район,Batken District",
        "BA-BAT-AKS,aiyl_aimak,BA-XXX,Ак-Сай,Ак-Сай,Ak-Say",
    )
    err = error_for(path)
    assert str(err).startswith(f"{path}:6: ")
    assert "BA-XXX" in str(err)


def test_parent_must_be_one_level_up(tmp_path: Path) -> None:
    path = write(tmp_path, "BA-AKS,aiyl_aimak,BA,Ак-Сай,Ак-Сай,Ak-Say")
    assert str(error_for(path)).startswith(f"{path}:5: ")
    path = write(tmp_path, "BA-BAT,rayon,,Баткен району,Баткенский район,Batken District")
    assert str(error_for(path)).startswith(f"{path}:5: ")
    path = write(tmp_path, "CH,oblast,BA,Чүй облусу,Чуйская область,Chui Region")
    assert str(error_for(path)).startswith(f"{path}:5: ")


@pytest.mark.parametrize(
    "row",
    [
        "BA-BAT,rayon,BA,Баткен району,Баткенский район",
        "BA-BAT,rayon,BA,Баткен району,Баткенский район,Batken District,extra",
        "BA-BAT",
    ],
)
def test_wrong_column_count(tmp_path: Path, row: str) -> None:
    path = write(tmp_path, row)
    err = error_for(path)
    assert str(err).startswith(f"{path}:5: ")
    assert "columns" in str(err)


@pytest.mark.parametrize(
    "row",
    [
        "BA-BAT,rayon,BA,,Баткенский район,Batken District",
        "BA-BAT,rayon,BA,Баткен району,  ,Batken District",
        "BA-BAT,rayon,BA,Баткен району,Баткенский район,",
    ],
)
def test_missing_name(tmp_path: Path, row: str) -> None:
    path = write(tmp_path, row)
    err = error_for(path)
    assert str(err).startswith(f"{path}:5: ")
    assert "empty name" in str(err)


@pytest.mark.parametrize(
    "code", ["ba-bat", "BA BAT", "BA_BAT", "", "Б-1", "A" * 25, "BA-BAT-AKS-TOO-LONG-CODEX"]
)
def test_bad_code(tmp_path: Path, code: str) -> None:
    path = write(tmp_path, f"{code},rayon,BA,Баткен району,Баткенский район,Batken District")
    err = error_for(path)
    assert str(err).startswith(f"{path}:5: ")
    assert "code" in str(err)


def test_bad_header(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.csv"
    path.write_text("# comment\ncode,level,parent,ky,ru,en\nBA,oblast,,Б,Б,B\n", encoding="utf-8")
    assert str(error_for(path)).startswith(f"{path}:2: ")
    path.write_text("# only comments\n\n", encoding="utf-8")
    assert str(error_for(path)).startswith(f"{path}:1: ")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.csv"
    path.write_bytes(f"{HEADER}\n".encode() + "BA,oblast,,Баткен,Баткен,Batken\n".encode("cp1251"))
    assert str(error_for(path)).startswith(f"{path}:2: ")


def test_unterminated_quote(tmp_path: Path) -> None:
    path = write(tmp_path, 'BA-BAT,rayon,BA,"Баткен району,Баткенский район,Batken District')
    assert str(error_for(path)).startswith(f"{path}:5: ")


def test_error_is_a_value_error(tmp_path: Path) -> None:
    path = write(tmp_path, "BA-BAT,rayon,BA,,Баткенский район,Batken District")
    with pytest.raises(ValueError, match=r":5: "):
        Gazetteer.load(path)


def test_constructor_rejects_bad_links() -> None:
    oblast = Place("BA", "oblast", None, {"ky": "Б", "ru": "Б", "en": "B"})
    orphan = Place("BA-X", "rayon", "CH", {"ky": "Б", "ru": "Б", "en": "B"})
    with pytest.raises(ValueError, match="unknown parent"):
        Gazetteer([oblast, orphan])
    with pytest.raises(ValueError, match="duplicate"):
        Gazetteer([oblast, oblast])
