"""Helpers for tests: write MIDI files byte by byte (with running status on request), and
compare an input file with its conversion message by message."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import mido


def vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def smf_bytes(tracks: list[list[tuple[int, bytes]]], *, fmt: int = 1, tpb: int = 480, running: bool = False) -> bytes:
    """A Standard MIDI File from raw events: each track a list of (delta, event bytes).

    With ``running=True`` a channel event whose status equals the previous one is
    written without its status byte, as many DAWs do.
    """
    out = bytearray(b"MThd" + (6).to_bytes(4, "big") + fmt.to_bytes(2, "big") + len(tracks).to_bytes(2, "big")
                    + tpb.to_bytes(2, "big"))
    for events in tracks:
        body = bytearray()
        last = None
        for delta, ev in events:
            body += vlq(delta)
            if running and ev[0] < 0xF0 and ev[0] == last:
                body += ev[1:]
            else:
                body += ev
            if ev[0] < 0xF0:
                last = ev[0]
            elif ev[0] in (0xF0, 0xF7):
                last = None
        out += b"MTrk" + len(body).to_bytes(4, "big") + body
    return bytes(out)


def note_on(ch: int, note: int, vel: int) -> bytes:
    """``ch`` is 1-16, as musicians count."""
    return bytes([0x90 | (ch - 1), note, vel])


def note_off(ch: int, note: int, vel: int = 64) -> bytes:
    return bytes([0x80 | (ch - 1), note, vel])


def cc(ch: int, number: int, value: int) -> bytes:
    return bytes([0xB0 | (ch - 1), number, value])


def meta(mtype: int, payload: bytes) -> bytes:
    return bytes([0xFF, mtype]) + vlq(len(payload)) + payload


END = meta(0x2F, b"")
TEMPO_120 = meta(0x51, (500000).to_bytes(3, "big"))
FOUR_FOUR = meta(0x58, bytes([4, 2, 24, 8]))


def loop(ch: int = 10, notes=(36, 42, 38, 42), step: int = 240, bars: int = 1, vel: int = 100) -> bytes:
    """A format-0 loop on channel ``ch``: ``notes`` one after another, each ``step`` ticks long."""
    ev: list[tuple[int, bytes]] = [(0, TEMPO_120), (0, FOUR_FOUR)]
    for _ in range(bars * 4):
        for n in notes:
            ev.append((0, note_on(ch, n, vel)))
            ev.append((step, note_off(ch, n, 0x40)))
    ev.append((0, END))
    return smf_bytes([ev], fmt=0)


@lru_cache(maxsize=16)
def _parsed(data: bytes) -> tuple[int, int, tuple[tuple[tuple[int, mido.Message], ...], ...]]:
    # Each input is compared with several conversions: parse it once.
    mf = mido.MidiFile(file=io.BytesIO(data))
    tracks = []
    for tr in mf.tracks:
        tick = 0
        rows = []
        for m in tr:
            tick += m.time
            rows.append((tick, m))  # m.time is the delta; absolute ticks are compared separately
        tracks.append(tuple(rows))
    return mf.type, mf.ticks_per_beat, tuple(tracks)


def messages(data: bytes) -> tuple[tuple[tuple[int, mido.Message], ...], ...]:
    """Each track as (absolute tick, message)."""
    return _parsed(bytes(data))[2]


@dataclass
class Diff:
    """Where an output differs from its input beyond drum note numbers and channels."""

    problems: list[str]

    def __bool__(self) -> bool:
        return bool(self.problems)


def lossless_diff(src: bytes, out: bytes, drum_channel: int | None, out_channel: int | None) -> Diff:
    """Compare every message: identical except drum notes' note number (and channel to ``out_channel``).

    Also compares format, resolution and track count.
    """
    problems: list[str] = []
    a, b = _parsed(bytes(src)), _parsed(bytes(out))
    if (a[0], a[1], len(a[2])) != (b[0], b[1], len(b[2])):
        problems.append(f"header differs: {(a[0], a[1], len(a[2]))} vs {(b[0], b[1], len(b[2]))}")
        return Diff(problems)
    ta_all, tb_all = a[2], b[2]
    for t, (ta, tb) in enumerate(zip(ta_all, tb_all)):
        if len(ta) != len(tb):
            problems.append(f"track {t}: {len(ta)} messages in, {len(tb)} out")
            continue
        for k, ((tick_a, x), (tick_b, y)) in enumerate(zip(ta, tb)):
            if tick_a != tick_b:
                problems.append(f"track {t} msg {k}: tick {tick_a} -> {tick_b}")
            drum = (drum_channel is not None and x.type in ("note_on", "note_off", "polytouch")
                    and x.channel == drum_channel - 1)
            if drum:
                want_ch = (out_channel or drum_channel) - 1
                same = x.type == y.type and y.channel == want_ch and (
                    x.value == y.value if x.type == "polytouch" else x.velocity == y.velocity)
                if not same:
                    problems.append(f"track {t} msg {k}: drum {x} -> {y}")
            elif x != y:
                problems.append(f"track {t} msg {k}: {x} -> {y}")
    return Diff(problems)
