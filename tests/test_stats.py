"""Groove measures on hand-built grooves whose values are known, and on the Groove MIDI corpus."""

from __future__ import annotations

import io
import json
import statistics
from pathlib import Path

import mido
import pytest
from typer.testing import CliRunner

from mapkit.hits import read_hits
from mapkit.maps import DrumMap, MapError, load_map
from mapkit.stats import bar_layout, collect, compare, groove_stats, overlap_area

from conftest import GROOVE, corpus_files, needs_shared

KICK, SNARE, HAT, CRASH = 36, 38, 42, 49  # GM notes
TPB = 480
STEP = TPB // 4  # a sixteenth


def groove_midi(hits: list[tuple[int, int, int]] | list[tuple[int, int]], *, bars: int | None = None,
                time_signature: tuple[int, int] = (4, 4), tpb: int = TPB, channel: int = 10,
                velocity: int = 100, extra_meta: list[tuple[int, mido.MetaMessage]] = ()) -> bytes:
    """A format-0 file of drum ``hits``: (tick, note) or (tick, note, velocity), each 30 ticks long."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("time_signature", numerator=time_signature[0], denominator=time_signature[1])),
        (0, 0, mido.MetaMessage("set_tempo", tempo=500000)),
    ]
    events += [(t, 0, m) for t, m in extra_meta]
    for h in hits:
        tick, note, vel = (*h, velocity)[:3]
        events.append((tick, 2, mido.Message("note_on", channel=channel - 1, note=note, velocity=vel)))
        events.append((tick + 30, 1, mido.Message("note_off", channel=channel - 1, note=note, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    if bars is not None:
        bar = tpb * 4 * time_signature[0] // time_signature[1]
        track.append(mido.MetaMessage("end_of_track", time=max(0, bars * bar - now)))
    mf = mido.MidiFile(type=0, ticks_per_beat=tpb)
    mf.tracks.append(track)
    buf = io.BytesIO()
    mf.save(file=buf)
    return buf.getvalue()


def rock_beat(bars: int = 4, *, skip: set[tuple[int, int]] = frozenset()) -> list[tuple[int, int]]:
    """Kick on 1 and 3, snare on 2 and 4, closed hat on every eighth; ``skip`` = {(bar, beat)} left silent (0-based)."""
    hits = []
    for b in range(bars):
        for beat in range(4):
            if (b, beat) in skip:
                continue
            t = b * 4 * TPB + beat * TPB
            hits.append((t, KICK if beat in (0, 2) else SNARE))
            hits += [(t, HAT), (t + 2 * STEP, HAT)]
    return hits


def test_a_straight_rock_beat_has_every_downbeat_kick_and_backbeat_snare():
    s = groove_stats(groove_midi(rock_beat(4)), "gm")
    assert s.bars == 4 and s.pulses == 16 and s.onsets == 4 * 12
    assert s.downbeat_kick_rate == 1.0
    assert s.backbeat_snare_rate == 1.0
    assert s.on_grid_rate == 1.0
    assert s.groove_consistency == 1.0
    assert s.empty_beat_rate == 0.0
    assert s.notes_per_bar == 12.0
    assert s.articulation_share == {"hihat_closed": 8 / 12, "kick": 2 / 12, "snare_center": 2 / 12}


def test_snare_on_the_downbeat_and_kick_on_the_backbeat_score_zero():
    swapped = [(t, {KICK: SNARE, SNARE: KICK}.get(n, n)) for t, n in rock_beat(2)]
    s = groove_stats(groove_midi(swapped), "gm")
    assert s.downbeat_kick_rate == 0.0 and s.backbeat_snare_rate == 0.0


def test_one_silent_beat_in_four_bars_is_an_empty_beat_rate_of_one_sixteenth():
    s = groove_stats(groove_midi(rock_beat(4, skip={(1, 2)})), "gm")
    assert s.empty_beat_rate == pytest.approx(1 / 16)
    # The silent beat was a kick on beat 3: downbeats and backbeats are untouched.
    assert s.downbeat_kick_rate == 1.0 and s.backbeat_snare_rate == 1.0


def test_a_silent_bar_inside_the_span_counts_but_lead_in_silence_does_not():
    hits = [(t + 4 * TPB, n) for t, n in rock_beat(1)] + [(t + 12 * TPB, n) for t, n in rock_beat(1)]
    s = groove_stats(groove_midi(hits), "gm")  # bar 1 silent (lead-in), bar 2 plays, bar 3 silent, bar 4 plays
    assert s.bars == 3
    assert s.empty_beat_rate == pytest.approx(4 / 12)
    assert s.downbeat_kick_rate == pytest.approx(2 / 3)


def test_a_perfectly_repeated_loop_has_consistency_one_and_a_changed_bar_lowers_it():
    assert groove_stats(groove_midi(rock_beat(4)), "gm").groove_consistency == 1.0
    # Bar 3 loses one hi-hat: pairs (2,3) and (3,4) differ in 1 of 16 slots, (1,2) in none.
    hits = [h for h in rock_beat(4) if h != (2 * 4 * TPB + 2 * STEP, HAT)]
    s = groove_stats(groove_midi(hits), "gm")
    assert s.groove_consistency == pytest.approx(1 - (0 + 1 / 16 + 1 / 16) / 3)
    # Consistency is about where onsets are, not which drum: swapping kick and snare changes nothing.
    swapped = [(t, SNARE if n == KICK and t >= 8 * TPB else n) for t, n in rock_beat(4)]
    assert groove_stats(groove_midi(swapped), "gm").groove_consistency == 1.0


def test_one_bar_has_no_consistency():
    assert groove_stats(groove_midi(rock_beat(1)), "gm").groove_consistency is None


def test_humanised_timing_beyond_the_tolerance_lowers_the_on_grid_rate_only():
    # Every other note 30 ticks late: a quarter of a sixteenth, beyond the default ±1/8.
    hits = [(t + (30 if i % 2 else 0), n) for i, (t, n) in enumerate(rock_beat(4))]
    s = groove_stats(groove_midi(hits), "gm")
    assert s.on_grid_rate == pytest.approx(0.5)
    assert s.downbeat_kick_rate == 1.0 and s.backbeat_snare_rate == 1.0 and s.groove_consistency == 1.0
    # Within a looser tolerance they are on the grid again; 10 ticks late is within the default.
    assert groove_stats(groove_midi(hits), "gm", tolerance=0.3).on_grid_rate == 1.0
    near = [(t + (10 if i % 2 else 0), n) for i, (t, n) in enumerate(rock_beat(4))]
    assert groove_stats(groove_midi(near), "gm").on_grid_rate == 1.0
    with pytest.raises(ValueError):
        groove_stats(groove_midi(hits), "gm", tolerance=0.8)


def test_a_kick_played_just_before_the_bar_line_is_that_bars_downbeat():
    hits = [(t - 20 if n == KICK and t % (4 * TPB) == 0 and t else t, n) for t, n in rock_beat(4)]
    s = groove_stats(groove_midi(hits), "gm")
    assert s.downbeat_kick_rate == 1.0 and s.bars == 4 and s.on_grid_rate < 1.0


def test_three_four_downbeat_is_beat_one_and_backbeat_is_beat_two():
    bar = 3 * TPB
    hits = []
    for b in range(4):
        hits += [(b * bar, KICK), (b * bar + TPB, SNARE), (b * bar + 2 * TPB, SNARE)]
    s = groove_stats(groove_midi(hits, time_signature=(3, 4)), "gm")
    assert s.time_signature == "3/4" and s.bars == 4 and s.pulses == 12
    assert s.downbeat_kick_rate == 1.0 and s.backbeat_snare_rate == 1.0
    assert s.empty_beat_rate == 0.0 and s.groove_consistency == 1.0 and s.notes_per_bar == 3


def test_six_eight_has_two_pulses_and_the_backbeat_on_the_fourth_eighth():
    eighth = TPB // 2
    bar = 6 * eighth
    hits = []
    for b in range(2):
        hits += [(b * bar, KICK), (b * bar + 3 * eighth, SNARE)]
        hits += [(b * bar + k * eighth, HAT) for k in range(6)]
    s = groove_stats(groove_midi(hits, time_signature=(6, 8)), "gm")
    assert s.time_signature == "6/8" and s.bars == 2 and s.pulses == 4
    assert s.downbeat_kick_rate == 1.0 and s.backbeat_snare_rate == 1.0
    # A snare on the second eighth (not a pulse) is no backbeat.
    moved = [(t - 2 * eighth if n == SNARE else t, n) for t, n in hits]
    assert groove_stats(groove_midi(moved, time_signature=(6, 8)), "gm").backbeat_snare_rate == 0.0


def test_bars_follow_time_signature_changes():
    change = [(4 * TPB, mido.MetaMessage("time_signature", numerator=3, denominator=4))]
    hits = [(0, KICK), (TPB, SNARE), (3 * TPB, SNARE), (4 * TPB, KICK), (5 * TPB, SNARE), (6 * TPB, KICK)]
    data = groove_midi(hits, extra_meta=change)
    bars = bar_layout(read_hits(data, "gm"), 8 * TPB)
    assert [(b.start, b.numerator) for b in bars[:3]] == [(0, 4), (4 * TPB, 3), (7 * TPB, 3)]
    s = groove_stats(data, "gm")
    assert s.bars == 2 and s.pulses == 7 and s.downbeat_kick_rate == 1.0
    assert s.backbeat_snare_rate == 1.0  # beats 2 and 4 of the 4/4 bar, beat 2 of the 3/4 bar


def test_kick_and_snare_are_found_by_family_in_any_map():
    # A made-up sampler with kick on 60, rimshot on 61 and hat on 70: the same groove, the same numbers.
    odd = DrumMap.model_validate({
        "name": "odd", "title": "Odd", "confidence": "low", "drum_channel": None,
        "sources": [{"id": "t", "title": "test"}],
        "notes": [{"note": 60, "articulation": "kick"}, {"note": 61, "articulation": "snare_rimshot"},
                  {"note": 70, "articulation": "hihat_closed"}],
    })
    renumber = {KICK: 60, SNARE: 61, HAT: 70}
    hits = [(t, renumber[n]) for t, n in rock_beat(4)]
    s = groove_stats(groove_midi(hits, channel=1), odd)
    gm = groove_stats(groove_midi(rock_beat(4)), "gm")
    for m in ("downbeat_kick_rate", "backbeat_snare_rate", "groove_consistency", "empty_beat_rate", "on_grid_rate"):
        assert s.measure(m) == gm.measure(m), m
    assert set(s.articulation_share) == {"kick", "snare_rimshot", "hihat_closed"}


def test_unmapped_notes_count_by_number_and_an_empty_file_has_no_rates():
    s = groove_stats(groove_midi([(0, KICK), (TPB, 99)]), "gm")
    assert s.articulation_counts == {"kick": 1, "note 99": 1}
    empty = groove_stats(groove_midi([]), "gm")
    assert empty.onsets == 0 and empty.on_grid_rate is None and empty.downbeat_kick_rate is None


def test_overlap_area():
    assert overlap_area([0.1] * 5, [0.9] * 5, lo=0, hi=1) == 0.0
    assert overlap_area([0.1, 0.5, 0.9], [0.9, 0.5, 0.1], lo=0, hi=1) == pytest.approx(1.0)
    assert overlap_area([0.1, 0.9], [0.1, 0.1], lo=0, hi=1) == pytest.approx(0.5)
    assert overlap_area([], [0.5]) is None
    assert overlap_area([3.0], [3.0]) == 1.0


def test_collect_a_folder_goes_on_past_a_broken_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.mid").write_bytes(groove_midi(rock_beat(2)))
    (tmp_path / "sub" / "b.mid").write_bytes(groove_midi(rock_beat(4, skip={(0, 1)})))
    (tmp_path / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x00")
    (tmp_path / "notes.txt").write_text("not midi")
    s = collect(tmp_path, "gm")
    assert len(s.files) == 2 and len(s.failed) == 1
    path, reason = s.failed[0]
    assert path.endswith("broken.mid") and "\n" not in reason and "broken.mid" not in reason
    assert s.measures["downbeat_kick_rate"].mean == 1.0
    assert s.measures["empty_beat_rate"].mean == pytest.approx((0 + 1 / 16) / 2)
    assert sum(s.articulation_share.values()) == pytest.approx(1.0)
    d = s.to_dict()
    json.dumps(d)
    assert d["summary"]["files"] == 2 and d["failed"][0]["path"].endswith("broken.mid")


def test_compare_a_quantised_set_with_a_humanised_one(tmp_path):
    gen = [groove_midi(rock_beat(4))] * 3
    human = [groove_midi([(t + (30 if i % 2 else 0), n) for i, (t, n) in enumerate(rock_beat(4))])] * 3
    same = compare(gen, gen, "gm")
    assert all(m.overlap == 1.0 for m in same.measures if m.measure != "groove_consistency" or m.overlap is not None)
    assert same.articulation_overlap == pytest.approx(1.0)
    diff = compare(gen, human, "gm")
    by = {m.measure: m for m in diff.measures}
    assert by["on_grid_rate"].overlap == 0.0
    assert by["on_grid_rate"].generated.mean == 1.0 and by["on_grid_rate"].library.mean == 0.5
    assert by["downbeat_kick_rate"].overlap == 1.0
    json.dumps(diff.to_dict())


# -- the command line --------------------------------------------------------


def _cli():
    from mapkit.cli import app

    return CliRunner(), app


def test_cli_stats_json_for_a_file_and_a_folder(tmp_path):
    runner, app = _cli()
    f = tmp_path / "rock.mid"
    f.write_bytes(groove_midi(rock_beat(4)))
    (tmp_path / "bad [v1].mid").write_bytes(b"RIFF....")
    r = runner.invoke(app, ["stats", str(f), "--map", "gm", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["files"][0]["downbeat_kick_rate"] == 1.0
    assert data["summary"]["backbeat_snare_rate"]["mean"] == 1.0
    r = runner.invoke(app, ["stats", str(tmp_path), "--map", "gm"])
    assert r.exit_code == 1
    assert "bad [v1].mid" in r.stderr and "Traceback" not in r.output
    assert len([ln for ln in r.stderr.splitlines() if "bad [v1].mid" in ln]) == 1
    assert "downbeat kick rate" in r.stdout and "rock.mid" in r.stdout


def test_cli_stats_compare(tmp_path):
    runner, app = _cli()
    (tmp_path / "gen").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "gen" / "a.mid").write_bytes(groove_midi(rock_beat(4, skip={(0, 0)})))
    (tmp_path / "lib" / "b.mid").write_bytes(groove_midi(rock_beat(4)))
    r = runner.invoke(app, ["stats", str(tmp_path / "gen"), "--compare", str(tmp_path / "lib"), "--map", "gm",
                            "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    rows = {m["measure"]: m for m in data["measures"]}
    assert rows["downbeat_kick_rate"]["generated"]["mean"] == 0.75 and rows["downbeat_kick_rate"]["overlap"] == 0.0
    assert rows["backbeat_snare_rate"]["overlap"] == 1.0
    r = runner.invoke(app, ["stats", str(tmp_path / "gen"), "--compare", str(tmp_path / "lib"), "--map", "gm"])
    assert r.exit_code == 0 and "overlap" in r.stdout
    r = runner.invoke(app, ["stats", str(tmp_path / "nope"), "--map", "gm"])
    assert r.exit_code == 2 and "no such file" in r.stderr


# -- the Groove MIDI corpus --------------------------------------------------


@pytest.fixture(scope="module")
def groove_map():
    try:
        return load_map("roland-td")
    except MapError as e:
        pytest.skip(f"the roland-td map is not available yet: {e}")


@needs_shared
def test_groove_midi_measures_make_musical_sense(groove_map):
    files = corpus_files(GROOVE)
    if not files:
        pytest.skip(f"Groove MIDI corpus not found at {GROOVE}")
    s = collect(GROOVE, groove_map)
    assert not s.failed and len(s.files) == len(files)
    beats = [f for f in s.files if "_beat_" in Path(f.path).name]
    fills = [f for f in s.files if "_fill_" in Path(f.path).name]
    assert len(beats) > 300 and len(fills) > 300

    def mean(fs, m):
        return statistics.fmean(v for f in fs if (v := f.measure(m)) is not None)

    # Human playing to a click: well above chance (0.25) on the grid, well below a quantised loop.
    assert 0.3 < mean(s.files, "on_grid_rate") < 0.7
    # Grooves repeat and land on their downbeats far more than one-bar fills do.
    assert mean(beats, "downbeat_kick_rate") > mean(fills, "downbeat_kick_rate") + 0.3
    assert mean(beats, "groove_consistency") > mean(fills, "groove_consistency")
    rock = [f for f in beats if "rock" in Path(f.path).name and f.time_signature == "4/4"]
    assert mean(rock, "backbeat_snare_rate") > 0.6 and mean(rock, "downbeat_kick_rate") > 0.6
    shares = s.articulation_share
    assert sum(shares.values()) == pytest.approx(1.0)
    assert {"kick", "snare_center"} <= set(list(shares)[:3])
    assert not any(a.startswith("note ") for a in shares), "roland-td knows every note the TD-11 sent"
    c = compare(collect(fills, groove_map), collect(beats, groove_map), groove_map)
    by = {m.measure: m for m in c.measures}
    assert by["downbeat_kick_rate"].overlap < 0.7 and by["on_grid_rate"].overlap > 0.7
