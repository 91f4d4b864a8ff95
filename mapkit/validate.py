"""Checking MIDI files against a map, and against what Magenta's drums RNN will do with them.

``validate("loops/", against="gm", for_magenta=True)`` reads every MIDI file under a
folder and says, per file, what is wrong: unreadable (what and where), notes the map
does not know, drums on another channel than the map's, no drums at all; and, for
Magenta, everything that makes its dataset creator drop a file silently.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from .convert import find_files
from .hits import DrumPart, read_hits
from .maps import DrumMap, load_map
from .smf import MidiFileError, read

__all__ = ["Problem", "FileResult", "ValidationReport", "validate", "validate_file", "MAGENTA_DRUM_CLASSES",
           "MAGENTA_MIN_BARS"]

Severity = Literal["error", "warning"]

#: Magenta's drum classes (note_seq ``DEFAULT_DRUM_TYPE_PITCHES``): the GM pitches each of the
#: 9 classes of the drums RNN collapses. Pitches outside them are dropped without a word.
#: Copied here so that checking a library does not need TensorFlow installed.
MAGENTA_DRUM_CLASSES: dict[str, tuple[int, ...]] = {
    "kick": (36, 35),
    "snare": (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    "closed hi-hat": (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    "open hi-hat": (46, 67, 72, 74, 79, 81, 26),
    "low tom": (45, 29, 41, 43, 61, 64, 84),
    "mid tom": (48, 47, 60, 63, 77, 86, 87),
    "high tom": (50, 30, 62, 76, 83),
    "crash": (49, 52, 55, 57, 58),
    "ride": (51, 53, 59, 82),
}
_MAGENTA_PITCHES = frozenset(p for ps in MAGENTA_DRUM_CLASSES.values() for p in ps)
#: drums_rnn_create_dataset's DrumsExtractor discards drum tracks shorter than this.
MAGENTA_MIN_BARS = 7


@dataclass(slots=True)
class Problem:
    code: str  #: stable identifier, e.g. ``unknown_notes``, ``magenta_too_short``
    severity: Severity
    message: str  #: one line, in words


@dataclass(slots=True)
class FileResult:
    path: str
    problems: list[Problem] = field(default_factory=list)
    drum_channel: int | None = None
    notes: int = 0
    bars: float = 0.0

    @property
    def status(self) -> Literal["ok", "warning", "error"]:
        sev = {p.severity for p in self.problems}
        return "error" if "error" in sev else "warning" if sev else "ok"

    def add(self, code: str, severity: Severity, message: str) -> None:
        self.problems.append(Problem(code, severity, message))

    def to_dict(self) -> dict:
        return {**asdict(self), "status": self.status}


@dataclass(slots=True)
class ValidationReport:
    against: str
    for_magenta: bool
    files: list[FileResult] = field(default_factory=list)
    skipped_not_midi: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def common_problems(self) -> list[tuple[str, Severity, int]]:
        """(code, severity, files) most frequent first."""
        c: Counter[tuple[str, Severity]] = Counter()
        for f in self.files:
            c.update({(p.code, p.severity) for p in f.problems})
        return [(code, sev, n) for (code, sev), n in c.most_common()]

    @property
    def exit_code(self) -> int:
        """0 when every file passes (warnings allowed), 1 when any has an error."""
        return 1 if self.count("error") else 0

    def to_dict(self) -> dict:
        return {
            "against": self.against,
            "for_magenta": self.for_magenta,
            "summary": {"files": len(self.files), "ok": self.count("ok"), "warning": self.count("warning"),
                        "error": self.count("error"), "skipped_not_midi": self.skipped_not_midi},
            "common_problems": [{"code": c, "severity": s, "files": n} for c, s, n in self.common_problems()],
            "files": [f.to_dict() for f in self.files],
        }


def validate(
    path: str | os.PathLike[str],
    against: str | DrumMap = "gm",
    *,
    for_magenta: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ValidationReport:
    """Check a file or every MIDI file under a folder. Never raises for a bad file.

    ``for_magenta`` adds what Magenta's drums RNN dataset creator will do with each file
    (always on when checking against ``gm``).
    """
    dm = load_map(against)
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    files, other = find_files(root)
    report = ValidationReport(against=dm.name, for_magenta=for_magenta or dm.name == "gm", skipped_not_midi=other)
    for i, p in enumerate(files):
        report.files.append(validate_file(p, dm, for_magenta=report.for_magenta))
        if progress:
            progress(i + 1, len(files))
    return report


def validate_file(path: str | os.PathLike[str], against: str | DrumMap = "gm", *, for_magenta: bool = False) -> FileResult:
    dm = load_map(against)
    res = FileResult(path=os.fspath(path))
    try:
        smf = read(path)
        part = read_hits(smf, dm)
    except MidiFileError as e:
        res.add("unreadable", "error", str(MidiFileError(e.what, offset=e.offset, track=e.track)))
        return res
    except Exception as e:  # noqa: BLE001  a reader bug must not stop a run over 10,000 files
        res.add("unreadable", "error", f"mapkit could not read this file ({type(e).__name__}: {e}); please report it")
        return res
    if smf.trailing_bytes:
        res.add("trailing_bytes", "warning", f"{smf.trailing_bytes} stray bytes after the last chunk (kept as they are)")
    if smf.format == 0 and len(smf.tracks) > 1:
        res.add("format0_tracks", "warning", f"format 0 file with {len(smf.tracks)} tracks (the spec allows one)")
    if len(smf.tracks) > smf.declared_tracks:
        res.add("extra_tracks", "warning",
                f"header declares {smf.declared_tracks} tracks, the file holds {len(smf.tracks)}")
    res.drum_channel = part.channel
    res.notes = len(part.hits)
    res.bars = part.bars
    if not part.note_channels:
        res.add("no_notes", "error", "no notes at all")
        return res
    if part.channel is None:
        chans = ", ".join(f"{c} ({n})" for c, n in sorted(part.note_channels.items()))
        where = "channel 10" if dm.drum_channel in (10, None) else f"channel {dm.drum_channel} or 10"
        res.add("no_drums", "error", f"no drum notes: {dm.name} expects drums on {where}; notes are on channel {chans}")
        return res
    if dm.drum_channel is not None and part.channel != dm.drum_channel:
        res.add("wrong_channel", "error", f"drums on channel {part.channel}, {dm.name} expects channel {dm.drum_channel}")
    _unknown(res, part, dm)
    if for_magenta:
        _magenta(res, part)
    return res


def _unknown(res: FileResult, part: DrumPart, dm: DrumMap) -> None:
    unknown: dict[int, list[int]] = {}
    for h in part.hits:
        if h.articulation is None:
            unknown.setdefault(h.note, []).append(h.tick)
    if not unknown:
        return
    n = sum(len(t) for t in unknown.values())
    listing = ", ".join(f"{note} ({len(ticks)}x, first at tick {ticks[0]})"
                        for note, ticks in sorted(unknown.items(), key=lambda kv: -len(kv[1])))
    share = n / len(part.hits)
    if share > 0.2:
        res.add("mostly_unknown", "error", f"{share:.0%} of the drum notes are not in {dm.name}: {listing}; "
                                           "the file is probably in another map (try `mapkit detect`)")
    else:
        res.add("unknown_notes", "warning", f"{n} drum notes not in {dm.name}: {listing}")


def _magenta(res: FileResult, part: DrumPart) -> None:
    if part.channel != 10:
        res.add("magenta_channel", "error",
                f"drums on channel {part.channel}: Magenta reads drums only on channel 10 and gives 0 examples "
                "(mapkit convert --to gm moves them)")
    tempos = {t for _, t in part.tempos}
    if len(tempos) > 1:
        res.add("magenta_tempo_changes", "warning",
                f"{len(tempos)} tempos: Magenta splits the file at each change, and drops pieces under 7 bars")
    sigs = {(n, d) for _, n, d in part.time_signatures}
    if len(sigs) > 1:
        res.add("magenta_meter_changes", "warning",
                f"{len(sigs)} time signatures: Magenta splits the file at each change")
    if sigs and sigs != {(4, 4)}:
        res.add("magenta_meter", "warning",
                f"time signature {', '.join(f'{n}/{d}' for n, d in sorted(sigs))}: Magenta's drum models learn 4/4 "
                "bars of 16 steps")
    if part.hits and part.bars < MAGENTA_MIN_BARS:
        res.add("magenta_too_short", "warning",
                f"{part.bars:g} bars: Magenta's dataset creator drops drum tracks under {MAGENTA_MIN_BARS} bars; "
                "`mapkit train prepare` tiles short loops and keeps them")
    bar = part.bar_ticks
    for a, b in zip(part.hits, part.hits[1:]):
        if b.tick - a.tick >= bar * 2 or (b.tick // bar) - (a.tick // bar) > 1:
            res.add("magenta_gap", "warning",
                    f"silence from bar {a.tick // bar + 1} to bar {b.tick // bar + 1}: Magenta ends the drum track "
                    "at a bar of silence and starts another")
            break
    outside = Counter(h.note for h in part.hits if h.note not in _MAGENTA_PITCHES)
    if outside:
        listing = ", ".join(f"{n} ({c}x)" for n, c in outside.most_common())
        res.add("magenta_unknown_pitch", "warning",
                f"notes outside Magenta's 9 drum classes are dropped without a word: {listing}")
