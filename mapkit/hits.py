"""The drum hits of a MIDI file, in a map's words.

``read_hits(path, "gm")`` gives every drum note-on of a file with its
absolute tick, velocity and articulation, plus the timing facts (resolution,
tempos, time signatures) that validation, detection, statistics and pictures
need. Which channel holds the drums follows ``DrumMap.find_drum_channel``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .maps import DrumMap, load_map
from .smf import Smf, TrackEvents, parse, read, scan_track

__all__ = ["Hit", "DrumPart", "read_hits"]


@dataclass(frozen=True, slots=True)
class Hit:
    """One drum stroke: a note-on with velocity > 0 on the drum channel."""

    tick: int  #: absolute, in the file's ticks
    track: int
    channel: int  #: 1-16
    note: int
    velocity: int
    articulation: str | None  #: None when the map does not know the note


@dataclass(slots=True)
class DrumPart:
    """The drums of one file."""

    ticks_per_beat: int
    format: int
    channel: int | None  #: the drum channel (1-16), None when the file has no drum notes
    hits: list[Hit]  #: sorted by tick, then track
    tempos: list[tuple[int, int]] = field(default_factory=list)  #: (tick, microseconds per beat)
    time_signatures: list[tuple[int, int, int]] = field(default_factory=list)  #: (tick, numerator, denominator)
    end_tick: int = 0  #: the last event of the longest track
    note_channels: dict[int, int] = field(default_factory=dict)  #: channel -> note-on count, all channels
    n_tracks: int = 0

    @property
    def beat_ticks(self) -> int:
        """Ticks per beat of the first time signature's denominator (a quarter note in 4/4)."""
        _, _, den = self.time_signatures[0] if self.time_signatures else (0, 4, 4)
        return self.ticks_per_beat * 4 // den

    @property
    def bar_ticks(self) -> int:
        """Ticks per bar under the first time signature (4/4 when the file names none)."""
        _, num, den = self.time_signatures[0] if self.time_signatures else (0, 4, 4)
        return self.ticks_per_beat * 4 * num // den

    @property
    def bpm(self) -> float:
        return 60_000_000 / self.tempos[0][1] if self.tempos else 120.0

    @property
    def bars(self) -> float:
        """Length in bars, from the first hit's bar to the end of the last hit's bar."""
        if not self.hits:
            return 0.0
        return (self.hits[-1].tick // self.bar_ticks + 1) - self.hits[0].tick // self.bar_ticks


def read_hits(source: str | os.PathLike[str] | bytes | Smf, drum_map: str | DrumMap = "gm", *,
              channel: int | None = None) -> DrumPart:
    """The drum part of a file (a path, the file's bytes, or a parsed ``Smf``).

    The drum channel is the map's choice (``DrumMap.find_drum_channel``) unless
    ``channel`` (1-16) names it. Raises ``MidiFileError`` for unreadable input.
    """
    dm = load_map(drum_map)
    if isinstance(source, Smf):
        smf = source
    elif isinstance(source, bytes | bytearray):
        smf = parse(bytes(source))
    else:
        smf = read(source)
    data = smf.data
    tracks: list[TrackEvents] = [scan_track(smf, i) for i in range(len(smf.tracks))]
    note_channels: dict[int, int] = {}
    for ev in tracks:
        for i, st in enumerate(ev.status):
            if st & 0xF0 == 0x90 and data[ev.data_at[i] + 1]:
                ch = (st & 0x0F) + 1
                note_channels[ch] = note_channels.get(ch, 0) + 1
    if channel is None:
        channel = dm.find_drum_channel(note_channels)
    part = DrumPart(ticks_per_beat=smf.ticks_per_beat, format=smf.format, channel=channel, hits=[],
                    note_channels=note_channels, n_tracks=len(tracks))
    note_on = 0x90 | ((channel or 1) - 1)
    known = {n: dm.articulation_of(n) for n in range(128)}
    for t, ev in enumerate(tracks):
        part.end_tick = max(part.end_tick, ev.end_tick)
        for tick, _, mtype, payload in ev.metas:
            if mtype == 0x51 and len(payload) == 3:
                part.tempos.append((tick, int.from_bytes(payload, "big")))
            elif mtype == 0x58 and len(payload) >= 2:
                part.time_signatures.append((tick, payload[0], 2 ** payload[1]))
        if channel is None:
            continue
        for i, st in enumerate(ev.status):
            if st == note_on:
                at = ev.data_at[i]
                note, vel = data[at], data[at + 1]
                if vel:
                    art = dm.articulation_of(note, vel) if dm.velocity_split else known[note]
                    part.hits.append(Hit(ev.ticks[i], t, channel, note, vel, art))
    part.hits.sort(key=lambda h: (h.tick, h.track))
    part.tempos.sort()
    part.time_signatures.sort()
    return part
