"""The shipped gazetteer data: coverage, stated counts, sources, coordinates and search."""

from __future__ import annotations

import re

import pytest

from bot.gazetteer import COUNTRY_BOX, FORMER_PATH, Gazetteer

# Aiyl aimaks per rayon at the start of 2023, before the 2023-2025 reform: the National
# Statistical Committee's table of population by aiyl aimak and village (form 9-С, 01.01.2023,
# 452 aiyl aimaks in all), read in a public copy: github.com/Suiunduk/KG-DLI6-NET-CORE,
# original/9-С-01.01.2023 ОСНОВНОЙ.xlsx (commit 1b8e2b3). The sources read before it agree for
# the 23 rayons they state: Wikipedia "Districts of Kyrgyzstan" (the Chui rayons, Ak-Suu,
# Issyk-Kul), the district articles of Leilek, Toktogul, Tong, Kara-Kulja, Alay, Ak-Talaa,
# Aitmatov, Batken, Aravan, Aksy and Kochkor, for.kg 790081 (Tup) and open.kg 69715 (Jeti-Oguz).
STATED_2023 = {
    "BA-BAT": 9, "BA-KAD": 13, "BA-LEI": 9,
    "CH-ALA": 17, "CH-CHU": 10, "CH-JAI": 12, "CH-KEM": 11, "CH-MOS": 12, "CH-PAN": 6,
    "CH-SOK": 19, "CH-YSA": 18,
    "IK-AKS": 14, "IK-JET": 13, "IK-TON": 9, "IK-TUP": 13, "IK-YSK": 12,
    "JA-AKS": 11, "JA-ALB": 8, "JA-BAZ": 8, "JA-CHA": 4, "JA-NOO": 8, "JA-SUZ": 13,
    "JA-TOG": 5, "JA-TOK": 10,
    "NA-AKT": 13, "NA-ATB": 11, "NA-JUM": 13, "NA-KOC": 11, "NA-NAR": 15,
    "OS-ALA": 14, "OS-ARA": 8, "OS-CHA": 3, "OS-KKU": 12, "OS-KSU": 16, "OS-NOO": 16,
    "OS-UZG": 19,
    "TA-AIT": 10, "TA-BAK": 9, "TA-MAN": 5, "TA-TAL": 13,
}  # fmt: skip
SOATE_CITED = re.compile(r"СОАТЕ (\d{14})")
# Aiyl aimaks per rayon AFTER the reform, where a source lists them all: open.kg 69715 (Jeti-Oguz
# "reduced to five"); the Kara-Kulja district site's seven territories (territories-data.ts in
# alabelautoexport-boop/kara-kulja-kg).
STATED_AFTER_REFORM = {"IK-JET": 5, "OS-KKU": 7}
WITH_AIYL_AIMAKS = ("BA", "CH", "IK", "JA", "NA", "OS", "TA")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


def aiyl_aimaks(gaz: Gazetteer, rayon: str) -> list[str]:
    return [p.code for p in gaz.children(rayon) if p.level == "aiyl_aimak"]


def test_default_loads_places_villages_and_former_names(gaz: Gazetteer) -> None:
    levels = {p.level for p in gaz}
    assert levels == {"oblast", "rayon", "city", "aiyl_aimak", "village"}
    assert gaz.former_names()
    assert str(FORMER_PATH) in gaz.source


def test_every_oblast_has_rayons(gaz: Gazetteer) -> None:
    for oblast in gaz.oblasts():
        rayons = [p for p in gaz.children(oblast.code) if p.level == "rayon"]
        assert rayons, oblast.code


@pytest.mark.parametrize("oblast", WITH_AIYL_AIMAKS)
def test_every_rayon_of_the_covered_oblasts_has_aiyl_aimaks(gaz: Gazetteer, oblast: str) -> None:
    rayons = [p for p in gaz.children(oblast) if p.level == "rayon"]
    assert rayons
    for rayon in rayons:
        assert aiyl_aimaks(gaz, rayon.code), rayon.code


def test_the_table_of_2023_states_every_rayon(gaz: Gazetteer) -> None:
    rayons = {p.code for p in gaz if p.level == "rayon"}
    assert set(STATED_2023) == rayons
    assert sum(STATED_2023.values()) == 452  # the reform's "452 into 231"


@pytest.mark.parametrize(("rayon", "stated"), sorted(STATED_2023.items()))
def test_pre_reform_counts_match_the_statistics_table(
    gaz: Gazetteer, rayon: str, stated: int
) -> None:
    # Each unit of 2023 is still here by its СОАТЕ code: a row of its own, or a unit the reform
    # merged away or joined to a city, whose former name cites the code. Units that ended
    # before 2023 (Bazar-Korgon became a town in 2021) are not in the table.
    prefix = gaz[rayon].soate[:8]
    listed = {p.soate for p in gaz.children(rayon) if p.level == "aiyl_aimak" and p.soate}
    merged = {
        code
        for former in gaz.former_names()
        if former.changed >= "2023"
        for code in SOATE_CITED.findall(former.source)
        if code.startswith(prefix) and code[8] == "8" and code.endswith("000")  # an aiyl aimak
    }
    assert len(listed | merged) == stated


@pytest.mark.parametrize(("rayon", "stated"), sorted(STATED_AFTER_REFORM.items()))
def test_reformed_rayons_list_exactly_the_new_aiyl_aimaks(
    gaz: Gazetteer, rayon: str, stated: int
) -> None:
    listed = [p for p in gaz.children(rayon) if p.level == "aiyl_aimak"]
    assert len(listed) == stated
    assert {p.status for p in listed} == {"current"}
    assert all(p.centre for p in listed), rayon


def test_every_retired_code_resolves_inside_its_oblast(gaz: Gazetteer) -> None:
    retired = [f for f in gaz.former_names() if f.old_code]
    assert len(retired) >= 25
    for former in retired:
        place = gaz.resolve(former.old_code)
        assert place is not None and place.status == "current", former.old_code
        oblast = gaz.oblast_of(place.code).code
        # Aiyl aimaks that joined Bishkek or Osh left their oblast with it.
        assert oblast in (former.old_code.split("-")[0], "BISHKEK", "OSH-CITY"), former.old_code
        assert former.changed, former.old_code


def test_a_report_stored_with_a_merged_code_is_mapped_where_it_went(gaz: Gazetteer) -> None:
    # Kyzyl-Jar joined Alaikuu: stored data keeps counting, and maps to Alaikuu's centre.
    assert gaz.get("OS-KKU-KYZ") is None
    assert gaz["OS-KKU-KYZ"].name("ru") == "Алайкуу"  # a scope saved as Kyzyl-Jar still renders
    assert gaz.covers("OS-KKU-ALA", "OS-KKU-KYZ")
    location = gaz.locate("OS-KKU-KYZ")
    assert location is not None
    assert (location.code, location.precision) == ("OS-KKU-ALA", "aiyl_aimak")
    assert gaz.resolve("CH-ALA-MAE") == gaz["BISHKEK"]
    assert [v.name("ru") for v in gaz.villages("OS-KKU-KYZ")][:2] == ["Кызыл-Жар", "Кайын-Талаа"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Будалык", "OS-ALA-GUL"),
        ("Ырдык", "IK-JET-JET"),
        ("Военно-Антоновка", "CH-SOK-VOE"),
        ("Джергетал", "NA-NAR-JER"),
        ("Сары-Булак", "OS-KKU-SAR"),
    ],
)
def test_a_merged_or_renamed_aiyl_aimak_is_found_by_its_old_name(
    gaz: Gazetteer, typed: str, code: str
) -> None:
    found = gaz.find(typed, within=code.rsplit("-", 1)[0], levels=("aiyl_aimak",))
    assert code in [m.place.code for m in found]
    match = next(m for m in found if m.place.code == code)
    assert match.by_former_name


def test_renamed_villages_keep_their_code_and_old_name(gaz: Gazetteer) -> None:
    muras = gaz["BA-LEI-KTL-MAR"]
    assert (muras.name("ky"), muras.name("ru")) == ("Мурас", "Мурас")
    found = gaz.find("Маргун", within="BA-LEI-KTL", levels=("village",))
    assert [m.place.code for m in found] == ["BA-LEI-KTL-MAR"]
    assert found[0].by_former_name


def test_osh_oblast_has_villages_with_coordinates(gaz: Gazetteer) -> None:
    villages = [p for p in gaz.descendants("OS") if p.level == "village"]
    assert len(villages) >= 90
    located = [v for v in villages if v.coords is not None]
    assert len(located) >= 45
    assert len(gaz.villages("OS-KKU-YLA")) == 9


def test_every_row_names_its_source(gaz: Gazetteer) -> None:
    for place in gaz:
        assert place.source.strip(), place.code
    for former in gaz.former_names():
        assert former.source.strip(), former.code


def test_pre_reform_rows_carry_their_soate_code(gaz: Gazetteer) -> None:
    for place in gaz.by_level("aiyl_aimak"):
        if place.status == "pre_reform":
            assert len(place.soate) == 14 and place.soate.startswith("417"), place.code
            assert place.soate in place.source, place.code


def test_batken_border_aiyl_aimaks_are_kept_as_they_were(gaz: Gazetteer) -> None:
    batken = [p for p in gaz.descendants("BA") if p.level == "aiyl_aimak"]
    assert len(batken) == 31
    assert {p.status for p in batken} == {"current"}
    assert gaz["BA-LEI"].name("ky") == "Лейлек району"
    assert gaz["BA-LEI-KAT"].name("ru") == "Катран"


def test_coordinates_fall_inside_the_country_and_their_oblast(gaz: Gazetteer) -> None:
    located = 0
    for place in gaz:
        if place.coords is None:
            continue
        located += 1
        lat, lon = place.coords
        assert COUNTRY_BOX.contains(lat, lon), place.code
        oblast = gaz.oblast_of(place.code)
        if oblast.bbox is not None:
            assert oblast.bbox.contains(lat, lon), place.code
    assert located >= 40


def test_all_but_seven_aiyl_aimaks_stand_on_the_map_at_their_own_place(gaz: Gazetteer) -> None:
    """354 at a centre a source gives, 60 at the middle of their villages; the seven whose
    villages have no point either stand at their rayon's centre."""
    aimaks = gaz.by_level("aiyl_aimak")
    assert sum(1 for p in aimaks if p.coords is not None) == 354
    precisions: dict[str, int] = {}
    elsewhere = []
    for place in aimaks:
        found = gaz.locate(place.code)
        assert found is not None, place.code
        if found.code != place.code:
            elsewhere.append(place.code)
        else:
            precisions[found.precision] = precisions.get(found.precision, 0) + 1
    assert precisions == {"aiyl_aimak": 354, "aiyl_aimak_villages": 60}
    assert sorted(elsewhere) == [
        "BA-LEI-JJR",
        "CH-SOK-ASY",
        "CH-YSA-NUR",
        "IK-AKS-KAD",
        "JA-AKS-SCH",
        "NA-AKT-KYZ",
        "NA-KOC-SON",
    ]


def test_every_oblast_states_a_box(gaz: Gazetteer) -> None:
    for oblast in gaz.oblasts():
        assert oblast.bbox is not None, oblast.code


def test_codes_are_unique_and_fit_callback_data(gaz: Gazetteer) -> None:
    codes = [p.code for p in gaz]
    assert len(codes) == len(set(codes))
    assert max(len(c) for c in codes) <= 24


def test_former_names_point_at_current_places(gaz: Gazetteer) -> None:
    for former in gaz.former_names():
        assert former.code in gaz
        if former.old_code:
            assert former.old_code not in gaz
            resolved = gaz.resolve(former.old_code)
            assert resolved is not None and resolved.code == former.code


@pytest.mark.parametrize("typed", ["ак сай", "Ak-Say", "Aksai", "АК-САЙ", "ak'say", "Ак"])
def test_typing_finds_ak_say(gaz: Gazetteer, typed: str) -> None:
    found = gaz.find(typed, within="BA-BAT", levels=("aiyl_aimak",))
    assert found[0].place.code == "BA-BAT-AKS"
    assert not found[0].by_former_name


@pytest.mark.parametrize(
    ("typed", "code"),
    [("Маргун", "BA-LEI-KTL"), ("Margun", "BA-LEI-KTL"), ("Халмион", "BA-KAD-ISP")],
)
def test_a_former_name_finds_the_current_place(gaz: Gazetteer, typed: str, code: str) -> None:
    found = gaz.find(typed, levels=("aiyl_aimak",))
    assert found[0].place.code == code
    assert found[0].by_former_name
    assert found[0].former is not None and found[0].former.changed.startswith("2022")


def test_semenovka_finds_kojoyar(gaz: Gazetteer) -> None:
    found = gaz.find("семеновка", levels=("aiyl_aimak",))
    assert [m.place.name("ky") for m in found] == ["Кожояр"]
    assert found[0].by_former_name


def test_merged_aiyl_aimak_finds_the_one_it_joined(gaz: Gazetteer) -> None:
    found = gaz.find("Балтагулов", within="JA")
    assert found[0].place.name("ru") == "Ала-Бука"
    assert found[0].by_former_name


def test_kyrgyz_letters_and_russian_look_alikes_match(gaz: Gazetteer) -> None:
    for typed in ("Кең-Талаа", "Кен-Талаа", "Keng-Talaa", "кентала"):
        assert gaz.find(typed, within="BA-LEI")[0].place.code == "BA-LEI-KTL", typed
    for typed in ("Төрт-Гүл", "Терт-Гюль", "Tort-Gul", "торт гул"):
        assert gaz.find(typed, within="BA-BAT")[0].place.code == "BA-BAT-TGL", typed


def test_a_village_listed_as_centre_is_its_aiyl_aimaks_centre(gaz: Gazetteer) -> None:
    # Village lists name each aiyl aimak's centre; the aiyl aimak row must name the same village.
    centres = [v for v in gaz if v.level == "village" and "centre of its aiyl aimak" in v.note]
    assert len(centres) >= 130
    for village in centres:
        assert village.parent is not None
        assert gaz[village.parent].centre == village.name("ky"), village.code


def test_batken_rayon_lists_the_villages_of_its_nine_aiyl_aimaks(gaz: Gazetteer) -> None:
    # Batken_District (2018): 42 villages in 9 aiyl okmotus, each with its centre. Since then
    # Dostuk (Kara-Bak) passed to Tajikistan and its people moved to Chet-Bulak (Suu-Bashy)
    # (24.kg 321974), and laws gave aiyl status to Min-Bulak and Momunov.
    codes = aiyl_aimaks(gaz, "BA-BAT")
    assert len(codes) == 9
    names = {code: {v.name("ky") for v in gaz.villages(code)} for code in codes}
    for code in codes:
        assert gaz[code].centre in names[code], code
    assert sum(len(n) for n in names.values()) == 42 - 1 + 3
    assert "Достук" not in names["BA-BAT-KBK"]
    assert "Чет-Булак" in names["BA-BAT-SUB"]
    kyshtut = gaz.locate("BA-BAT-KSH")
    assert kyshtut is not None and kyshtut.precision == "aiyl_aimak"  # its centre Tayan is mapped


def test_villages_of_a_border_aiyl_aimak(gaz: Gazetteer) -> None:
    names = [v.name("ru") for v in gaz.villages("BA-LEI-KAT")]
    assert names[0] == "Катран"
    assert len(names) == 3
    assert all(v.level == "village" for v in gaz.villages("BA-LEI-TGB"))
    # Chauvai's only list read is the statistics committee's table of 2023: one village.
    assert [v.name("ru") for v in gaz.villages("BA-KAD-CHA")] == ["Чаувай"]


def test_locate_walks_up_to_the_nearest_coordinates(gaz: Gazetteer) -> None:
    village = gaz.locate("BA-LEI-KAT-KAT")
    assert village is not None and village.precision == "village"
    # A village without coordinates takes its aiyl aimak's centre.
    unmapped = next(v for v in gaz.villages("BA-LEI-TGB") if v.coords is None)
    centre = gaz.locate(unmapped.code)
    assert centre is not None
    assert (centre.code, centre.precision) == ("BA-LEI-TGB", "aiyl_aimak")
    assert (centre.lat, centre.lon) == gaz["BA-LEI-TGB"].coords
    # An aiyl aimak whose centre has no coordinates in the sources read (Ak-Otok) takes the
    # middle of its villages that have some: here Zar-Tash alone.
    tort_gul = gaz.locate("BA-BAT-TGL")
    assert tort_gul is not None
    assert (tort_gul.code, tort_gul.precision) == ("BA-BAT-TGL", "aiyl_aimak_villages")
    assert (tort_gul.lat, tort_gul.lon) == gaz["BA-BAT-TGL-ZAR"].coords
    # One whose villages have no coordinates either takes its rayon's centre.
    assert all(v.coords is None for v in gaz.villages("BA-LEI-JJR"))
    rayon = gaz.locate("BA-LEI-JJR")
    assert rayon is not None and (rayon.code, rayon.precision) == ("BA-LEI", "rayon")
    # One whose centre village has a point takes that point.
    darya = gaz.locate("BA-BAT-DAR")
    assert darya is not None and (darya.code, darya.precision) == ("BA-BAT-DAR", "aiyl_aimak")
    assert (darya.lat, darya.lon) == gaz["BA-BAT-DAR-JNR"].coords
    assert gaz.locate("NOPE") is None


def test_app_start_up_loads_the_shipped_files() -> None:
    from bot import gazetteer as module

    loaded = Gazetteer.load(module.DEFAULT_PATH, module.VILLAGES_PATH, former=module.FORMER_PATH)
    assert len(loaded) == len(Gazetteer.default())
