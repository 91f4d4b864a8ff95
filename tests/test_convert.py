"""The conversion engine: lossless, exact, explained."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mapkit
from mapkit.convert import ConversionError, convert_bytes, convert_file, convert_library, plan_conversion
from mapkit.smf import MidiFileError

from conftest import BROKEN, CORPORA, GM_SONGS, corpus_files, needs_shared
from midi_builders import (
    END,
    FOUR_FOUR,
    TEMPO_120,
    cc,
    lossless_diff,
    loop,
    messages,
    meta,
    note_off,
    note_on,
    smf_bytes,
)

MAP_NAMES = sorted(m.name for m in mapkit.list_maps())


def expected_routes(src: bytes, plan, drum_channel: int) -> list[list[int | None]]:
    """For every message of every track, the note number the output must carry (None: not a drum note).

    An independent model of the rules: note-ons go where the plan routes them (given the
    hi-hat pedal's last value), each note-off follows its own note-on, oldest first.
    """
    out = []
    for track in messages(src):
        active: dict[int, list[int]] = {}
        pedal = None
        row: list[int | None] = []
        for _, m in track:
            if m.type == "control_change" and m.channel == drum_channel - 1 and m.control == plan.hihat_cc:
                pedal = m.value
            if m.type not in ("note_on", "note_off", "polytouch") or m.channel != drum_channel - 1:
                row.append(None)
                continue
            route = plan.route(m.note, m.velocity if m.type == "note_on" else 100, pedal)
            target = route.target_note
            if m.type == "note_on" and m.velocity > 0:
                active.setdefault(m.note, []).append(target)
            elif m.type == "polytouch":
                target = active[m.note][-1] if active.get(m.note) else target
            elif active.get(m.note):
                target = active[m.note].pop(0)
            row.append(target)
        out.append(row)
    return out


def assert_exact(src: bytes, plan, result) -> None:
    ch_in = result.report.drum_channel_in
    diff = lossless_diff(src, result.data, ch_in, plan.out_channel)
    assert not diff, "\n".join(diff.problems[:10])
    if ch_in is None:
        assert result.data == src
        return
    want = expected_routes(src, plan, ch_in)
    for t, (rows, expect) in enumerate(zip(messages(result.data), want)):
        for k, ((_, m), note) in enumerate(zip(rows, expect)):
            if note is not None:
                assert m.note == note, f"track {t} message {k}: {m} should be note {note}"


# -- generated files (hypothesis) -------------------------------------------

channels = st.integers(1, 16)


@st.composite
def midi_files(draw):
    """Random but valid SMFs: drums on 10 or on the map's channel, other instruments, controllers,
    sysex, metas, pitch bend, program changes, note-off velocities, running status."""
    n_tracks = draw(st.integers(1, 4))
    fmt = 0 if n_tracks == 1 and draw(st.booleans()) else 1
    drum_ch = draw(st.sampled_from([10, 10, 1, 2]))
    tracks = []
    for t in range(n_tracks):
        ev = []
        if t == 0:
            ev += [(0, TEMPO_120), (0, FOUR_FOUR)]
        if draw(st.booleans()):
            ev.append((0, meta(0x03, draw(st.binary(max_size=12)))))
        sounding: list[tuple[int, int]] = []
        for _ in range(draw(st.integers(0, 60))):
            delta = draw(st.sampled_from([0, 0, 1, 30, 120, 240, 480, 200000]))
            kind = draw(st.sampled_from(["on", "on", "on", "off", "off", "cc", "other", "sysex", "meta", "bend",
                                         "pc", "poly"]))
            ch = drum_ch if draw(st.integers(0, 3)) else draw(channels)
            if kind == "on":
                note = draw(st.integers(0, 127))
                ev.append((delta, note_on(ch, note, draw(st.integers(1, 127)))))
                sounding.append((ch, note))
            elif kind == "off" and sounding:
                ch, note = sounding.pop(draw(st.integers(0, len(sounding) - 1)))
                if draw(st.booleans()):
                    ev.append((delta, note_off(ch, note, draw(st.integers(0, 127)))))
                else:
                    ev.append((delta, note_on(ch, note, 0)))
            elif kind == "cc":
                ev.append((delta, cc(ch, draw(st.sampled_from([4, 4, 7, 10, 64, 1])), draw(st.integers(0, 127)))))
            elif kind == "other":
                ev.append((delta, note_on(draw(st.sampled_from([1, 2, 3])), draw(st.integers(0, 127)), 90)))
            elif kind == "sysex":
                payload = draw(st.binary(max_size=8).map(lambda b: bytes(x & 0x7F for x in b)))
                ev.append((delta, bytes([0xF0]) + bytes([len(payload) + 1]) + payload + b"\xf7"))
            elif kind == "meta":
                ev.append((delta, meta(draw(st.sampled_from([0x01, 0x06, 0x7F])), draw(st.binary(max_size=200)))))
            elif kind == "bend":
                ev.append((delta, bytes([0xE0 | (ch - 1), draw(st.integers(0, 127)), draw(st.integers(0, 127))])))
            elif kind == "pc":
                ev.append((delta, bytes([0xC0 | (ch - 1), draw(st.integers(0, 127))])))
            elif kind == "poly":
                ev.append((delta, bytes([0xA0 | (ch - 1), draw(st.integers(0, 127)), draw(st.integers(0, 127))])))
        for ch, note in sounding:
            ev.append((draw(st.sampled_from([0, 60])), note_off(ch, note)))
        ev.append((0, END))
        tracks.append(ev)
    return smf_bytes(tracks, fmt=fmt, tpb=draw(st.sampled_from([96, 480, 960, 1])), running=draw(st.booleans()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=midi_files(), source=st.sampled_from(MAP_NAMES), target=st.sampled_from(MAP_NAMES))
def test_generated_files_convert_losslessly(data, source, target):
    plan = plan_conversion(source, target)
    result = convert_bytes(data, plan)
    if result.report.collisions:
        # Collisions drop the quieter duplicate; everything that is not a drum note still matches.
        a, b = messages(data), messages(result.data)
        drum = result.report.drum_channel_in - 1
        for ta, tb in zip(a, b):
            keep = lambda rows, ch: [(t, m.copy(time=0)) for t, m in rows
                                     if not (m.type in ("note_on", "note_off", "polytouch") and m.channel == ch)]
            assert keep(ta, drum) == keep(tb, (plan.out_channel or result.report.drum_channel_in) - 1)
        assert_well_formed(data, result)
        return
    assert_exact(data, plan, result)


def _on_off(data: bytes) -> tuple[int, int, bool]:
    """Note-ons, note-offs, and whether some note-off ever came with no note of its number sounding."""
    ons = offs = 0
    orphan = False
    for track in messages(data):
        sounding: dict[tuple[int, int], int] = {}
        for _, m in track:
            if m.type not in ("note_on", "note_off"):
                continue
            key = (m.channel, m.note)
            if m.type == "note_on" and m.velocity:
                ons += 1
                sounding[key] = sounding.get(key, 0) + 1
            elif m.type in ("note_on", "note_off"):
                offs += 1
                if sounding.get(key, 0) == 0:
                    orphan = True
                else:
                    sounding[key] -= 1
    return ons, offs, orphan


def assert_well_formed(src: bytes, result) -> None:
    """Each collision removes exactly one note-on and its note-off; no stray note-off appears."""
    in_on, in_off, in_orphan = _on_off(src)
    out_on, out_off, out_orphan = _on_off(result.data)
    n = result.report.collisions
    assert n > 0
    assert (out_on, out_off) == (in_on - n, in_off - n)
    if not in_orphan:
        assert not out_orphan


@settings(max_examples=100, deadline=None)
@given(data=midi_files())
def test_same_map_changes_nothing(data):
    """gm -> gm renumbers nothing: the bytes come out identical."""
    result = convert_bytes(data, "gm", "gm")
    assert result.data == data


# -- real files --------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("folder,source,targets", [
    ("groove-midi", "roland-td", ["gm", "ni-abbey-road-80s", "ezdrummer"]),
    ("gm-songs", "gm", ["ni-studio-drummer", "addictive-drums-2", "roland-td"]),
    ("broken", "gm", ["ezdrummer"]),
])
def test_every_corpus_file_converts_exactly(folder, source, targets):
    files = corpus_files(CORPORA / folder)
    assert files, f"no files in {CORPORA / folder}"
    plans = [plan_conversion(source, t) for t in targets]
    converted = failed = 0
    for path in files:
        data = path.read_bytes()
        try:
            mido.MidiFile(file=io.BytesIO(data))
            mido_ok = True
        except Exception:
            mido_ok = False
        for plan in plans:
            try:
                result = convert_bytes(data, plan, path=str(path))
            except MidiFileError as e:
                assert "\n" not in str(e)
                failed += 1
                break
            if not mido_ok:
                continue  # mido cannot read it either; our reader's stricter checks are tested elsewhere
            if result.report.collisions:
                assert_well_formed(data, result)
            else:
                assert_exact(data, plan, result)
            converted += 1
    assert converted > 0
    if folder != "broken":
        assert failed == 0


@needs_shared
def test_groove_midi_to_gm_puts_every_note_on_a_gm_note(groove_files):
    gm = mapkit.load_map("gm")
    plan = plan_conversion("roland-td", "gm")
    total = 0
    for path in groove_files[::10]:
        result = convert_bytes(path.read_bytes(), plan)
        assert result.report.unknown == [], (path, result.report.unknown)
        for _, m in messages(result.data)[-1]:
            if m.type == "note_on" and m.velocity:
                assert m.channel == 9
                assert gm.articulation_of(m.note) is not None
                total += 1
    assert total > 1000


# -- the rules, one by one ---------------------------------------------------


def test_channel_1_export_moves_to_channel_10_and_keeps_other_channels():
    # An EZdrummer-style export: drums on channel 1 with running status, plus a controller on channel 1.
    ev = [(0, TEMPO_120), (0, cc(1, 7, 100)), (0, note_on(1, 36, 100)), (0, note_on(1, 38, 90)),
          (120, note_off(1, 36, 10)), (0, note_off(1, 38, 20)), (0, cc(1, 7, 90)), (0, note_on(1, 36, 80)),
          (120, note_on(1, 36, 0)), (0, END)]
    data = smf_bytes([ev], fmt=0, running=True)
    target = mapkit.load_map("gm")
    source = _map_on_channel_1()
    result = convert_bytes(data, source, target)
    assert result.report.drum_channel_in == 1 and result.report.drum_channel_out == 10
    out = [m for _, m in messages(result.data)[0]]
    assert [m.channel for m in out if m.type.startswith("note")] == [9] * 6
    assert [(m.channel, m.value) for m in out if m.type == "control_change"] == [(0, 100), (0, 90)]
    assert [m.velocity for m in out if m.type == "note_off"] == [10, 20]
    assert not lossless_diff(data, result.data, 1, 10)


def _map_on_channel_1():
    gm = mapkit.load_map("gm").model_dump()
    gm.update(name="gm-on-1", drum_channel=1)
    return mapkit.DrumMap.model_validate(gm)


def test_collision_keeps_one_note_with_the_louder_velocity():
    src = mapkit.load_map("ni-studio-drummer")
    kicks = [n.note for n in src.notes if n.articulation in ("kick", "kick_open")]
    assert len(kicks) >= 2
    a, b = kicks[:2]
    ev = [(0, note_on(10, a, 70)), (0, note_on(10, b, 110)), (100, note_off(10, a, 1)), (5, note_off(10, b, 2)),
          (0, END)]
    data = smf_bytes([ev], fmt=0)
    result = convert_bytes(data, src, "gm")
    assert result.report.collisions == 1
    notes = [(m.type, m.note, m.velocity) for _, m in messages(result.data)[0] if m.type.startswith("note")]
    assert notes == [("note_on", 36, 110), ("note_off", 36, 1)]
    # The dropped note-off's time is not lost: End of Track stays at tick 105.
    assert messages(result.data)[0][-1][0] == 105


def test_same_source_note_retriggered_is_not_a_collision():
    ev = [(0, note_on(10, 40, 70)), (10, note_on(10, 40, 90)), (10, note_off(10, 40)), (10, note_off(10, 40)),
          (0, END)]
    data = smf_bytes([ev], fmt=0)
    result = convert_bytes(data, "roland-td", "gm")
    assert result.report.collisions == 0
    assert len(messages(result.data)[0]) == len(messages(data)[0])


def test_unmapped_policies():
    ev = [(0, note_on(10, 36, 100)), (0, note_on(10, 120, 100)), (10, note_off(10, 120)), (0, note_off(10, 36)),
          (0, END)]
    data = smf_bytes([ev], fmt=0)
    kept = convert_bytes(data, "gm", "ezdrummer", unmapped="keep")
    assert [m.note for _, m in messages(kept.data)[0] if m.type.startswith("note")].count(120) == 2
    assert [(p.note, p.count, p.first_tick) for p in kept.report.unknown] == [(120, 1, 0)]
    dropped = convert_bytes(data, "gm", "ezdrummer", unmapped="drop")
    assert [m.note for _, m in messages(dropped.data)[0] if m.type.startswith("note")] == [36, 36]
    assert messages(dropped.data)[0][-1][0] == 10  # the time of the dropped note-off passes on
    with pytest.raises(ConversionError, match="note 120"):
        convert_bytes(data, "gm", "ezdrummer", unmapped="error")


def test_fallback_is_reported():
    ni = mapkit.load_map("ni-studio-drummer")
    open4 = [n.note for n in ni.notes if n.articulation.startswith("hihat_open_") and n.articulation[-1].isdigit()]
    assert open4
    ev = [(0, note_on(10, open4[-1], 100)), (10, note_off(10, open4[-1])), (0, END)]
    result = convert_bytes(smf_bytes([ev], fmt=0), ni, "gm")
    ((frm, to),) = result.report.fallbacks
    assert to == "hihat_open"
    assert [m.note for _, m in messages(result.data)[0] if m.type == "note_on"] == [46]


def test_hihat_pedal_controller_becomes_notes():
    ni = mapkit.load_map("ni-studio-drummer")
    hh = ni.hihat_controller
    assert hh is not None
    (controlled,) = {n.note for n in ni.notes if n.articulation == hh.articulation}
    plan = plan_conversion(ni, "gm")
    first, last = hh.levels[0], hh.levels[-1]
    ev = [(0, cc(10, hh.controller, 0)), (0, note_on(10, controlled, 100)), (10, note_off(10, controlled)),
          (0, cc(10, hh.controller, 127)), (0, note_on(10, controlled, 100)), (10, note_off(10, controlled)),
          (0, END)]
    result = convert_bytes(smf_bytes([ev], fmt=0), plan)
    got = [m.note for _, m in messages(result.data)[0] if m.type == "note_on"]
    assert got == [plan.route(controlled, 100, 0).target_note, plan.route(controlled, 100, 127).target_note]
    assert got[0] != got[1], (first, last)
    # The pedal itself stays in the file.
    assert sum(1 for _, m in messages(result.data)[0] if m.type == "control_change") == 2


def test_file_without_drums_is_unchanged():
    ev = [(0, note_on(1, 60, 100)), (10, note_off(1, 60)), (0, END)]
    data = smf_bytes([ev], fmt=0)
    result = convert_bytes(data, "gm", "ni-studio-drummer")
    assert result.data == data and result.report.status == "unchanged"


# -- files and folders -------------------------------------------------------


def _library(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    # Both loops use toms, which sit on other notes in EZdrummer and NI than in GM.
    (root / "a" / "one.mid").write_bytes(loop(notes=(36, 38, 42, 50)))
    (root / "a" / "b" / "two.MID").write_bytes(loop(notes=(36, 48, 51)))
    (root / "a" / "notes.txt").write_text("not midi")
    (root / "bad.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x10\x00\x00\x90")


def test_library_mirrors_tree_reports_bad_file_and_keeps_sources(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    _library(src)
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    report = convert_library(src, out, "gm", "ezdrummer")
    assert report.count("converted") == 2
    assert report.skipped_not_midi == 1
    (bad,) = report.failed
    assert bad.path.endswith("bad.mid") and "truncated" in bad.reason
    assert (out / "a" / "one.mid").is_file() and (out / "a" / "b" / "two.MID").is_file()
    assert {p: p.read_bytes() for p in src.rglob("*") if p.is_file()} == before
    assert not [p for p in out.rglob("*mapkit-tmp*")]
    # A re-run skips what is up to date; other options redo it.
    again = convert_library(src, out, "gm", "ezdrummer")
    assert again.count("up_to_date") == 2
    other = convert_library(src, out, "gm", "ni-studio-drummer")
    assert other.count("converted") == 2
    forced = convert_library(src, out, "gm", "ni-studio-drummer", force=True)
    assert forced.count("converted") == 2


def test_output_inside_input_or_equal_is_refused(tmp_path):
    src = tmp_path / "in"
    _library(src)
    with pytest.raises(ConversionError, match="inside"):
        convert_library(src, src / "out", "gm", "ezdrummer")
    with pytest.raises(ConversionError, match="--in-place"):
        convert_library(src, src, "gm", "ezdrummer")


def test_in_place_keeps_a_backup(tmp_path):
    src = tmp_path / "in"
    _library(src)
    original = (src / "a" / "one.mid").read_bytes()
    report = convert_library(src, src, "gm", "ezdrummer", in_place=True)
    assert report.count("converted") == 2
    assert (src / "a" / "one.mid.bak").read_bytes() == original
    assert (src / "a" / "one.mid").read_bytes() != original
    converted = (src / "a" / "one.mid").read_bytes()
    with pytest.raises(ConversionError, match="already converted in place"):
        convert_library(src, src, "gm", "ezdrummer", in_place=True)
    assert (src / "a" / "one.mid").read_bytes() == converted


def test_dry_run_writes_nothing(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    _library(src)
    report = convert_library(src, out, "gm", "ezdrummer", dry_run=True)
    assert report.count("converted") == 2 and not out.exists()


def test_parallel_run_gives_the_same_bytes(tmp_path):
    src = tmp_path / "in"
    for i in range(200):
        (src / f"d{i % 7}").mkdir(parents=True, exist_ok=True)
        (src / f"d{i % 7}" / f"{i}.mid").write_bytes(loop(notes=(36, 38 + i % 3, 42), bars=1 + i % 2))
    one = convert_library(src, tmp_path / "one", "gm", "ni-studio-drummer", jobs=1)
    two = convert_library(src, tmp_path / "two", "gm", "ni-studio-drummer", jobs=2)
    assert [f.status for f in one.files] == [f.status for f in two.files]
    assert one.count("converted") + one.count("unchanged") == 200 and one.count("converted") > 100
    for p in (tmp_path / "one").rglob("*.mid"):
        assert p.read_bytes() == (tmp_path / "two" / p.relative_to(tmp_path / "one")).read_bytes()


def test_convert_file_never_raises_for_bad_input(tmp_path):
    for name, data in [("empty.mid", b""), ("text.mid", b"hello world"), ("smpte.mid",
                       b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\xe7\x28MTrk\x00\x00\x00\x04\x00\xff\x2f\x00")]:
        p = tmp_path / name
        p.write_bytes(data)
        r = convert_file(p, tmp_path / "out" / name, "gm", "ezdrummer")
        assert r.status == "failed" and r.reason and "\n" not in r.reason
        assert not (tmp_path / "out" / name).exists()
