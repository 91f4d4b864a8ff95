"""Which map is a file in? Ranking every known map by how well it explains the notes.

Note sets alone cannot tell most maps apart (GM, Roland and the Toontrack family share
most of their numbers), and file names lie. So each map is scored on the music, read
through that map:

- **coverage**: the share of drum hits on notes the map knows;
- **kit plausibility**: how likely each hit's kit piece is in a drum loop (kicks, snares
  and hats are common; a bongo as the busiest note is not);
- **rhythm**: how likely each hit's position in the bar is for its kit piece: kicks
  land on beats 1 and 3, snares on the backbeat, hats and rides repeat on eighths or
  sixteenths.

The score is the mean log-likelihood per hit; a softmax across maps gives the confidence.
Maps that read a file identically (same kit piece for every note it uses) tie, and are
reported together: a file that uses only notes 36, 38 and 42 is in GM and in EZdrummer alike.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .articulations import nearest
from .convert import find_files
from .hits import read_hits
from .maps import DrumMap, list_maps, load_map
from .smf import MidiFileError, read

__all__ = ["Candidate", "FileDetection", "DetectionReport", "detect", "detect_file", "best_map"]

# How likely a drum loop is to use each sound at all, per GM articulation (a map's
# articulations are read through their nearest GM one, so ``hihat_closed_tip`` counts as
# ``hihat_closed``). Scored once per note a file uses, not per hit: a map must not win
# by reading every hit as the commonest sound.
_USE = {"kick": 0.95, "snare_center": 0.9, "snare_alt": 0.3, "snare_sidestick": 0.2, "clap": 0.05,
        "hihat_closed": 0.8, "hihat_pedal": 0.4, "hihat_open": 0.4, "ride_bow": 0.4, "ride_bell": 0.2,
        "ride_2": 0.05, "crash_1": 0.4, "crash_2": 0.2, "china": 0.08, "splash": 0.08,
        "tom_high": 0.3, "tom_high_mid": 0.3, "tom_low_mid": 0.25, "tom_low": 0.25,
        "tom_floor_high": 0.3, "tom_floor_low": 0.2, "tambourine": 0.04, "cowbell": 0.04}
_RARE = 0.15  # any other GM sound (hand percussion, effects): rare in loops, common in GM songs
_UNKNOWN = 1e-4  # a hit on a note the map does not know
# Maps are not equally common: most MIDI files in the wild are GM. A file that two maps
# explain equally well is more likely in the common one.
_MAP_PRIOR = {"gm": math.log(8.0), "roland-td": math.log(2.0)}


def _profile(weights: list[float]) -> list[float]:
    """Likelihood ratios over the 16 sixteenth slots of a 4/4 bar (mean 1)."""
    total = sum(weights)
    return [16 * w / total for w in weights]


# Where in the bar each kind of stroke tends to land: kicks on 1 and 3, snares on the
# backbeat, hats and rides repeating on eighths, crashes on the downbeat.
_POSITION = {
    "kick": _profile([6, 0.6, 1.5, 0.8, 1.2, 0.5, 1.5, 0.8, 4.5, 0.6, 2.5, 0.8, 1.2, 0.5, 1.5, 0.8]),
    "snare": _profile([0.6, 0.5, 0.8, 0.6, 6, 0.6, 0.8, 0.8, 0.8, 0.5, 0.8, 0.6, 6, 0.6, 1.2, 0.8]),
    "cymbal_time": _profile([1.6, 0.7, 1.5, 0.7] * 4),
    "hihat_open": _profile([1, 0.6, 2, 0.6] * 4),
    "crash": _profile([8, 0.5, 0.8, 0.5, 1, 0.5, 0.8, 0.5, 2, 0.5, 0.8, 0.5, 1, 0.5, 0.8, 0.5]),
}
_GROUP = {"kick": "kick", "snare_center": "snare", "snare_alt": "snare", "snare_sidestick": "snare", "clap": "snare",
          "hihat_closed": "cymbal_time", "ride_bow": "cymbal_time", "ride_bell": "cymbal_time",
          "hihat_pedal": "cymbal_time", "hihat_open": "hihat_open", "crash_1": "crash", "crash_2": "crash",
          "china": "crash", "splash": "crash"}
_FLAT = [1.0] * 16
_LOG_POSITION = {g: [math.log(x) for x in prof] for g, prof in {**_POSITION, "": _FLAT}.items()}


@dataclass(slots=True)
class Candidate:
    map: str
    score: float  #: mean log-likelihood per hit (higher is better)
    confidence: float  #: softmax share across maps, 0-1
    coverage: float  #: share of hits on notes the map knows


@dataclass(slots=True)
class FileDetection:
    path: str
    hits: int = 0
    ranking: list[Candidate] = field(default_factory=list)
    tied: list[str] = field(default_factory=list)  #: maps that read the file exactly like the best one
    evidence: list[str] = field(default_factory=list)
    error: str | None = None
    totals: dict[str, float] = field(default_factory=dict, repr=False)  #: log-likelihood of the file per map

    @property
    def best(self) -> str | None:
        """The best map, or None when the file is unreadable, has no drums, or no map explains it."""
        if self.error or not self.ranking or self.ranking[0].coverage < 0.5:
            return None
        return self.ranking[0].map

    def to_dict(self) -> dict:
        return {"path": self.path, "best": self.best, "tied": self.tied, "hits": self.hits, "error": self.error,
                "evidence": self.evidence,
                "ranking": [asdict(c) for c in self.ranking[:5]]}


@dataclass(slots=True)
class DetectionReport:
    files: list[FileDetection] = field(default_factory=list)

    def summary(self) -> Counter[str]:
        """Files per map ("unknown" for files no map explains). A file that the set's pooled
        best map explains as well as its own best map counts for the pooled one."""
        pooled = self.pooled()
        lead = pooled[0][0] if pooled else None
        out: Counter[str] = Counter()
        for f in self.files:
            b = f.best
            out[lead if b is not None and lead in (b, *f.tied) else (b or "unknown")] += 1
        return out

    def pooled(self) -> list[tuple[str, float]]:
        """Maps ranked for the whole set, as if it were one long file: a library is usually in one
        map, and the pooled evidence of many short loops tells maps apart that one loop cannot."""
        total: Counter[str] = Counter()
        hits = sum(f.hits for f in self.files if f.totals)
        for f in self.files:
            total.update(f.totals)
        return sorted(((m, ll / max(1, hits)) for m, ll in total.items()), key=lambda kv: (-kv[1], kv[0]))

    def to_dict(self) -> dict:
        return {"summary": dict(self.summary().most_common()),
                "pooled": [{"map": m, "score": round(s, 4)} for m, s in self.pooled()[:5]],
                "files": [f.to_dict() for f in self.files]}


def _families(maps: list[DrumMap]) -> dict[str, list[tuple[str, str] | None]]:
    """Per map, each note's reading: (nearest GM articulation, the map's own), None if unknown."""
    gm = load_map("gm").articulations
    out: dict[str, list[tuple[str, str] | None]] = {}
    for m in maps:
        row: list[tuple[str, str] | None] = []
        for n in range(128):
            art = m.articulation_of(n)
            place = nearest(art, gm) if art else None
            row.append((place.articulation, art) if place and art else None)
        out[m.name] = row
    return out


def detect_file(path: str | os.PathLike[str], maps: Iterable[DrumMap] | None = None) -> FileDetection:
    """Rank ``maps`` (default: every known map) for one file."""
    maps = list(maps) if maps is not None else list_maps()
    return _detect(path, maps, _families(maps))


def _detect(path, maps: list[DrumMap], families: dict[str, list[str | None]]) -> FileDetection:
    det = FileDetection(path=os.fspath(path))
    try:
        smf = read(path)
        # Read the notes once, on the drum channel whatever the map: channel 10 if it has
        # notes, else the busiest channel (vendor exports put drums on channel 1).
        first = read_hits(smf, "gm")
        chans = first.note_channels
        channel = 10 if 10 in chans else (max(chans, key=chans.get) if chans else None)
        part = first if channel == first.channel else read_hits(smf, "gm", channel=channel) if channel else first
    except MidiFileError as e:
        det.error = str(MidiFileError(e.what, offset=e.offset, track=e.track))
        return det
    if not part.hits:
        det.error = "no drum notes"
        return det
    det.hits = len(part.hits)
    step = max(1, part.ticks_per_beat // 4)
    slots = part.bar_ticks // step if part.bar_ticks % step == 0 else 16
    cells: Counter[tuple[int, int]] = Counter()
    for h in part.hits:
        pos = round(h.tick / step) % slots
        cells[(h.note, pos * 16 // slots)] += 1
    n = sum(cells.values())
    scores: dict[str, tuple[float, float]] = {}
    used = {note for note, _ in cells}
    for m in maps:
        reading = families[m.name]
        ll = 0.0
        known = 0
        for (note, pos), c in cells.items():
            r = reading[note]
            if r is None:
                ll += c * math.log(_UNKNOWN)
                continue
            known += c
            ll += c * _LOG_POSITION[_GROUP.get(r[0], "")][pos]
        for u in used:
            if reading[u] is not None:
                ll += math.log(_USE.get(reading[u][0], _RARE))
        ll += _MAP_PRIOR.get(m.name, 0.0)
        scores[m.name] = (ll / n, known / n)
        det.totals[m.name] = ll
    best = max(s for s, _ in scores.values())
    z = sum(math.exp((s - best) * n ** 0.5) for s, _ in scores.values())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    det.ranking = [Candidate(name, round(s, 4), round(math.exp((s - best) * n ** 0.5) / z, 4), round(cov, 4))
                   for name, (s, cov) in ranked]
    top = ranked[0][0]
    # Maps that hear every note of this file as the same sound cannot be told apart by it.
    det.tied = [name for name, _ in ranked[1:] if all(_gm(families[name][u]) == _gm(families[top][u]) for u in used)]
    det.evidence = _evidence(cells, maps, families, top, det)
    return det


def _gm(reading: tuple[str, str] | None) -> str | None:
    return reading[0] if reading else None


def _evidence(cells: Counter[tuple[int, int]], maps: list[DrumMap], families, top: str, det: FileDetection) -> list[str]:
    by_name = {m.name: m for m in maps}
    per_note: Counter[int] = Counter()
    for (note, _), c in cells.items():
        per_note[note] += c
    rivals = [c.map for c in det.ranking[1:4] if c.map not in det.tied]
    lines = []
    for note, c in per_note.most_common(4):
        reading = [f"{by_name[top].articulation_of(note) or 'unknown'} in {top}"]
        for r in rivals:
            art = by_name[r].articulation_of(note)
            if art != by_name[top].articulation_of(note):
                reading.append(f"{art or 'unknown'} in {r}")
        lines.append(f"note {note} used {c:,} times: " + ", ".join(reading[:3]))
    fam = families[top]
    kicks = [(pos, c) for (note, pos), c in cells.items() if fam[note] and fam[note][0] == "kick"]
    if kicks:
        on = sum(c for pos, c in kicks if pos in (0, 8)) / sum(c for _, c in kicks)
        lines.append(f"as {top} reads it, {on:.0%} of kicks land on beats 1 and 3")
    snares = [(pos, c) for (note, pos), c in cells.items() if fam[note] and _GROUP.get(fam[note][0]) == "snare"]
    if snares:
        on = sum(c for pos, c in snares if pos in (4, 12)) / sum(c for _, c in snares)
        lines.append(f"{on:.0%} of snare hits on the backbeat (2 and 4)")
    cov = det.ranking[0].coverage
    if cov < 1:
        lines.append(f"{1 - cov:.0%} of hits are on notes {top} does not know")
    return lines


def detect(path: str | os.PathLike[str], maps: Iterable[str | DrumMap] | None = None, *,
           progress: Callable[[int, int], None] | None = None) -> DetectionReport:
    """Rank the known maps for a file, or for every MIDI file under a folder."""
    ms = [load_map(m) for m in maps] if maps is not None else list_maps()
    families = _families(ms)
    files, _ = find_files(Path(path))
    report = DetectionReport()
    for i, p in enumerate(files):
        report.files.append(_detect(p, ms, families))
        if progress:
            progress(i + 1, len(files))
    return report


def best_map(path: str | os.PathLike[str]) -> str | None:
    """The map a file or a whole folder is most likely in (for ``convert --from auto``).

    A folder is judged as one library (pooled evidence); None when nothing explains it.
    """
    report = detect(path)
    explained = [f for f in report.files if f.best is not None]
    if not explained:
        return None
    return report.pooled()[0][0]
