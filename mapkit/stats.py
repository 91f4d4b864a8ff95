"""Groove measures of drum loops, per file and per set, and a generated set beside its corpus.

``groove_stats("beat.mid", "gm")`` measures one file; ``collect(["loops/"], "gm")``
measures a folder; ``compare(generated, library, "gm")`` puts two sets side by side.
Every measure is computed in the map's words (articulations and their kit-piece
families from :func:`mapkit.articulations.vocabulary`), so the same numbers come out
for the same groove whatever sampler's note map it is written in.

Definitions (``step`` is a sixteenth note: ``ticks_per_beat / 4``; an *onset* is a
drum note-on with velocity > 0 on the drum channel, see :func:`mapkit.hits.read_hits`):

- **Grid position.** Every onset is snapped to its nearest sixteenth, ``round(tick / step)``.
  The snapped position decides which bar, beat and sixteenth slot an onset belongs to,
  so a kick played 10 ms before the bar line still counts as that bar's downbeat.
  Only the on-grid rate looks at how far an onset was from its snapped position.
- **Bars.** Bars follow the file's time signatures (4/4 when it names none; a change
  starts a new bar). The measured *span* runs from the bar of the first onset to the
  bar of the last onset, inclusive: lead-in silence and the end-of-track padding that
  many recorders leave are not counted, silent bars inside the span are.
- **Pulses** (the beats a listener taps). In simple meters, one per time-signature unit
  (4/4: 4 quarters; 3/4: 3; 5/8: 5 eighths). In compound meters (denominator 8 or
  more and numerator 6, 9, 12, ...) one per dotted group: 6/8 has 2 pulses of three
  eighths, 12/8 has 4.
- **on_grid_rate**: the share of onsets lying within ``tolerance`` sixteenths of their
  nearest sixteenth (default 0.125: ±1/8 of a sixteenth, ±15.6 ms at 120 BPM; onsets
  placed at random would score 0.25). Quantised loops score 1.0; human playing
  scores lower; swung and triplet figures score low by design (they are not on
  the straight sixteenth grid).
- **downbeat_kick_rate**: the share of bars in the span whose first pulse (the bar
  line itself, in every meter: beat 1 of 3/4, the first dotted quarter of 6/8) has a
  kick-family onset snapped onto it.
- **backbeat_snare_rate**: the share of backbeats in the span with a snare-family onset
  (head, rimshot, sidestick...) snapped onto them. Backbeats are the even-numbered
  pulses of a bar: beats 2 and 4 of 4/4, beat 2 of 3/4 and 2/4, the second dotted
  quarter of 6/8, pulses 2 and 4 of 12/8. Bars with a single pulse have none.
- **groove_consistency**: ``1 - mean(hamming(P[i], P[i+1]) / slots)`` over neighbouring
  bars of the span, where ``P[i]`` is the set of sixteenth slots of bar ``i`` holding any
  onset (any articulation) and ``slots`` the sixteenths per bar (16 in 4/4, 12 in 6/8
  and 3/4; the longer bar's where a time signature changes). 1.0: every bar has the
  same onset pattern. None for a span of one bar. (After Wu & Yang's grooving-pattern
  similarity, as in MusPy's ``groove_consistency``.)
- **empty_beat_rate**: the share of pulses in the span with no onset snapped into them
  (from the pulse's start up to the next pulse).
- **notes_per_bar**: onsets / bars in the span.
- **articulation_share**: onsets per articulation / all onsets; notes the map does not
  know count as ``"note N"``. For a set of files the shares are pooled over all onsets.

Kick family = articulations whose vocabulary family is ``kick``; snare family = ``snare``.
A file with no onsets has every rate None (not 0: nothing was played to be judged).

Sets (:func:`collect`, :func:`summarize`) report each measure's mean, median, standard
deviation and count over files where it is defined. :func:`compare` adds, per measure,
the *overlap area* of the two sets' per-file distributions: both are binned into the
same ``bins`` equal-width bins (``[0, 1]`` for rates, the joint min..max for notes per
bar), normalised to sum 1, and ``overlap = sum(min(p, q))``: 1.0 for identical
histograms, 0.0 for disjoint ones (after Yang & Lerch, "On the evaluation of generative
models in music", 2020). Articulation shares are compared the same way, as one
categorical distribution: ``sum over articulations of min(share_gen, share_lib)``.
"""

from __future__ import annotations

import bisect
import math
import os
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .articulations import vocabulary
from .hits import DrumPart, read_hits
from .maps import DrumMap, load_map
from .smf import MidiFileError, Smf

__all__ = [
    "MEASURES",
    "GrooveStats",
    "MeasureSummary",
    "SetStats",
    "MeasureComparison",
    "Comparison",
    "groove_stats",
    "measure_part",
    "collect",
    "summarize",
    "compare",
    "overlap_area",
    "bar_layout",
    "Bar",
]

#: The per-file measures, in report order, each with a short description.
MEASURES: dict[str, str] = {
    "on_grid_rate": "onsets within the tolerance of the 16th grid",
    "downbeat_kick_rate": "bars with a kick on the downbeat",
    "backbeat_snare_rate": "backbeats (even pulses) with a snare",
    "groove_consistency": "1 - mean Hamming distance of neighbouring bars' onset patterns",
    "empty_beat_rate": "pulses with no onset",
    "notes_per_bar": "onsets per bar",
}

#: Measures bounded to [0, 1] (histograms over that range); the others use the data's range.
_RATES = frozenset(MEASURES) - {"notes_per_bar"}

DEFAULT_TOLERANCE = 0.125  #: in sixteenths


Source = str | os.PathLike[str] | bytes | Smf | DrumPart


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a file's meter, in ticks."""

    start: int
    length: int
    numerator: int
    denominator: int
    unit: int  #: ticks of one time-signature unit (a quarter in 4/4, an eighth in 6/8)

    @property
    def pulses(self) -> list[int]:
        """Start ticks of the bar's pulses (beats a listener taps), see the module docstring."""
        unit = self.unit
        compound = self.denominator >= 8 and self.numerator % 3 == 0 and self.numerator > 3
        group = 3 if compound else 1
        return [self.start + k * unit * group for k in range(max(1, self.numerator // group))
                if k * unit * group < self.length]  # a bar cut short by a time signature change loses its tail


def bar_layout(part: DrumPart, until: int) -> list[Bar]:
    """The bars of ``part`` from tick 0 until they cover tick ``until`` (time signature changes followed)."""
    sigs = [(t, n, d) for t, n, d in part.time_signatures if n > 0 and d > 0]
    if not sigs or sigs[0][0] > 0:
        sigs.insert(0, (0, 4, 4))
    # Several signatures at one tick: the last one wins (GMD files repeat 4/4 at tick 0).
    dedup: dict[int, tuple[int, int]] = {}
    for t, n, d in sigs:
        dedup[t] = (n, d)
    segs = sorted(dedup.items())
    bars: list[Bar] = []
    for i, (t, (n, d)) in enumerate(segs):
        seg_end = segs[i + 1][0] if i + 1 < len(segs) else None
        length = max(1, part.ticks_per_beat * 4 * n // d)
        start = t
        while (seg_end is None and start <= until) or (seg_end is not None and start < seg_end):
            end = start + length if seg_end is None else min(start + length, seg_end)
            bars.append(Bar(start, end - start, n, d, max(1, part.ticks_per_beat * 4 // d)))
            start = end
        if seg_end is not None and seg_end > until:
            break
    return bars


@dataclass(slots=True)
class GrooveStats:
    """The groove measures of one file (see the module docstring for the definitions)."""

    path: str | None
    onsets: int
    bars: int  #: bars in the measured span
    pulses: int
    time_signature: str  #: of the first bar, e.g. "4/4"
    on_grid_rate: float | None
    downbeat_kick_rate: float | None
    backbeat_snare_rate: float | None
    groove_consistency: float | None
    empty_beat_rate: float | None
    notes_per_bar: float | None
    articulation_counts: dict[str, int] = field(default_factory=dict)

    @property
    def articulation_share(self) -> dict[str, float]:
        return _shares(Counter(self.articulation_counts))

    def measure(self, name: str) -> float | None:
        return getattr(self, name)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["articulation_share"] = self.articulation_share
        return d


def groove_stats(source: Source, drum_map: str | DrumMap = "gm", *, tolerance: float = DEFAULT_TOLERANCE) -> GrooveStats:
    """The groove measures of a file: a path, its bytes, a parsed ``Smf`` or a ``DrumPart``.

    Raises ``MidiFileError`` for unreadable input (the message is one line).
    """
    dm = load_map(drum_map)
    if isinstance(source, DrumPart):
        part, path = source, None
    else:
        path = None if isinstance(source, bytes | bytearray | Smf) else os.fspath(source)
        part = read_hits(source, dm)
    return measure_part(part, tolerance=tolerance, path=path)


def measure_part(part: DrumPart, *, tolerance: float = DEFAULT_TOLERANCE, path: str | None = None) -> GrooveStats:
    """The groove measures of an already-read drum part."""
    if not 0 <= tolerance <= 0.5:
        raise ValueError(f"tolerance is in sixteenths and must lie in [0, 0.5], not {tolerance}")
    step = part.ticks_per_beat / 4
    counts = Counter(h.articulation or f"note {h.note}" for h in part.hits)
    first_sig = part.time_signatures[0] if part.time_signatures else (0, 4, 4)
    if not part.hits:
        return GrooveStats(path, 0, 0, 0, f"{first_sig[1]}/{first_sig[2]}", None, None, None, None, None, None, {})

    vocab = vocabulary()
    fam = {h.articulation: (vocab[h.articulation].family if h.articulation in vocab else "other")
           for h in part.hits if h.articulation}
    # Snapped positions in ticks (rounded so they compare exactly with bar and pulse starts).
    snapped = [round(round(h.tick / step) * step) for h in part.hits]
    on_grid = sum(1 for h, s in zip(part.hits, snapped) if abs(h.tick - s) <= tolerance * step + 1e-9)
    kicks = {s for h, s in zip(part.hits, snapped) if fam.get(h.articulation) == "kick"}
    snares = {s for h, s in zip(part.hits, snapped) if fam.get(h.articulation) == "snare"}

    bars = bar_layout(part, max(snapped))
    starts = [b.start for b in bars]
    first = max(0, bisect.bisect_right(starts, min(snapped)) - 1)
    last = max(0, bisect.bisect_right(starts, max(snapped)) - 1)
    span = bars[first:last + 1]
    onset_ticks = sorted(set(snapped))

    downbeats = sum(1 for b in span if b.start in kicks)
    backbeats = [p for b in span for p in b.pulses[1::2]]
    pulses = [(p, nxt) for b in span for p, nxt in zip(b.pulses, [*b.pulses[1:], b.start + b.length])]
    empty = sum(1 for a, z in pulses if not _any_in(onset_ticks, a, z))
    patterns = [_pattern(onset_ticks, b, step) for b in span]
    if len(span) >= 2:
        dists = [len(p ^ q) / max(_slots(a, step), _slots(b, step))
                 for (p, a), (q, b) in zip(zip(patterns, span), zip(patterns[1:], span[1:]))]
        consistency: float | None = 1 - sum(dists) / len(dists)
    else:
        consistency = None
    n = len(part.hits)
    return GrooveStats(
        path=path,
        onsets=n,
        bars=len(span),
        pulses=len(pulses),
        time_signature=f"{span[0].numerator}/{span[0].denominator}",
        on_grid_rate=on_grid / n,
        downbeat_kick_rate=downbeats / len(span),
        backbeat_snare_rate=(sum(1 for p in backbeats if p in snares) / len(backbeats)) if backbeats else None,
        groove_consistency=consistency,
        empty_beat_rate=empty / len(pulses),
        notes_per_bar=n / len(span),
        articulation_counts=dict(counts.most_common()),
    )


def _any_in(sorted_ticks: list[int], lo: int, hi: int) -> bool:
    i = bisect.bisect_left(sorted_ticks, lo)
    return i < len(sorted_ticks) and sorted_ticks[i] < hi


def _slots(bar: Bar, step: float) -> int:
    return max(1, round(bar.length / step))


def _pattern(sorted_ticks: list[int], bar: Bar, step: float) -> frozenset[int]:
    i = bisect.bisect_left(sorted_ticks, bar.start)
    j = bisect.bisect_left(sorted_ticks, bar.start + bar.length)
    return frozenset(round((t - bar.start) / step) for t in sorted_ticks[i:j])


def _shares(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.most_common()} if total else {}


# -- sets of files ----------------------------------------------------------


@dataclass(slots=True)
class MeasureSummary:
    """One measure over a set of files (files where it is undefined are left out)."""

    mean: float | None
    median: float | None
    std: float | None
    n: int
    values: list[float] = field(default_factory=list, repr=False)

    @classmethod
    def of(cls, values: Sequence[float]) -> "MeasureSummary":
        if not values:
            return cls(None, None, None, 0, [])
        return cls(statistics.fmean(values), statistics.median(values),
                   statistics.pstdev(values) if len(values) > 1 else 0.0, len(values), list(values))

    def to_dict(self) -> dict:
        return {"mean": self.mean, "median": self.median, "std": self.std, "n": self.n}


@dataclass(slots=True)
class SetStats:
    """Measures of every readable file of a set, the files that failed, and the set's summary."""

    name: str
    files: list[GrooveStats] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  #: (path, one-line reason)

    @property
    def measures(self) -> dict[str, MeasureSummary]:
        return summarize(self.files)

    @property
    def articulation_share(self) -> dict[str, float]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.articulation_counts)
        return _shares(total)

    def to_dict(self, files: bool = True) -> dict:
        d: dict = {
            "name": self.name,
            "summary": {
                "files": len(self.files),
                "failed": len(self.failed),
                "onsets": sum(f.onsets for f in self.files),
                "bars": sum(f.bars for f in self.files),
                **{k: v.to_dict() for k, v in self.measures.items()},
                "articulation_share": self.articulation_share,
            },
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
        }
        if files:
            d["files"] = [f.to_dict() for f in self.files]
        return d


def summarize(files: Iterable[GrooveStats]) -> dict[str, MeasureSummary]:
    """Mean, median, std and count of each measure over ``files``."""
    files = list(files)
    return {m: MeasureSummary.of([v for f in files if (v := f.measure(m)) is not None]) for m in MEASURES}


SetItem = Source | GrooveStats


def collect(
    items: SetItem | Iterable[SetItem],
    drum_map: str | DrumMap = "gm",
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SetStats:
    """Measure a set: files, folders (searched recursively for MIDI files), bytes or parts.

    Unreadable files go to ``failed`` with a one-line reason; the rest goes on.
    ``progress(done, total)`` is called after each file.
    """
    from .convert import find_files  # the shared rule for "which files of a folder are MIDI"

    dm = load_map(drum_map)
    if isinstance(items, str | os.PathLike | bytes | bytearray | Smf | DrumPart | GrooveStats):
        items = [items]
    flat: list[SetItem] = []
    for it in items:
        if isinstance(it, str | os.PathLike) and Path(it).is_dir():
            flat.extend(find_files(Path(it))[0])
        else:
            flat.append(it)
    if name is None:
        paths = [os.fspath(i) for i in (items if isinstance(items, list) else []) if isinstance(i, str | os.PathLike)]
        name = paths[0] if len(paths) == 1 else f"{len(flat)} files"
    out = SetStats(name=name)
    for k, it in enumerate(flat):
        if isinstance(it, GrooveStats):
            out.files.append(it)
        else:
            try:
                out.files.append(groove_stats(it, dm, tolerance=tolerance))
            except MidiFileError as e:
                where = os.fspath(it) if isinstance(it, str | os.PathLike) else f"item {k}"
                # The reason without the path in front: the path is the first field already.
                out.failed.append((where, str(MidiFileError(e.what, offset=e.offset, track=e.track))))
        if progress:
            progress(k + 1, len(flat))
    return out


# -- generated vs library ---------------------------------------------------


def overlap_area(a: Sequence[float], b: Sequence[float], *, bins: int = 20,
                 lo: float | None = None, hi: float | None = None) -> float | None:
    """Shared area of the two samples' normalised histograms (same ``bins`` over [lo, hi]); None if one is empty."""
    if not a or not b:
        return None
    lo = min(min(a), min(b)) if lo is None else lo
    hi = max(max(a), max(b)) if hi is None else hi
    if hi <= lo:
        return 1.0  # every value equal: identical point masses
    width = (hi - lo) / bins

    def hist(xs: Sequence[float]) -> list[float]:
        h = [0] * bins
        for x in xs:
            h[min(bins - 1, max(0, math.floor((x - lo) / width)))] += 1
        return [c / len(xs) for c in h]

    return sum(min(p, q) for p, q in zip(hist(a), hist(b)))


@dataclass(slots=True)
class MeasureComparison:
    measure: str
    generated: MeasureSummary
    library: MeasureSummary
    overlap: float | None  #: histogram overlap area, 0-1

    def to_dict(self) -> dict:
        return {"measure": self.measure, "generated": self.generated.to_dict(), "library": self.library.to_dict(),
                "overlap": self.overlap}


@dataclass(slots=True)
class Comparison:
    """A generated set beside its training corpus."""

    generated: SetStats
    library: SetStats
    measures: list[MeasureComparison]
    articulations: list[tuple[str, float, float]]  #: (articulation, share generated, share library)
    articulation_overlap: float | None  #: sum of min(share) over articulations, 0-1
    bins: int

    def to_dict(self) -> dict:
        return {
            "generated": self.generated.to_dict(files=False),
            "library": self.library.to_dict(files=False),
            "bins": self.bins,
            "measures": [m.to_dict() for m in self.measures],
            "articulations": [{"articulation": a, "generated": g, "library": lib} for a, g, lib in self.articulations],
            "articulation_overlap": self.articulation_overlap,
        }


def compare(
    generated_paths: SetItem | Iterable[SetItem] | SetStats,
    library_paths: SetItem | Iterable[SetItem] | SetStats,
    drum_map: str | DrumMap = "gm",
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    bins: int = 20,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Each measure of a generated set beside its library's, with the overlap of their distributions.

    Either side may be files, folders, bytes, parts, or an already-collected ``SetStats``.
    """
    gen = generated_paths if isinstance(generated_paths, SetStats) else collect(
        generated_paths, drum_map, tolerance=tolerance, progress=progress)
    lib = library_paths if isinstance(library_paths, SetStats) else collect(
        library_paths, drum_map, tolerance=tolerance, progress=progress)
    sg, sl = gen.measures, lib.measures
    rows = []
    for m in MEASURES:
        lo, hi = (0.0, 1.0) if m in _RATES else (None, None)
        rows.append(MeasureComparison(m, sg[m], sl[m], overlap_area(sg[m].values, sl[m].values, bins=bins, lo=lo, hi=hi)))
    ag, al = gen.articulation_share, lib.articulation_share
    names = sorted(set(ag) | set(al), key=lambda a: -(ag.get(a, 0) + al.get(a, 0)))
    arts = [(a, ag.get(a, 0.0), al.get(a, 0.0)) for a in names]
    art_overlap = sum(min(g, lib_) for _, g, lib_ in arts) if ag and al else None
    return Comparison(gen, lib, rows, arts, art_overlap, bins)
