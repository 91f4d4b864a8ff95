"""Maps as data: the vocabulary, the schema, the shipped maps, user maps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mapkit
from mapkit import MapError, check_map_file, fallback_chain, list_maps, load_map, nearest, vocabulary
from mapkit.maps import note_name

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
SHIPPED = sorted(p.stem for p in MAPPINGS.glob("*.json"))
GM = load_map("gm")
REQUIRED = {"gm", "ni-studio-drummer", "ni-abbey-road-80s", "ezdrummer", "ezdrummer1", "superior-drummer-3",
            "dfh-superior", "dfh-original", "roland-td", "addictive-drums-2", "ssd5"}


def test_the_eleven_maps_of_the_issue_ship():
    assert REQUIRED <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_map_loads_passes_the_schema_and_cites_its_sources(name):
    m = load_map(name)
    assert m.name == name and m.title and m.confidence in ("high", "medium", "low")
    assert check_map_file(MAPPINGS / f"{name}.json") == m
    ids = {s.id for s in m.sources}
    assert len(ids) == len(m.sources), "source ids are unique"
    for n in m.notes:
        assert n.source in ids, f"note {n.note} cites no source of the map"
        assert n.label.strip(), f"note {n.note} has no label"
    assert m.decisions, "every shipped map explains its choices"
    assert not any("Research notes" in d for d in m.decisions)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_note_of_every_shipped_map_reaches_a_gm_note(name):
    for n in load_map(name).notes:
        place = nearest(n.articulation, GM.articulations)
        assert place is not None and GM.notes_for(place.articulation), (name, n)


@pytest.mark.parametrize("name", SHIPPED)
def test_notes_sharing_an_articulation_name_exactly_one_preferred(name):
    m = load_map(name)
    groups: dict[str, list] = {}
    for n in m.notes:
        groups.setdefault(n.articulation, []).append(n)
    for art, group in groups.items():
        if len(group) > 1:
            assert sum(n.preferred for n in group) == 1, (art, [n.note for n in group])
            assert m.notes_for(art)[0].preferred


def test_gm_map():
    assert [n.note for n in GM.notes] == list(range(27, 88))
    assert GM.drum_channel == 10 and GM.confidence == "high"
    for n in GM.notes:
        extra = n.note < 35 or n.note > 81
        assert (n.comment == "GM2/GS only") == extra, n
    assert GM.notes_for("kick")[0].note == 36 and [n.note for n in GM.notes_for("kick")] == [36, 35]
    assert len(GM.articulations) == 60  # 61 notes, 35 and 36 are both kicks
    assert GM.articulation_of(40) == "snare_alt" and GM.articulation_of(59) == "ride_2"


FACTS = {
    "gm": [(36, "kick"), (38, "snare_center"), (42, "hihat_closed"), (60, "bongo_high"), (27, "high_q")],
    "ni-studio-drummer": [(60, "kick_open"), (36, "kick"), (46, "hihat_open_cc"), (39, "snare_rimshot"),
                          (48, "crash_1_tip"), (27, "woodblock_low")],
    "ni-abbey-road-80s": [(60, "kick_open"), (46, "hihat_open_cc"), (80, "hihat_open_full"), (22, "crash_1_choke")],
    "ni-abbey-road-modern": [(82, "kick_half_open"), (59, "splash"), (103, "snare_splash"), (27, "chopper_low")],
    "ni-abbey-road-70s": [(101, "snare_towel"), (57, "cymbal_pang"), (28, "roto_tom_low"), (43, None)],
    "ni-abbey-road-60s": [(60, "kick_felt_beater"), (45, "tom_rack_1"), (41, "tom_floor_1"), (57, "ride_sizzle")],
    "ni-abbey-road-50s": [(57, "ride_bell"), (59, "ride_bow"), (101, "snare_center_left"), (51, None)],
    "ezdrummer": [(60, "hihat_open_4"), (36, "kick"), (48, "tom_rack_1"), (17, "hihat_open_5"), (23, "hihat_foot_splash")],
    "ezdrummer1": [(60, "hihat_open_full"), (50, "tom_rack_1"), (34, "kick"), (59, "ride_edge"), (54, "crash_1_choke")],
    "superior-drummer-3": [(36, "kick"), (35, "kick_open"), (23, "hihat_foot_splash"), (60, "hihat_open_4_edge"),
                           (71, "snare_rim_only")],
    "dfh-superior": [(36, "kick"), (35, "kick_left"), (39, "snare_drag"), (60, "hihat_open_full"), (59, "ride_edge")],
    "dfh-original": [(36, "kick_left"), (64, "kick_right"), (38, "snare_center_left"), (62, "snare_center_right"),
                     (59, "hihat_closed")],
    "roland-td": [(22, "hihat_closed_edge"), (26, "hihat_open_edge"), (40, "snare_rimshot"),
                  (58, "tom_floor_1_rimshot"), (59, "ride_edge")],
    "addictive-drums-2": [(42, "snare_sidestick"), (48, "hihat_pedal"), (60, "ride_bow"), (65, "tom_floor_1"),
                          (77, "crash_1")],
    "ssd5": [(36, "kick"), (72, "hihat_pedal"), (46, "hihat_cc"), (31, "china"), (12, "tom_floor_2_rimshot")],
    "bfd3": [(24, "kick"), (26, "snare_center"), (38, "tom_rack_1"), (37, "hihat_closed_edge")],
    "mt-power-drumkit-2": [(36, "kick"), (65, "hihat_pedal"), (46, "hihat_open"), (58, "crash_2_choke")],
    "getgood-invasion": [(24, "kick"), (22, "kick_adk"), (26, "snare_center"), (78, "stack"), (48, "hihat_pedal")],
}


def test_every_shipped_map_has_facts_checked():
    assert set(FACTS) == set(SHIPPED)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_facts_from_the_research(name):
    m = load_map(name)
    for note, art in FACTS[name]:
        assert m.articulation_of(note) == art, (name, note)


def test_conventions_channels_and_names():
    # NI's C3 is a kick, Toontrack's C3 an open hat, GM's C3 (Cubase naming) a bongo
    ni, ezd = load_map("ni-studio-drummer"), load_map("ezdrummer")
    assert ni.note_name(60) == "C3" and ni.articulation_of(60) == "kick_open"
    assert ezd.note_name(60) == "C3" and ezd.articulation_of(60).startswith("hihat_open")
    assert load_map("roland-td").octave_convention == "C4=60" and load_map("roland-td").note_name(36) == "C2"
    assert load_map("roland-td").drum_channel == 10 and GM.drum_channel == 10
    for name in SHIPPED:
        if name.startswith(("ni-", "ezdrummer", "superior", "dfh")):
            assert load_map(name).octave_convention == "C3=60", name
    assert note_name(36, "C3=60") == "C1" and note_name(36, "C4=60") == "C2" and note_name(60, "C5=60") == "C5"
    dfh = load_map("dfh-original")  # left/right layout: 36 left kick, 64 right kick, 62 right snare
    assert dfh.articulation_of(64).startswith("kick") and dfh.articulation_of(62).startswith("snare")


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("ni-")])
def test_ni_hihat_controller(name):
    m = load_map(name)
    hh = m.hihat_controller
    assert hh is not None and hh.controller == 4 and hh.articulation == "hihat_open_cc"
    assert [n.note for n in m.notes if n.articulation == "hihat_open_cc"] == [46]
    assert hh.articulation_at(0) == "hihat_open_full" and hh.articulation_at(127) == "hihat_closed_tip"
    # openness falls as the pedal closes; every level is an articulation the kit has
    order = [hh.articulation_at(v) for v in range(128)]
    assert all(a in m.articulations for a in order)
    levels = [lv.articulation for lv in hh.levels]
    assert levels == list(dict.fromkeys(order))
    assert any("CC 4" in d and "open" in d for d in m.decisions)


def test_roland_map_knows_every_note_of_the_groove_midi_dataset(groove_files):
    mido = pytest.importorskip("mido")
    td = load_map("roland-td")
    seen: set[int] = set()
    for path in groove_files[::7]:
        for msg in mido.MidiFile(path):
            if msg.type == "note_on" and msg.velocity:
                seen.add(msg.note)
    assert {36, 38, 42, 22, 26, 58} <= seen
    assert seen <= td.known_notes, sorted(seen - td.known_notes)


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
    ({"notes": [{"note": 36, "articulation": "kick", "velocity": [90, 20]}]}, "upside down"),
    ({"notes": []}, "notes"),
    ({"sources": []}, "sources"),
    ({"name": "My Kit"}, "name"),
    ({"confidence": "certain"}, "confidence"),
    ({"hihat_controller": {"articulation": "hihat_open_cc", "levels": [{"up_to": 127, "articulation": "hihat_open"}]}},
     "no note plays"),
    ({"hihat_controller": {"articulation": "kick", "levels": [{"up_to": 100, "articulation": "kick"}]}}, "end at up_to=127"),
])
def test_schema_rejects_each_kind_of_broken_map_with_a_message_naming_it(tmp_path, change, words):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(_valid(**change)))
    with pytest.raises(MapError) as info:
        check_map_file(p)
    assert words in str(info.value) and str(p) in str(info.value)


def test_a_bad_note_is_named_by_number_and_every_problem_is_reported(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(_valid(drum_channel=17, notes=[
        {"note": 36, "articulation": "kick"}, {"note": 200, "articulation": "snare_center"},
        {"note": 40, "articulation": "cowbell_xl"}])))
    with pytest.raises(MapError) as info:
        check_map_file(p)
    text = str(info.value)
    assert "drum_channel" in text and "notes[1] (note 200, 'snare_center')" in text and "cowbell_xl" in text


def test_missing_file_and_name_mismatch(tmp_path, monkeypatch):
    with pytest.raises(MapError, match="no such"):
        check_map_file(tmp_path / "none.json")
    with pytest.raises(MapError, match="no such map file"):
        load_map(str(tmp_path / "none.json"))
    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / "renamed.json").write_text(json.dumps(_valid(name="original")))
    monkeypatch.setenv("MAPKIT_MAPS", str(folder))
    with pytest.raises(MapError, match="renamed"):
        load_map("renamed")


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


def test_user_maps_from_several_folders_shadow_built_ins(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "kit-a.json").write_text(json.dumps(_valid(name="kit-a")))
    mine = _valid(name="gm", title="My GM", notes=[{"note": 35, "articulation": "kick", "source": "me"}])
    (b / "gm.json").write_text(json.dumps(mine))
    monkeypatch.setenv("MAPKIT_MAPS", os.pathsep.join([str(a), str(b)]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert load_map("kit-a").name == "kit-a"
    assert load_map("gm").title == "My GM" and load_map("gm").articulation_of(36) is None
    names = [m.name for m in list_maps()]
    assert names == sorted(names) and "kit-a" in names and set(SHIPPED) <= set(names)
    monkeypatch.delenv("MAPKIT_MAPS")
    assert load_map("gm").title != "My GM"


def test_user_maps_in_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MAPKIT_MAPS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "mapkit" / "maps"
    folder.mkdir(parents=True)
    (folder / "cfg-kit.json").write_text(json.dumps(_valid(name="cfg-kit")))
    assert folder in mapkit.maps.user_map_dirs()
    assert load_map("cfg-kit").articulation_of(36) == "kick"


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
    text = m.model_dump_json()
    again = mapkit.DrumMap.model_validate_json(text)
    assert again == m and again.model_dump_json() == text
    assert json.loads(text)["notes"] == [n.model_dump(mode="json") for n in m.notes]
    place = nearest(art, m.articulations)
    if place is not None:
        assert place.articulation in m.articulations
    # every random map converts to GM and back without losing a known note
    plan = mapkit.plan_conversion(m, "gm")
    for n in m.notes:
        route = plan.route(n.note)
        assert route.target_note is not None and GM.articulation_of(route.target_note) is not None


@settings(max_examples=60, deadline=None)
@given(m=random_maps())
def test_random_maps_load_from_a_file_by_path(tmp_path_factory, m):
    p = tmp_path_factory.mktemp("random") / "random.json"
    p.write_text(m.model_dump_json(indent=2))
    loaded = check_map_file(p)
    assert loaded == m
    for n in m.notes:
        assert loaded.articulation_of(n.note) == n.articulation
    assert loaded.known_notes == {n.note for n in m.notes}


def test_an_edited_user_map_is_read_again(tmp_path, monkeypatch):
    folder = tmp_path / "maps"
    folder.mkdir()
    p = folder / "edited.json"
    p.write_text(json.dumps(_valid(name="edited")))
    monkeypatch.setenv("MAPKIT_MAPS", str(folder))
    assert load_map("edited").articulation_of(38) == "snare_center"
    p.write_text(json.dumps(_valid(name="edited", notes=[{"note": 38, "articulation": "snare_rimshot"}])))
    os.utime(p, (p.stat().st_atime, p.stat().st_mtime + 5))
    assert load_map("edited").articulation_of(38) == "snare_rimshot"
