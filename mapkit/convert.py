"""Converting drum loops from one map to another.

Only drum notes change: their note numbers, and their channel where the
target map names another drum channel. Everything else in the file (tempo,
meta events, sysex, controllers, other channels, note-off velocities, delta
times, track order, format, resolution, even running status) is copied byte
for byte. When nothing moves between channels and no note is dropped, the
output has exactly the input's bytes but for the renumbered keys.

Where two different source notes land on one target note while both sound
(NI's two kicks both becoming GM 36), the later note-on and its note-off are
dropped, the sounding note takes the louder velocity, and the report counts
the collision: the output never has a double note-on or a stray note-off
that the input did not have.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from .articulations import nearest
from .maps import DrumMap, load_map
from .smf import MidiFileError, Smf, TrackEvents, parse, scan_track

__all__ = [
    "Unmapped",
    "ConversionError",
    "ConversionPlan",
    "Route",
    "Converted",
    "FileReport",
    "LibraryReport",
    "plan_conversion",
    "convert_bytes",
    "convert_file",
    "convert_library",
    "MIDI_SUFFIXES",
]

Unmapped = Literal["keep", "drop", "error"]
MIDI_SUFFIXES = frozenset({".mid", ".midi", ".smf", ".kar", ".rmi"})

_DROP = -1  # route code: remove the note (its note-on, note-off and aftertouch)
_FAIL = -2  # route code: the file fails (--unmapped error)


class ConversionError(ValueError):
    """A file that cannot be converted under the chosen options (one line: what and where)."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where one source note goes."""

    source_note: int
    source_articulation: str | None  #: None: the source map does not know the note
    target_note: int | None  #: None: dropped
    target_articulation: str | None
    fallback_steps: int = 0  #: 0 for an exact match; more when a fallback was used

    @property
    def kind(self) -> str:
        if self.source_articulation is None:
            return "unknown"
        if self.target_articulation is None:
            return "unplaced"
        return "exact" if self.fallback_steps == 0 else "fallback"


class ConversionPlan:
    """Everything about converting between two maps that does not depend on the file.

    Build it once (``plan_conversion``) and reuse it across a library.
    """

    def __init__(self, source: DrumMap, target: DrumMap, unmapped: Unmapped = "keep"):
        if unmapped not in ("keep", "drop", "error"):
            raise ValueError(f"unmapped must be keep, drop or error, not {unmapped!r}")
        self.source, self.target, self.unmapped = source, target, unmapped
        self.routes: dict[tuple[int, int], Route] = {}  # (source note, target code) -> Route
        placements: dict[str, tuple[int, str] | None] = {}
        preferred = [n.articulation for n in target.notes if n.preferred]

        def place(art: str) -> tuple[int, str] | None:
            # (fallback steps, target articulation), memoised per articulation
            if art not in placements:
                p = nearest(art, target.articulations, preferred)
                placements[art] = None if p is None else (p.up + p.down, p.articulation)
            return placements[art]

        def code(src_note: int, art: str | None, velocity: int) -> int:
            pl = None if art is None else place(art)
            if pl is None:
                c = {"keep": src_note, "drop": _DROP, "error": _FAIL}[unmapped]
                self.routes.setdefault((src_note, c), Route(src_note, art, c if c >= 0 else None, None))
                return c
            steps, tgt_art = pl
            # A note that already plays the right articulation in the target stays where it is
            # (GM 35 stays 35 rather than becoming the preferred kick 36; gm -> gm changes nothing).
            dst = src_note if target.articulation_of(src_note, velocity) == tgt_art else _pick(target, tgt_art, velocity)
            self.routes.setdefault((src_note, dst), Route(src_note, art, dst, tgt_art, steps))
            return dst

        split = source.velocity_split or target.velocity_split
        velocities = range(128) if split else (100,)

        def table_for(art_at: Callable[[int, int], str | None]) -> list[int | tuple[int, ...]]:
            out: list[int | tuple[int, ...]] = []
            for n in range(128):
                codes = tuple(code(n, art_at(n, v), v) for v in velocities)
                out.append(codes[0] if len(codes) == 1 or len(set(codes)) == 1 else codes)
            return out

        #: note -> target code (int), or a 128-tuple indexed by velocity
        self.table = table_for(source.articulation_of)
        hh = source.hihat_controller
        self.hihat_cc: int | None = None
        self.hihat_notes: frozenset[int] = frozenset()
        self.hihat_tables: list[list[int | tuple[int, ...]]] = []
        self.hihat_level = bytes(128)
        if hh is not None:
            # The pedal decides what a "controlled" hi-hat note sounds like; the target
            # has no pedal, so each level becomes the target's own note for that openness.
            self.hihat_cc = hh.controller
            self.hihat_notes = frozenset(n.note for n in source.notes if n.articulation == hh.articulation)
            self.hihat_level = bytes(next(i for i, lv in enumerate(hh.levels) if v <= lv.up_to) for v in range(128))
            for lv in hh.levels:
                self.hihat_tables.append(
                    table_for(lambda n, v, a=lv.articulation: a if n in self.hihat_notes else source.articulation_of(n, v))
                )
        #: the level before any controller message: the pedal at rest (a closed hat on
        #: most kits is CC 127, but an untouched controller reads 0)
        self.hihat_initial = self.hihat_level[0]

    @cached_property
    def one_to_one_for(self) -> Callable[[set[int]], bool] | None:
        """For plans where each source note has one fixed target: a test of whether the notes
        present in a track map one-to-one (so they can be renumbered without any bookkeeping)."""
        if self.hihat_notes or any(c.__class__ is not int for c in self.table):
            return None
        table = self.table

        def check(present: set[int]) -> bool:
            targets = {table[k] for k in present}
            return len(targets) == len(present) and min(targets) >= 0  # type: ignore[type-var]

        return check

    def route(self, note: int, velocity: int = 100, hihat_value: int | None = None) -> Route:
        """Where ``note`` at ``velocity`` goes (with the hi-hat pedal at ``hihat_value``)."""
        code = self._code(note, velocity, hihat_value)
        return self.routes[(note, code)]

    def _code(self, note: int, velocity: int, hihat_value: int | None = None) -> int:
        if note in self.hihat_notes:
            lvl = self.hihat_initial if hihat_value is None else self.hihat_level[hihat_value]
            c = self.hihat_tables[lvl][note]
        else:
            c = self.table[note]
        return c if c.__class__ is int else c[velocity]  # type: ignore[index,return-value]

    @property
    def out_channel(self) -> int | None:
        """The drum channel (1-16) of the output, or None to leave drums where they are."""
        return self.target.drum_channel

    def describe(self) -> list[Route]:
        """Every route this plan can take, for ``--dry-run`` and documentation."""
        return sorted(self.routes.values(), key=lambda r: (r.source_note, r.target_note or -1))

    def signature(self) -> str:
        """A digest of the maps and options: outputs made under another signature are stale."""
        h = hashlib.sha256()
        for part in (self.source.model_dump_json(), self.target.model_dump_json(), self.unmapped, "engine-1"):
            h.update(part.encode())
        return h.hexdigest()[:16]


def _pick(target: DrumMap, art: str, velocity: int) -> int:
    """The target note for ``art`` at ``velocity``: its velocity layer, else the preferred note."""
    notes = target.notes_for(art)
    for n in notes:
        if n.velocity is not None and n.velocity[0] <= velocity <= n.velocity[1]:
            return n.note
    plain = [n for n in notes if n.velocity is None]
    return (plain or notes)[0].note


def plan_conversion(source: str | DrumMap, target: str | DrumMap, unmapped: Unmapped = "keep") -> ConversionPlan:
    """``plan_conversion("ni-abbey-road-80s", "gm")``: maps by name, path or object."""
    return ConversionPlan(load_map(source), load_map(target), unmapped)


# -- reports ---------------------------------------------------------------


@dataclass(slots=True)
class NoteProblem:
    """A note that was not mapped: which, where first, how often."""

    note: int
    track: int
    first_tick: int
    count: int
    articulation: str | None = None  #: the source articulation, when the source map knows it


@dataclass(slots=True)
class FileReport:
    """What happened to one file."""

    path: str
    status: Literal["converted", "unchanged", "up_to_date", "skipped", "failed"] = "converted"
    reason: str = ""
    output: str | None = None
    drum_channel_in: int | None = None
    drum_channel_out: int | None = None
    notes: int = 0  #: drum note-ons seen
    moved: Counter[tuple[str, str]] = field(default_factory=Counter)  #: (source art, target art) -> notes
    fallbacks: Counter[tuple[str, str]] = field(default_factory=Counter)
    unknown: list[NoteProblem] = field(default_factory=list)  #: notes the source map does not know
    unplaced: list[NoteProblem] = field(default_factory=list)  #: notes the target map cannot play
    collisions: int = 0
    collision_at: list[tuple[int, int, int]] = field(default_factory=list)  #: (track, tick, target note), first 20

    def to_dict(self) -> dict:
        d = asdict(self)
        d["moved"] = [{"from": a, "to": b, "notes": n} for (a, b), n in sorted(self.moved.items())]
        d["fallbacks"] = [{"from": a, "to": b, "notes": n} for (a, b), n in sorted(self.fallbacks.items())]
        return d


@dataclass(slots=True)
class Converted:
    data: bytes
    report: FileReport


# -- the engine ------------------------------------------------------------


def convert_bytes(
    data: bytes | Smf,
    source: str | DrumMap | ConversionPlan,
    target: str | DrumMap | None = None,
    *,
    unmapped: Unmapped = "keep",
    path: str = "<bytes>",
) -> Converted:
    """Convert one file's bytes: ``convert_bytes(data, "roland-td", "gm").data``.

    Raises ``MidiFileError`` (unreadable input) or ``ConversionError``
    (``unmapped="error"`` and a note could not be mapped).
    """
    plan = source if isinstance(source, ConversionPlan) else plan_conversion(source, target, unmapped)  # type: ignore[arg-type]
    smf = data if isinstance(data, Smf) else parse(bytes(data))
    report = FileReport(path=path)
    events = [scan_track(smf, i) for i in range(len(smf.tracks))]
    buf = bytearray(smf.data)
    note_chans: set[int] = set()
    for ev in events:
        note_chans.update((s & 0x0F) + 1 for s in set(ev.status) if s & 0xF0 == 0x90)
    ch = plan.source.find_drum_channel(note_chans)
    report.drum_channel_in = ch
    if ch is None:
        report.status = "unchanged"
        report.reason = "no drum notes" if not note_chans else (
            f"no drum notes on channel 10 or on {plan.source.name}'s channel {plan.source.drum_channel}"
            f" (notes on channel {', '.join(map(str, sorted(note_chans)))})")
        return Converted(smf.data, report)
    out_ch = plan.out_channel or ch
    report.drum_channel_out = out_ch
    rebuilt: dict[int, bytes] = {}
    for t, ev in enumerate(events):
        drops = _map_track(plan, smf.data, buf, ev, t, ch - 1, report)
        if drops or out_ch != ch:
            rebuilt[t] = _rebuild(smf, buf, ev, t, drops, ch - 1, out_ch - 1)
    out = _assemble(smf, buf, rebuilt) if rebuilt else bytes(buf)
    if out == smf.data:
        report.status = "unchanged"
    return Converted(out, report)


def _map_track(plan: ConversionPlan, data: bytes, buf: bytearray, ev: TrackEvents, t: int, ch: int,
               report: FileReport) -> set[int]:
    """Renumber the drum notes of one track in ``buf``; return indices of events to drop."""
    st, at_, ticks = ev.status, ev.data_at, ev.ticks
    on, off, poly = 0x90 | ch, 0x80 | ch, 0xA0 | ch
    cc = 0xB0 | ch if plan.hihat_cc is not None else -1
    wanted = {on, off, poly, cc}
    idx = [i for i, s in enumerate(st) if s in wanted]
    if not idx:
        return set()
    table, hh_notes = plan.table, plan.hihat_notes
    if plan.one_to_one_for is not None:
        keys = [data[at_[i]] for i in idx]
        present = set(keys)
        if plan.one_to_one_for(present):
            # Every note in this track has one fixed target and no two share one, so no
            # note-on can collide and every note-off follows its note-on: renumber directly.
            for i, k in zip(idx, keys):
                buf[at_[i]] = table[k]  # type: ignore[call-overload]
            ons = Counter(k for i, k in zip(idx, keys) if st[i] == on and data[at_[i] + 1])
            first = {}
            for k in ons:
                if plan.routes[(k, table[k])].kind in ("unknown", "unplaced"):
                    first[k << 8 | table[k]] = next(ticks[i] for i in idx if data[at_[i]] == k)  # type: ignore[operator]
                else:
                    first[k << 8 | table[k]] = 0  # type: ignore[operator]
            _tally(plan, Counter({k << 8 | table[k]: n for k, n in ons.items()}), first, t, report)  # type: ignore[operator]
            return set()
    hh_value: int | None = None
    drops: set[int] = set()
    active: dict[int, list[int]] = {}  # source note -> target codes of its sounding note-ons, oldest first
    owner: dict[int, list] = {}  # target note -> [source note, event index of the note-on, count]
    pairs: Counter[int] = Counter()
    first: dict[int, int] = {}  # pair -> first tick, for problem reports
    for i in idx:
        s = st[i]
        at = at_[i]
        key = data[at]
        vel = data[at + 1]
        if s == cc:
            if key == plan.hihat_cc:
                hh_value = vel
            continue
        if s == on and vel:
            if key in hh_notes:
                d = plan._code(key, vel, hh_value)
            else:
                d = table[key]
                if d.__class__ is not int:
                    d = d[vel]
            pair = key << 8 | (d & 0xFF)
            pairs[pair] += 1
            if pair not in first:
                first[pair] = ticks[i]
            if d < 0:
                if d == _FAIL:
                    r = plan.routes[(key, d)]
                    what = "not in the source map" if r.source_articulation is None else \
                        f"{r.source_articulation}, which {plan.target.name} cannot play"
                    raise ConversionError(f"track {t}, tick {ticks[i]}: note {key} ({what}); "
                                          "use --unmapped keep or drop")
                drops.add(i)
                active.setdefault(key, []).append(d)
                continue
            o = owner.get(d)
            if o is not None and o[2] > 0 and o[0] != key:
                # A different source note already sounds on this target note.
                report.collisions += 1
                if len(report.collision_at) < 20:
                    report.collision_at.append((t, ticks[i], d))
                j = o[1]
                if vel > buf[at_[j] + 1]:
                    buf[at_[j] + 1] = vel
                drops.add(i)
                active.setdefault(key, []).append(_DROP)
                continue
            if o is None or o[2] == 0:
                owner[d] = [key, i, 1]
            else:
                o[2] += 1
            buf[at] = d
            active.setdefault(key, []).append(d)
        elif s == poly:
            sounding = active.get(key)
            d = sounding[-1] if sounding else plan._code(key, 100, hh_value)
            if d < 0:
                drops.add(i)
            else:
                buf[at] = d
        else:  # note-off, or note-on with velocity 0
            sounding = active.get(key)
            if sounding:
                d = sounding.pop(0)
            else:  # a note-off with no note-on: route it as its note would have gone
                d = plan._code(key, 100, hh_value)
                if d == _FAIL:
                    d = key
            if d < 0:
                drops.add(i)
                continue
            o = owner.get(d)
            if o is not None and o[2] > 0:
                o[2] -= 1
            buf[at] = d
    _tally(plan, pairs, first, t, report)
    return drops


def _tally(plan: ConversionPlan, pairs: Counter[int], first: dict[int, int], t: int,
           report: FileReport) -> None:
    for pair, n in pairs.items():
        key, d = pair >> 8, pair & 0xFF
        if d == 0xFF:
            d = _DROP
        elif d == 0xFE:
            d = _FAIL
        r = plan.routes[(key, d)]
        report.notes += n
        tick = first[pair]
        if r.source_articulation is None:
            report.unknown.append(NoteProblem(key, t, tick, n))
        elif r.target_articulation is None:
            report.unplaced.append(NoteProblem(key, t, tick, n, r.source_articulation))
        else:
            report.moved[(r.source_articulation, r.target_articulation)] += n
            if r.fallback_steps:
                report.fallbacks[(r.source_articulation, r.target_articulation)] += n


def _vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def _rebuild(smf: Smf, buf: bytearray, ev: TrackEvents, t: int, drops: set[int], ch: int, out_ch: int) -> bytes:
    """Re-encode one track when events are dropped or drum notes change channel.

    Delta times are recomputed from absolute ticks, so a dropped event's time
    passes to the next one; running status is kept where it still holds and
    made explicit where the status changed.
    """
    data = smf.data
    start, end = smf.tracks[t]
    moved = {0x80 | ch, 0x90 | ch, 0xA0 | ch} if out_ch != ch else set()
    items: list[tuple[int, int, int]] = []  # (offset of event start, kind, index) kind 0 channel, 1 meta/sysex
    for i, at in enumerate(ev.data_at):
        items.append((at - 1 if data[at - 1] >= 0x80 else at, 0, i))
    for j, (_, at, _, _) in enumerate(ev.metas):
        items.append((at, 1, j))
    items.sort()
    out = bytearray()
    last_tick = 0
    running = -1
    for _, kind, i in items:
        if kind == 0:
            if i in drops:
                continue
            s = ev.status[i]
            at = ev.data_at[i]
            explicit = data[at - 1] >= 0x80 and at - 1 >= start
            if s in moved:
                s = (s & 0xF0) | out_ch
            n = 1 if 0xC0 <= s < 0xE0 else 2
            tick = ev.ticks[i]
            out += _vlq(tick - last_tick)
            if explicit or s != running:
                out.append(s)
            running = s
            out += buf[at:at + n]
        else:
            tick, at, mtype, payload = ev.metas[i]
            p = at + (2 if mtype >= 0 else 1)
            while data[p] & 0x80:
                p += 1
            p += 1 + len(payload)
            out += _vlq(tick - last_tick)
            out += data[at:p]
            # The spec cancels running status after meta and sysex events; writing the next
            # status explicitly keeps the output readable by strict readers as well.
            running = -1
        last_tick = tick
    return bytes(out)


def _assemble(smf: Smf, buf: bytearray, rebuilt: dict[int, bytes]) -> bytes:
    """The file with some tracks' bodies replaced; every other byte as it was."""
    out = bytearray()
    pos = 0
    for t, (start, end) in enumerate(smf.tracks):
        if t not in rebuilt:
            continue
        body = rebuilt[t]
        out += buf[pos:start - 4]
        out += len(body).to_bytes(4, "big")
        out += body
        pos = end
    out += buf[pos:]
    return bytes(out)


# -- files and libraries ---------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename: a reader (or a Ctrl-C) never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.mapkit-tmp")
    try:
        try:
            f = open(tmp, "wb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            f = open(tmp, "wb")
        with f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def convert_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str] | None,
    source: str | DrumMap | ConversionPlan,
    target: str | DrumMap | None = None,
    *,
    unmapped: Unmapped = "keep",
    dry_run: bool = False,
    backup: bool = False,
) -> FileReport:
    """Convert ``src`` into ``dst`` (``dst=None`` or ``dry_run``: report only).

    Never raises for a bad file: the report says ``failed`` and why. ``src``
    is never modified unless ``dst`` is ``src``, and then only with ``backup``
    (the original is kept as ``<name>.bak``).
    """
    plan = source if isinstance(source, ConversionPlan) else plan_conversion(source, target, unmapped)  # type: ignore[arg-type]
    src = Path(src)
    try:
        from .smf import read

        smf = read(src)
        result = convert_bytes(smf, plan, path=os.fspath(src))
    except (MidiFileError, ConversionError) as e:
        msg = e.what if isinstance(e, MidiFileError) and e.path else str(e)
        if isinstance(e, MidiFileError) and e.path:
            msg = str(MidiFileError(e.what, offset=e.offset, track=e.track))
        return FileReport(path=os.fspath(src), status="failed", reason=msg)
    report = result.report
    if dst is None or dry_run:
        return report
    dst = Path(dst)
    if dst == src or (backup and dst.exists() and os.path.samefile(src, dst)):
        if not backup:
            return FileReport(path=os.fspath(src), status="failed", reason="refusing to overwrite the source (use --in-place)")
        if result.data != smf.data:
            bak = src.with_name(src.name + ".bak")
            if not bak.exists():
                _atomic_write(bak, smf.data)
    _atomic_write(dst, result.data)
    report.output = os.fspath(dst)
    return report


@dataclass(slots=True)
class LibraryReport:
    """What happened to a whole library."""

    source: str
    target: str
    files: list[FileReport] = field(default_factory=list)
    skipped_not_midi: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]

    def moved(self) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for f in self.files:
            total.update(f.moved)
        return total

    def fallbacks(self) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for f in self.files:
            total.update(f.fallbacks)
        return total

    def to_dict(self) -> dict:
        statuses = ("converted", "unchanged", "up_to_date", "failed")
        return {
            "source": self.source,
            "target": self.target,
            "summary": {**{s: self.count(s) for s in statuses}, "skipped_not_midi": self.skipped_not_midi,
                        "notes": sum(f.notes for f in self.files),
                        "collisions": sum(f.collisions for f in self.files)},
            "moved": [{"from": a, "to": b, "notes": n} for (a, b), n in sorted(self.moved().items())],
            "fallbacks": [{"from": a, "to": b, "notes": n} for (a, b), n in sorted(self.fallbacks().items())],
            "files": [f.to_dict() for f in self.files],
        }


def _is_midi(p: Path) -> bool:
    return p.suffix.lower() in MIDI_SUFFIXES


def find_files(root: Path) -> tuple[list[Path], int]:
    """MIDI files under ``root`` (sorted, hidden folders skipped) and the count of other files."""
    if root.is_file():
        return [root], 0
    midi, other = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            p = Path(dirpath, name)
            if _is_midi(p):
                midi.append(p)
            else:
                other += 1
    return midi, other


_MANIFEST = ".mapkit-convert.json"

# Worker state for multiprocessing: the plan is built once per process.
_worker_plan: ConversionPlan | None = None


def _init_worker(source: DrumMap, target: DrumMap, unmapped: Unmapped) -> None:
    global _worker_plan
    _worker_plan = ConversionPlan(source, target, unmapped)


def _work(job: tuple[str, str | None, bool, bool]) -> FileReport:
    src, dst, dry_run, backup = job
    assert _worker_plan is not None
    return convert_file(src, dst, _worker_plan, dry_run=dry_run, backup=backup)


def convert_library(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str] | None,
    source: str | DrumMap,
    target: str | DrumMap,
    *,
    unmapped: Unmapped = "keep",
    dry_run: bool = False,
    force: bool = False,
    in_place: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LibraryReport:
    """Convert a file or a folder tree ``src`` into ``dst`` (which mirrors the tree).

    One bad file never stops the batch. Outputs newer than their input and
    made with the same maps and options are left alone unless ``force``.
    """
    src_p = Path(src)
    if not src_p.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    dst_p = Path(dst) if dst is not None else None
    if dst_p is not None and not dry_run:
        _check_paths(src_p, dst_p, in_place)
    tgt = load_map(target)
    files, other = find_files(src_p)
    report = LibraryReport(source=_name(source), target=tgt.name, skipped_not_midi=other)

    def out_for(p: Path) -> Path | None:
        if dst_p is None:
            return None
        if src_p.is_file():
            return dst_p / p.name if dst_p.is_dir() else dst_p
        return dst_p / p.relative_to(src_p)

    plan = plan_conversion(source, tgt, unmapped)
    manifest = (dst_p if dst_p is not None and (dst_p.is_dir() or not src_p.is_file()) else None)
    previous = _read_manifest(manifest) if manifest is not None else None
    if in_place and previous is not None and not force and not dry_run:
        # Converting the same files twice would read GM notes as if they were still NI notes.
        raise ConversionError(f"{dst_p} was already converted in place (see {_MANIFEST}); the originals are the "
                              "*.bak files. Use --force only if you know the files are in the source map again")
    stale = force or dry_run or manifest is None or previous != plan.signature()
    jobs_list: list[tuple[str, str | None, bool, bool]] = []
    for p in files:
        out = out_for(p)
        if not stale and out is not None and out != p and _up_to_date(p, out):
            report.files.append(FileReport(path=os.fspath(p), status="up_to_date", output=os.fspath(out)))
            continue
        jobs_list.append((os.fspath(p), None if out is None else os.fspath(out), dry_run, in_place))
    done = len(report.files)
    total = len(files)
    if progress:
        progress(done, total)
    workers = min(jobs or os.cpu_count() or 1, max(1, len(jobs_list) // 64))
    if workers <= 1:
        for job in jobs_list:
            report.files.append(convert_file(job[0], job[1], plan, dry_run=job[2], backup=job[3]))
            done += 1
            if progress:
                progress(done, total)
    else:
        import multiprocessing as mp

        pool = mp.get_context("fork" if hasattr(os, "fork") else "spawn").Pool(
            workers, initializer=_init_worker, initargs=(plan.source, plan.target, unmapped))
        try:
            for r in pool.imap(_work, jobs_list, chunksize=max(1, min(64, len(jobs_list) // (workers * 8)))):
                report.files.append(r)
                done += 1
                if progress:
                    progress(done, total)
            pool.close()
        except BaseException:
            # Ctrl-C: stop the workers, then remove any temporary file one was writing,
            # so that no half-written output is ever left behind.
            pool.terminate()
            pool.join()
            if dst_p is not None and dst_p.is_dir():
                for tmp in dst_p.rglob("*.mapkit-tmp"):
                    tmp.unlink(missing_ok=True)
            raise
        pool.join()
    if manifest is not None and not dry_run:
        _write_manifest(manifest, plan.signature(), plan)
    return report


def _name(m: str | DrumMap) -> str:
    return m.name if isinstance(m, DrumMap) else os.fspath(m)


def _check_paths(src: Path, dst: Path, in_place: bool) -> None:
    s, d = src.resolve(), dst.resolve()
    if s == d:
        if not in_place:
            raise ConversionError(f"output {dst} is the input; give another folder, or --in-place "
                                  "to overwrite the files (each original is kept as NAME.bak)")
        return
    if src.is_dir() and d.is_relative_to(s):
        raise ConversionError(f"output {dst} is inside the input {src}: a re-run would convert the outputs again; "
                              "choose a folder outside it")


def _up_to_date(src: Path, out: Path) -> bool:
    try:
        return out.stat().st_mtime_ns >= src.stat().st_mtime_ns
    except OSError:
        return False


def _read_manifest(folder: Path) -> str | None:
    try:
        return json.loads((folder / _MANIFEST).read_text())["signature"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_manifest(folder: Path, signature: str, plan: ConversionPlan) -> None:
    if folder.is_dir():
        _atomic_write(folder / _MANIFEST, json.dumps(
            {"signature": signature, "source": plan.source.name, "target": plan.target.name,
             "unmapped": plan.unmapped}, indent=1).encode())
