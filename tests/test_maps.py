"""Maps as data: the vocabulary, the schema, the shipped maps, user maps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mapkit
from mapkit import MapError, check_map_file, fallback_chain, list_maps, load_map, nearest, vocabulary
from mapkit.maps import note_name

SHIPPED = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "mappings").glob("*.json"))
GM = load_map("gm")
REQUIRED = {"gm", "ni-studio-drummer", "ni-abbey-road-80s", "ezdrummer", "ezdrummer1", "superior-drummer-3",
            "dfh-superior", "dfh-original", "roland-td", "addictive-drums-2", "ssd5"}


def test_the_eleven_maps_of_the_issue_ship():
    assert REQUIRED <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_map_loads_and_cites_its_sources(name):
    m = load_map(name)
    assert m.name == name and m.confidence in ("high", "medium", "low")
    ids = {s.id for s in m.sources}
    assert all(n.source in ids for n in m.notes), "every note cites a source of the map"
    # every note of every map reaches a GM note
    for n in m.notes:
        place = nearest(n.articulation, GM.articulations)
        assert place is not None and GM.notes_for(place.articulation), (name, n)


def test_every_fallback_chain_ends_without_cycle_at_a_gm_articulation():
    gm_arts = set(GM.articulations)
    for name in vocabulary():
        chain = fallback_chain(name)
        assert len(chain) == len(set(chain))
        assert any(a in gm_arts for a in chain), chain


def test_facts_from_the_research():
    assert load_map("ni-studio-drummer").articulation_of(60) == "kick_open"  # NI's C3 is a kick
    assert load_map("ezdrummer").articulation_of(60).startswith("hihat_open")  # EZdrummer's C3 is an open hat
    assert GM.articulation_of(60) == "bongo_high"
    assert load_map("roland-td").articulation_of(22) == "hihat_closed_edge"
    assert load_map("roland-td").articulation_of(58) == "tom_floor_1_rim"
    assert load_map("roland-td").drum_channel == 10 and GM.drum_channel == 10
    dfh = load_map("dfh-original")  # left/right layout: 36 left kick, 64 right kick, 62 right snare
    assert dfh.articulation_of(64).startswith("kick") and dfh.articulation_of(62).startswith("snare")
    assert note_name(36, "C3=60") == "C1" and note_name(36, "C4=60") == "C2" and note_name(60, "C5=60") == "C5"
    assert load_map("ni-studio-drummer").note_name(60) == "C3"


def test_fallbacks_of_the_issue():
    assert fallback_chain("hihat_open_3")[:2] == ("hihat_open_3", "hihat_open")
    assert "hihat_closed" in fallback_chain("hihat_open_3")
    assert "snare_center" in fallback_chain("snare_rimshot")
    assert fallback_chain("ride_edge")[1] == "ride_bow"
    assert fallback_chain("crash_2")[1] == "crash_1"
    assert nearest("hihat_open_4", GM.articulations).articulation == "hihat_open"


def _valid(**over) -> dict:
    m = {"name": "my-kit", "title": "My kit", "confidence": "low", "sources": [{"id": "me", "title": "my ears"}],
         "notes": [{"note": 36, "articulation": "kick", "source": "me"},
                   {"note": 38, "articulation": "snare_center", "source": "me"}]}
    m.update(over)
    return m


@pytest.mark.parametrize("change,words", [
    ({"notes": [{"note": 36, "articulation": "kick"}, {"note": 36, "articulation": "snare_center"}]}, "duplicate note 36"),
    ({"notes": [{"note": 128, "articulation": "kick"}]}, "less than or equal to 127"),
    ({"notes": [{"note": -1, "articulation": "kick"}]}, "greater than or equal to 0"),
    ({"notes": [{"note": 36, "articulation": "kick_drum_xl"}]}, "unknown articulation 'kick_drum_xl'"),
    ({"drum_channel": 17}, "drum_channel"),
    ({"drum_channel": 0}, "drum_channel"),
    ({"notes": [{"note": 36, "articulation": "kick", "source": "nobody"}]}, "unknown source 'nobody'"),
    ({"notes": [{"note": 36, "articulation": "kick", "velocity": [1, 80]},
                {"note": 36, "articulation": "kick_open", "velocity": [60, 127]}]}, "overlap"),
    ({"octave_convention": "C2=60"}, "octave_convention"),
    ({"colour": "red"}, "colour"),
])
def test_schema_rejects_each_kind_of_broken_map_with_a_message_naming_it(tmp_path, change, words):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(_valid(**change)))
    with pytest.raises(MapError) as info:
        check_map_file(p)
    assert words in str(info.value) and str(p) in str(info.value)


def test_bad_json_says_where(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"name": "x",\n "title": }')
    with pytest.raises(MapError, match="line 2"):
        check_map_file(p)


def test_velocity_layers_split_one_note(tmp_path):
    m = mapkit.DrumMap.model_validate(_valid(notes=[
        {"note": 36, "articulation": "kick", "velocity": [1, 63]},
        {"note": 36, "articulation": "kick_open", "velocity": [64, 127]}]))
    assert m.articulation_of(36, 20) == "kick" and m.articulation_of(36, 100) == "kick_open"


def test_user_maps_by_folder_and_by_path(tmp_path, monkeypatch):
    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / "my-kit.json").write_text(json.dumps(_valid()))
    monkeypatch.setenv("MAPKIT_MAPS", str(folder))
    assert "my-kit" in {m.name for m in list_maps()}
    assert load_map("my-kit").articulation_of(38) == "snare_center"
    p = tmp_path / "elsewhere.json"
    p.write_text(json.dumps(_valid(name="elsewhere")))
    assert load_map(str(p)).name == "elsewhere"
    with pytest.raises(MapError, match="unknown map 'nope'"):
        load_map("nope")


def test_schema_is_generated_from_the_models():
    schema = mapkit.map_schema()
    assert schema["title"] == "mapkit drum map"
    assert {"name", "notes", "sources", "confidence"} <= set(schema["required"])


ARTS = sorted(vocabulary())


@st.composite
def random_maps(draw):
    notes = draw(st.lists(st.integers(0, 127), min_size=1, max_size=40, unique=True))
    return mapkit.DrumMap.model_validate({
        "name": "random", "title": "Random", "confidence": draw(st.sampled_from(["high", "medium", "low"])),
        "drum_channel": draw(st.one_of(st.none(), st.integers(1, 16))),
        "sources": [{"id": "s", "title": "generated"}],
        "notes": [{"note": n, "articulation": draw(st.sampled_from(ARTS)), "source": "s",
                   "preferred": draw(st.booleans())} for n in notes],
    })


@settings(max_examples=150, deadline=None)
@given(m=random_maps(), art=st.sampled_from(ARTS))
def test_random_maps_validate_round_trip_and_place_every_articulation(m, art):
    again = mapkit.DrumMap.model_validate_json(m.model_dump_json())
    assert again == m
    place = nearest(art, m.articulations)
    if place is not None:
        assert place.articulation in m.articulations
    # every random map converts to GM and back without losing a known note
    plan = mapkit.plan_conversion(m, "gm")
    for n in m.notes:
        route = plan.route(n.note)
        assert route.target_note is not None and GM.articulation_of(route.target_note) is not None
