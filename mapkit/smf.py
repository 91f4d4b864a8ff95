"""Reading Standard MIDI Files at the byte level.

mido is the right tool for building and inspecting MIDI messages, and mapkit
uses it for that. Conversion needs something mido does not offer: the byte
offset of every event, so that a drum note can be renumbered in place while
every other byte of the file (running status, sysex, odd meta events, alien
chunks) stays exactly as it was, and so that a broken file can be reported
as "track 2, byte 0x1a3: ...". Re-encoding through mido would normalise
running status and cost ~20x more time per file. Hence this small reader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MidiFileError", "Smf", "TrackEvents", "parse", "read", "scan_track", "MAX_FILE_SIZE"]

#: Files larger than this are refused rather than read: a drum loop is a few KB;
#: a 16 MiB "MIDI file" is an accident (a renamed audio file, a runaway export).
MAX_FILE_SIZE = 16 * 1024 * 1024


class MidiFileError(ValueError):
    """A file that is not a readable Standard MIDI File. ``str()`` is one line: what, and where."""

    def __init__(self, what: str, *, offset: int | None = None, track: int | None = None, path: str | None = None):
        self.what, self.offset, self.track, self.path = what, offset, track, path
        super().__init__(self._line())

    def _line(self) -> str:
        where = []
        if self.track is not None:
            where.append(f"track {self.track}")
        if self.offset is not None:
            where.append(f"byte {self.offset} (0x{self.offset:x})")
        head = f"{self.path}: " if self.path else ""
        return head + (", ".join(where) + ": " if where else "") + self.what

    def at(self, path: str | os.PathLike[str]) -> "MidiFileError":
        """The same error, naming the file it came from."""
        return MidiFileError(self.what, offset=self.offset, track=self.track, path=os.fspath(path))


@dataclass(frozen=True, slots=True)
class Smf:
    """The layout of a MIDI file: header fields and where each track's events lie in ``data``."""

    data: bytes
    format: int
    ticks_per_beat: int
    tracks: tuple[tuple[int, int], ...]  #: (first byte, end) of each MTrk chunk's events, in file order
    declared_tracks: int  #: the track count the header claims
    trailing_bytes: int = 0  #: bytes after the last chunk (padding or junk), kept in outputs as they are


@dataclass(slots=True)
class TrackEvents:
    """Every event of one track, as parallel lists (cheap to build, cheap to filter).

    Channel events: ``ticks[i]`` (absolute), ``status[i]`` (effective status byte,
    running status resolved) and ``data_at[i]`` (offset of the first data byte;
    the status byte was written explicitly iff ``data[data_at[i]-1] >= 0x80``).
    Meta and sysex events go to ``metas`` as (tick, offset of the 0xFF/0xF0/0xF7
    byte, meta type or -1 for sysex, payload).
    """

    ticks: list[int] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    data_at: list[int] = field(default_factory=list)
    metas: list[tuple[int, int, int, bytes]] = field(default_factory=list)
    end_tick: int = 0


def read(path: str | os.PathLike[str], *, max_size: int = MAX_FILE_SIZE) -> Smf:
    """Read and parse ``path``; every problem is a MidiFileError naming the file."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_size:
            raise MidiFileError(f"file is {size:,} bytes, over the {max_size:,}-byte limit for a MIDI file", path=os.fspath(path))
        data = p.read_bytes()
    except OSError as e:
        raise MidiFileError(f"cannot read: {e.strerror or e}", path=os.fspath(path)) from None
    try:
        return parse(data, max_size=max_size)
    except MidiFileError as e:
        raise e.at(path) from None


def parse(data: bytes, *, max_size: int = MAX_FILE_SIZE) -> Smf:
    """Check the header and chunk structure of ``data`` and locate its tracks.

    Refuses what mapkit cannot convert faithfully: SMPTE time division and
    format 2 (sequential independent patterns).
    """
    n = len(data)
    if n == 0:
        raise MidiFileError("empty file")
    if n > max_size:
        raise MidiFileError(f"file is {n:,} bytes, over the {max_size:,}-byte limit for a MIDI file")
    start = 0
    if data[:4] == b"RIFF" and data[8:12] == b"RMID":
        raise MidiFileError("RIFF-wrapped MIDI (.rmi); extract the MIDI data first")
    if data[:4] != b"MThd":
        kind = _sniff(data)
        raise MidiFileError(f"not a MIDI file (no MThd header{kind})", offset=0)
    if n < 14:
        raise MidiFileError(f"truncated header: {n} bytes, a MIDI header needs 14", offset=n)
    hlen = int.from_bytes(data[4:8], "big")
    if hlen < 6:
        raise MidiFileError(f"header chunk length {hlen}, must be at least 6", offset=4)
    fmt = int.from_bytes(data[8:10], "big")
    declared = int.from_bytes(data[10:12], "big")
    division = int.from_bytes(data[12:14], "big")
    if division & 0x8000:
        fps = 256 - (division >> 8)
        raise MidiFileError(f"SMPTE time division ({fps} fps, {division & 0xFF} ticks per frame) is not supported; "
                            "export the file with beats (PPQ) timing", offset=12)
    if division == 0:
        raise MidiFileError("time division is 0 ticks per beat", offset=12)
    if fmt == 2:
        raise MidiFileError("format 2 (independent sequential patterns) is not supported", offset=8)
    if fmt > 2:
        raise MidiFileError(f"unknown MIDI file format {fmt}", offset=8)
    pos = start + 8 + hlen
    tracks: list[tuple[int, int]] = []
    trailing = 0
    while pos < n:
        if n - pos < 8:
            trailing = n - pos  # padding or junk after the last chunk: kept as is, reported by validate
            break
        kind = data[pos:pos + 4]
        length = int.from_bytes(data[pos + 4:pos + 8], "big")
        if not all(32 <= c < 127 for c in kind):
            if not any(data[pos:]):
                trailing = n - pos
                break
            raise MidiFileError(f"garbage where a chunk header should be ({kind!r})", offset=pos,
                                track=len(tracks) if kind != b"MTrk" else None)
        body = pos + 8
        if body + length > n:
            what = f"track {len(tracks)}" if kind == b"MTrk" else f"chunk {kind.decode('ascii')}"
            raise MidiFileError(f"truncated: {what} declares {length} bytes but only {n - body} remain",
                                offset=pos + 4)
        if kind == b"MTrk":
            tracks.append((body, body + length))
        pos = body + length
    if len(tracks) < declared:
        raise MidiFileError(f"header declares {_plural(declared, 'track')} but the file holds {len(tracks)}",
                            offset=10)
    # A format-0 file with several tracks breaks the spec but converts fine; validate warns about it.
    return Smf(data=data, format=fmt, ticks_per_beat=division, tracks=tuple(tracks), declared_tracks=declared,
               trailing_bytes=trailing)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _sniff(data: bytes) -> str:
    for magic, what in ((b"RIFF", "a RIFF/WAV file"), (b"ID3", "an MP3 file"), (b"\xff\xfb", "an MP3 file"),
                        (b"OggS", "an Ogg file"), (b"fLaC", "a FLAC file"), (b"PK\x03\x04", "a ZIP archive"),
                        (b"%PDF", "a PDF"), (b"\x89PNG", "a PNG image"), (b"<", "text/HTML")):
        if data.startswith(magic):
            return f"; looks like {what}"
    if data[:64].isascii():
        return "; looks like a text file"
    return ""


def scan_track(smf: Smf, index: int) -> TrackEvents:
    """Decode the events of track ``index`` (offsets are into ``smf.data``).

    Running status follows the SMF spec as sequencers (and mido) read it:
    channel messages set it, meta events leave it alone, sysex cancels it.
    """
    data = smf.data
    pos, end = smf.tracks[index]
    ev = TrackEvents()
    metas = ev.metas
    # Bound methods and a length table: this loop runs once per event of every file.
    add_tick, add_status, add_at = ev.ticks.append, ev.status.append, ev.data_at.append
    length = _DATA_LEN
    tick = 0
    running = -1
    try:
        while pos < end:
            # Delta time: a variable-length quantity of at most 4 bytes.
            b = data[pos]
            pos += 1
            if b & 0x80:
                delta = b & 0x7F
                for _ in range(3):
                    b = data[pos]
                    pos += 1
                    delta = (delta << 7) | (b & 0x7F)
                    if not b & 0x80:
                        break
                else:
                    raise MidiFileError("delta time longer than 4 bytes", offset=pos - 4, track=index)
                tick += delta
            else:
                tick += b
            s = data[pos]
            if s < 0x80:  # running status: the data starts here
                if running < 0:
                    raise MidiFileError("running status with no status byte before it", offset=pos, track=index)
                s = running
            elif s < 0xF0:
                running = s
                pos += 1
            elif s == 0xFF or s == 0xF0 or s == 0xF7:
                pos = _meta(data, pos, end, s, tick, index, metas)
                if s != 0xFF:
                    running = -1
                continue
            else:
                raise MidiFileError(f"status byte 0x{s:02x} is not allowed in a MIDI file", offset=pos, track=index)
            add_tick(tick)
            add_status(s)
            add_at(pos)
            # A data byte above 127 means the stream lost sync: a corrupt or truncated file.
            if length[s] == 2:
                if (data[pos] | data[pos + 1]) & 0x80:
                    raise MidiFileError(f"data byte above 127 in a {_KIND[s & 0xF0]} event", offset=pos, track=index)
                pos += 2
            else:
                if data[pos] & 0x80:
                    raise MidiFileError(f"data byte above 127 in a {_KIND[s & 0xF0]} event", offset=pos, track=index)
                pos += 1
    except IndexError:
        raise MidiFileError("track ends in the middle of an event (truncated file?)", offset=end, track=index) from None
    if pos > end:
        raise MidiFileError("last event runs past the end of the track chunk", offset=end, track=index)
    ev.end_tick = tick
    return ev


def _meta(data: bytes, pos: int, end: int, s: int, tick: int, index: int, metas: list) -> int:
    """Read one meta or sysex event at ``pos``; return the offset after it."""
    at = pos
    if s == 0xFF:
        mtype = data[pos + 1]
        pos += 2
    else:
        mtype = -1
        pos += 1
    length = 0
    for _ in range(4):
        b = data[pos]
        pos += 1
        length = (length << 7) | (b & 0x7F)
        if not b & 0x80:
            break
    else:
        raise MidiFileError("event length longer than 4 bytes", offset=pos - 4, track=index)
    if pos + length > end:
        kind = "meta event" if s == 0xFF else "sysex"
        raise MidiFileError(f"{kind} of {length} bytes runs past the end of the track", offset=at, track=index)
    metas.append((tick, at, mtype, data[pos:pos + length]))
    return pos + length


#: data bytes after each status byte (channel messages only)
_DATA_LEN = bytes(1 if 0xC0 <= s < 0xE0 else 2 for s in range(256))
_KIND = {0x80: "note-off", 0x90: "note-on", 0xA0: "aftertouch", 0xB0: "controller", 0xC0: "program change",
         0xD0: "channel pressure", 0xE0: "pitch bend"}
