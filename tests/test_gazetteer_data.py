"""The shipped gazetteer data: coverage, stated counts, sources, coordinates and search."""

from __future__ import annotations

import pytest

from bot.gazetteer import COUNTRY_BOX, FORMER_PATH, Gazetteer

# Rural communities (aiyl aimaks) per rayon BEFORE the 2023-2025 reform, as the sources state
# them (also listed in the header of data/gazetteer.csv):
#   Wikipedia "Districts of Kyrgyzstan", column "Rural communities": the Chui rayons, Ak-Suu and
#   Issyk-Kul; en.wikipedia-on-ipfs "Leilek_District": 9; en.wikipedia "Toktogul_District": 10;
#   ru.frwiki "District_de_Tong": 9; for.kg news-790081 (Tup, "на базе 13 айыльных аймаков"): 13.
STATED_PRE_REFORM = {
    "CH-ALA": 17,
    "CH-CHU": 10,
    "CH-JAI": 12,
    "CH-KEM": 11,
    "CH-MOS": 12,
    "CH-PAN": 6,
    "CH-SOK": 19,
    "CH-YSA": 18,
    "IK-AKS": 14,
    "IK-YSK": 12,
    "IK-TUP": 13,
    "IK-TON": 9,
    "JA-TOK": 10,
    "BA-LEI": 9,
}
# The oblasts whose aiyl aimaks are listed (the programme's four and Batken); Naryn and Talas
# have rayons only so far (see the data header).
WITH_AIYL_AIMAKS = ("BA", "CH", "IK", "JA", "OS")


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
    for rayon in gaz.children(oblast):
        assert aiyl_aimaks(gaz, rayon.code), rayon.code


@pytest.mark.parametrize(("rayon", "stated"), sorted(STATED_PRE_REFORM.items()))
def test_pre_reform_counts_match_the_sources(gaz: Gazetteer, rayon: str, stated: int) -> None:
    # A pre-reform unit is one with a СОАТЕ code: a row here, or a former name merged away.
    listed = [p for p in gaz.children(rayon) if p.level == "aiyl_aimak" and p.soate]
    assert len(listed) == stated


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


def test_villages_of_a_border_aiyl_aimak(gaz: Gazetteer) -> None:
    names = [v.name("ru") for v in gaz.villages("BA-LEI-KAT")]
    assert names[0] == "Катран"
    assert len(names) == 3
    assert all(v.level == "village" for v in gaz.villages("BA-LEI-TGB"))
    assert gaz.villages("BA-BAT-KSH") == []


def test_locate_walks_up_to_the_nearest_coordinates(gaz: Gazetteer) -> None:
    village = gaz.locate("BA-LEI-KAT-KAT")
    assert village is not None and village.precision == "village"
    # A village without coordinates takes its aiyl aimak's centre.
    jangy = next(v for v in gaz.villages("BA-LEI-KAT") if v.coords is None)
    centre = gaz.locate(jangy.code)
    assert centre is not None
    assert (centre.code, centre.precision) == ("BA-LEI-KAT", "aiyl_aimak")
    assert (centre.lat, centre.lon) == gaz["BA-LEI-KAT"].coords
    # An aiyl aimak without coordinates takes its rayon's centre.
    rayon = gaz.locate("BA-BAT-KSH")
    assert rayon is not None and (rayon.code, rayon.precision) == ("BA-BAT", "rayon")
    assert gaz.locate("NOPE") is None


def test_app_start_up_loads_the_shipped_files() -> None:
    from bot import gazetteer as module

    loaded = Gazetteer.load(module.DEFAULT_PATH, module.VILLAGES_PATH, former=module.FORMER_PATH)
    assert len(loaded) == len(Gazetteer.default())
