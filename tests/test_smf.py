"""The byte-level reader: it agrees with mido on good files and names what and where on bad ones."""

from __future__ import annotations

import io

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapkit import smf
from mapkit.smf import MidiFileError, parse, scan_track

from conftest import CORPORA, corpus_files, needs_shared
from midi_builders import END, TEMPO_120, meta, note_off, note_on, smf_bytes

GOOD = smf_bytes([[(0, TEMPO_120), (0, note_on(10, 36, 100)), (96, note_off(10, 36)), (0, END)]], fmt=0)


def error_of(data: bytes, **kw) -> MidiFileError:
    with pytest.raises(MidiFileError) as info:
        s = parse(data, **kw)
        for i in range(len(s.tracks)):
            scan_track(s, i)
    message = str(info.value)
    assert "\n" not in message and message
    return info.value


@pytest.mark.parametrize("data,words,offset", [
    (b"", "empty file", None),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "RIFF/WAV", 0),
    (b"hello, this is text", "not a MIDI file", 0),
    (b"MThd\x00\x00\x00\x06\x00", "truncated header", 9),
    (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\xe7\x28", "SMPTE", 12),
    (b"MThd\x00\x00\x00\x06\x00\x02\x00\x01\x00\x60MTrk\x00\x00\x00\x04\x00\xff\x2f\x00", "format 2", 8),
    (b"MThd\x00\x00\x00\x06\x00\x07\x00\x01\x00\x60", "unknown MIDI file format 7", 8),
    (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x00", "0 ticks per beat", 12),
    (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk\x00\x00\x01\x00\x00\x90", "truncated", 18),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x00\x60MTrk\x00\x00\x00\x04\x00\xff\x2f\x00", "declares 2 tracks", 10),
])
def test_bad_headers_say_what_and_where(data, words, offset):
    e = error_of(data)
    assert words in str(e)
    assert e.offset == offset


def _one_track(body: bytes) -> bytes:
    return b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk" + len(body).to_bytes(4, "big") + body


@pytest.mark.parametrize("body,words", [
    (b"\x00\x24\x64", "running status with no status byte"),
    (b"\x00\x99\x24", "ends in the middle of an event"),
    (b"\x00\x99\x24\xe4", "data byte above 127 in a note-on"),
    (b"\x00\xf0\x05\x01\x02", "sysex of 5 bytes runs past the end"),
    (b"\x00\xff\x03\x20abc", "meta event of 32 bytes runs past the end"),
    (b"\x81\x81\x81\x81\x01\x99\x24\x40", "delta time longer than 4 bytes"),
    (b"\x00\xf4", "status byte 0xf4 is not allowed"),
    (b"\x00\xf0\x01\xf7\x00\x24\x40", "running status with no status byte"),  # sysex cancels running status
])
def test_bad_events_name_track_and_byte(body, words):
    e = error_of(_one_track(body))
    assert words in str(e)
    assert e.track == 0 and e.offset is not None and 22 <= e.offset <= 22 + len(body)


def test_huge_file_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.mid"
    p.write_bytes(GOOD + bytes(200))
    with pytest.raises(MidiFileError, match="over the 100-byte limit") as info:
        smf.read(p, max_size=100)
    assert str(info.value).startswith(str(p))


def test_meta_keeps_running_status_as_mido_does():
    body = b"\x00\x99\x24\x40\x00\xff\x01\x01x\x10\x24\x00\x00\xff\x2f\x00"
    ev = scan_track(parse(_one_track(body)), 0)
    assert ev.status == [0x99, 0x99] and ev.ticks == [0, 16]


def test_trailing_bytes_and_format_0_with_two_tracks_are_read():
    s = parse(GOOD + b"\x00\x00\x01")
    assert s.trailing_bytes == 3
    two = smf_bytes([[(0, END)], [(0, END)]], fmt=0)
    assert len(parse(two).tracks) == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.sampled_from(["on", "off", "cc", "pc", "meta", "sysex"]),
                          st.integers(1, 16), st.integers(0, 127)), max_size=80), st.booleans())
def test_agrees_with_mido_on_valid_files(events, running):
    raw = []
    for delta, kind, ch, v in events:
        raw.append((delta, {"on": note_on(ch, v, 64), "off": note_off(ch, v, v), "cc": bytes([0xB0 | ch - 1, 4, v]),
                            "pc": bytes([0xC0 | ch - 1, v]), "meta": meta(0x01, bytes(v % 7)),
                            "sysex": bytes([0xF0, 2, v, 0xF7])}[kind]))
    data = smf_bytes([raw + [(0, END)]], fmt=0, running=running)
    ev = scan_track(parse(data), 0)
    ticks, tick = [], 0
    channel_msgs = []
    for m in mido.MidiFile(file=io.BytesIO(data)).tracks[0]:
        tick += m.time
        if not m.is_meta and m.type != "sysex":
            channel_msgs.append(m)
            ticks.append(tick)
    assert ev.ticks == ticks
    assert [s & 0x0F for s in ev.status] == [m.channel for m in channel_msgs]


@needs_shared
def test_every_corpus_file_is_read_or_refused_in_one_line():
    files = corpus_files(CORPORA, "*")
    assert len(files) > 1000
    refused = 0
    for p in files:
        try:
            s = smf.read(p)
            for i in range(len(s.tracks)):
                scan_track(s, i)
        except MidiFileError as e:
            refused += 1
            named = e if e.path else e.at(p)
            assert "\n" not in str(named) and str(named).startswith(str(p))
    assert refused >= 20  # the broken/ folder and the non-MIDI files beside the corpora
