"""The articulation vocabulary: families, fallback chains, and how `nearest` places one articulation in a kit."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapkit import fallback_chain, load_map, nearest, vocabulary
from mapkit.articulations import family_of

FAMILIES = {"kick", "snare", "hihat", "tom", "ride", "crash", "china", "splash", "stack", "percussion", "other"}
GM = load_map("gm")
GM_ARTS = set(GM.articulations)
ARTS = list(vocabulary())


def test_file_format_and_names():
    raw = json.loads(resources.files("mapkit").joinpath("articulations.json").read_text("utf-8"))
    assert list(raw) == ["articulations"]
    for entry in raw["articulations"]:
        assert set(entry) == {"name", "family", "description", "fallback"}, entry
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", entry["name"]), entry["name"]
        assert entry["family"] in FAMILIES, entry
        assert entry["description"].strip(), entry["name"]
    assert len(vocabulary()) == len(raw["articulations"]) > 250


@pytest.mark.parametrize("name", ARTS)
def test_every_chain_ends_without_a_cycle_at_an_articulation_gm_has(name):
    chain = fallback_chain(name)
    assert chain[0] == name
    assert len(chain) == len(set(chain)), chain
    assert vocabulary()[chain[-1]].fallback is None
    assert chain[-1] in GM_ARTS, f"{' -> '.join(chain)} ends outside GM"
    # and GM can play it
    place = nearest(name, GM_ARTS)
    assert place is not None and place.articulation in GM_ARTS


def test_every_root_is_a_gm_articulation_and_every_gm_articulation_is_known():
    roots = {a.name for a in vocabulary().values() if a.fallback is None}
    assert roots <= GM_ARTS
    assert GM_ARTS <= set(vocabulary())


def test_variants_stay_in_their_family_until_the_family_root():
    # A snare variant never falls back to a hat, a tom never to a cymbal...: a chain leaves its family at most
    # through the family's own general articulation (china -> crash_2, splash -> crash_2, stack -> china, aux).
    for name, art in vocabulary().items():
        if art.fallback is None:
            continue
        parent = vocabulary()[art.fallback]
        if parent.family != art.family:
            assert name in {"china", "splash", "stack", "aux"}, (name, art.fallback)


@pytest.mark.parametrize("name,start", [
    ("hihat_open_3", ("hihat_open_3", "hihat_open", "hihat_half_open", "hihat_closed")),
    ("snare_rimshot", ("snare_rimshot", "snare_center")),
    ("ride_edge", ("ride_edge", "ride_bow")),
    ("crash_2", ("crash_2", "crash_1")),
    ("kick_2", ("kick_2", "kick")),
    ("kick_open", ("kick_open", "kick")),
    ("crash_3_choke", ("crash_3_choke", "crash_3", "crash_2", "crash_1")),
    ("ride_choke", ("ride_choke", "ride_bow")),
    ("china_choke", ("china_choke", "china")),
    ("tom_rack_2_rimshot", ("tom_rack_2_rimshot", "tom_rack_2", "tom_high_mid")),
    ("hihat_open_cc", ("hihat_open_cc", "hihat_open")),
    ("hihat_foot_splash", ("hihat_foot_splash", "hihat_pedal", "hihat_closed")),
    ("bongo_low", ("bongo_low", "bongo_high")),
])
def test_chains_of_the_issue(name, start):
    assert fallback_chain(name)[: len(start)] == start


def test_gm_toms_chain_downward_and_vendor_toms_fall_to_the_gm_tom_of_their_position():
    assert fallback_chain("tom_high") == ("tom_high", "tom_high_mid", "tom_low_mid", "tom_low", "tom_floor_high",
                                          "tom_floor_low")
    position = {"tom_rack_1": "tom_high", "tom_rack_2": "tom_high_mid", "tom_rack_3": "tom_low_mid",
                "tom_rack_4": "tom_low", "tom_floor_1": "tom_floor_high", "tom_floor_2": "tom_floor_low",
                "tom_floor_3": "tom_floor_2"}
    for tom, parent in position.items():
        assert vocabulary()[tom].fallback == parent
        for suffix in ("_rimshot", "_rim_only", "_flam", "_left", "_right"):
            assert vocabulary()[tom + suffix].fallback == tom


def test_every_choke_falls_back_to_its_own_cymbal():
    for name, art in vocabulary().items():
        if name.endswith("_choke"):
            cymbal = name.removesuffix("_choke")
            assert art.fallback == {"ride": "ride_bow"}.get(cymbal, cymbal), name
            assert family_of(name) == family_of(art.fallback)


def test_the_gm_percussion_set_keeps_gm_names():
    for note, art in {39: "clap", 54: "tambourine", 56: "cowbell", 60: "bongo_high", 64: "conga_low", 69: "cabasa",
                      75: "claves", 76: "woodblock_high", 81: "triangle_open", 82: "shaker", 87: "surdo_open"}.items():
        assert GM.articulation_of(note) == art
        assert family_of(art) == "percussion"


def test_nearest_lands_on_a_kit_level_rather_than_the_closed_hat():
    ni = load_map("ni-studio-drummer")
    place = nearest("hihat_open", ni.articulations)
    assert place is not None and place.articulation.startswith("hihat_open_") and place.up == 0 and place.down == 1
    assert nearest("hihat_open_4", GM.articulations).articulation == "hihat_open"
    assert nearest("snare_rimshot", GM.articulations).articulation == "snare_center"
    assert nearest("tom_floor_1_rimshot", GM.articulations).articulation == "tom_floor_high"
    # GM's closed hat prefers a stick articulation over the pedal, in every shipped kit that has both
    for name in ("ni-studio-drummer", "ezdrummer", "superior-drummer-3", "ssd5", "addictive-drums-2", "bfd3"):
        kit = load_map(name)
        got = nearest("hihat_closed", kit.articulations)
        assert got is not None and got.articulation not in {"hihat_pedal", "hihat_foot_splash"}, (name, got)


def test_nearest_exact_and_empty_and_unrelated():
    assert nearest("kick", ["kick", "snare_center"]).exact
    assert nearest("kick", []) is None
    assert nearest("cowbell", ["kick", "snare_center"]) is None


def test_ties_go_to_preferred_then_vocabulary_order():
    kit = ["snare_center_left", "snare_center_right"]
    assert nearest("snare_center", kit).articulation == "snare_center_left"  # vocabulary order
    assert nearest("snare_center", kit, preferred=["snare_center_right"]).articulation == "snare_center_right"


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(ARTS), kit=st.sets(st.sampled_from(ARTS), max_size=30))
def test_nearest_returns_something_the_kit_has_and_related_to_the_name(name, kit):
    place = nearest(name, kit)
    if place is None:
        # nothing in the kit shares the chain
        chain = set(fallback_chain(name))
        assert not any(chain & set(fallback_chain(k)) for k in kit)
        return
    assert place.articulation in kit
    assert fallback_chain(name)[place.up] in fallback_chain(place.articulation)
    assert fallback_chain(place.articulation).index(fallback_chain(name)[place.up]) == place.down
    if name in kit:
        assert place.exact and place.articulation == name


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(ARTS))
def test_nearest_in_gm_takes_the_first_gm_articulation_on_the_chain_or_one_just_below(name):
    place = nearest(name, GM_ARTS)
    assert place is not None and place.articulation in GM_ARTS
    chain = fallback_chain(name)
    assert not any(a in GM_ARTS for a in chain[: place.up])
    if place.down:  # only where the chain passes a non-GM step with a GM articulation under it (hihat_half_open)
        assert chain[place.up] not in GM_ARTS and place.down == 1
