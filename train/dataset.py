"""``prepare``: a loop library, in any map, to Magenta's drums RNN training and evaluation sets.

Each file is converted to GM in memory with mapkit (drums on channel 10, no second copy
on disk), read as a NoteSequence, split at tempo and meter changes, quantized to 16ths,
and its drum tracks extracted and encoded with Magenta's own functions and encoder: the
same steps as ``drums_rnn_create_dataset``, but per file, so that every example records
where it came from, and with two changes Magenta's script does not offer:

* a configurable minimum length (Magenta's script hard-codes 7 bars, which drops
  every 1-, 2- and 4-bar loop), and
* loop tiling: a short loop is repeated, whole bars at a time, to ``tile_to`` bars.

The train/eval split is by file, seeded, and stable: whether a file goes to evaluation
depends only on its path and the seed, so adding files never reshuffles the others.
"""

from __future__ import annotations

import bisect
import copy
import csv
import hashlib
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import _magenta  # noqa: F401  (must come before TensorFlow and Magenta)

import note_seq  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402
from magenta.models.drums_rnn import drums_rnn_model  # noqa: E402
from magenta.pipelines import drum_pipelines, event_sequence_pipeline  # noqa: E402
from note_seq import sequences_lib  # noqa: E402

import mapkit  # noqa: E402
from mapkit.convert import find_files  # noqa: E402

__all__ = ["FileExamples", "PrepareReport", "prepare", "tile", "TRAIN_FILE", "EVAL_FILE"]

TRAIN_FILE = "training_drum_tracks.tfrecord"
EVAL_FILE = "eval_drum_tracks.tfrecord"
STEPS_PER_QUARTER = 4
MAX_STEPS = 512  # Magenta's drums RNN truncates tracks to 32 bars


@dataclass(slots=True)
class FileExamples:
    path: str
    split: str  #: "train" or "eval"
    examples: int = 0
    tiled: int = 0  #: tracks that were tiled up to length
    reason: str = ""  #: why the file gave no example


@dataclass(slots=True)
class PrepareReport:
    run_dir: str
    source_map: str
    files: list[FileExamples] = field(default_factory=list)
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    def count(self, split: str) -> int:
        return sum(f.examples for f in self.files if f.split == split)

    @property
    def without_examples(self) -> list[FileExamples]:
        return [f for f in self.files if not f.examples]

    def to_dict(self) -> dict:
        return {"run_dir": self.run_dir, "source_map": self.source_map, "seconds": round(self.seconds, 2),
                "settings": self.settings, "train_examples": self.count("train"),
                "eval_examples": self.count("eval"), "files": len(self.files),
                "files_with_examples": sum(1 for f in self.files if f.examples),
                "reasons": dict(Counter(f.reason for f in self.without_examples))}


def _split_of(rel: str, seed: int, eval_ratio: float) -> str:
    h = int.from_bytes(hashlib.sha1(f"{seed}:{rel}".encode()).digest()[:8], "big") / 2**64
    return "eval" if h < eval_ratio else "train"


def tile(track: note_seq.DrumTrack, bars: int) -> note_seq.DrumTrack:
    """``track`` repeated, whole bars at a time, until it lasts at least ``bars`` bars."""
    spb = track.steps_per_bar
    events = list(track)
    length = math.ceil(len(events) / spb) * spb
    events += [frozenset()] * (length - len(events))
    out = list(events)
    while len(out) < bars * spb:
        out += events
    return note_seq.DrumTrack(out[: max(bars * spb, len(events))], start_step=0, steps_per_bar=spb,
                              steps_per_quarter=track.steps_per_quarter)


def note_sequence(data: bytes, plan) -> note_seq.NoteSequence:
    """The drums of a MIDI file as a GM NoteSequence, straight from mapkit's reader.

    Equivalent to converting the file with mapkit and reading it with
    ``note_seq.midi_to_note_sequence``, but without a second parse through pretty_midi and
    mido, which took two thirds of the time. Only drum onsets matter to the drums RNN, so
    each note lasts a sixteenth; notes the target cannot place keep their number.
    """
    part = mapkit.read_hits(data, plan.source)
    tpb = part.ticks_per_beat
    tempos = part.tempos if part.tempos and part.tempos[0][0] == 0 else [(0, 500000), *part.tempos]
    # tick -> seconds across tempo changes
    starts, secs = [], []
    t_sec = 0.0
    for i, (tick, us) in enumerate(tempos):
        if i:
            prev_tick, prev_us = tempos[i - 1]
            t_sec += (tick - prev_tick) * prev_us / 1e6 / tpb
        starts.append(tick)
        secs.append(t_sec)

    def seconds(tick: int) -> float:
        i = bisect.bisect_right(starts, tick) - 1
        return secs[i] + (tick - starts[i]) * tempos[i][1] / 1e6 / tpb

    ns = note_seq.NoteSequence(ticks_per_quarter=tpb)
    for tick, us in tempos:
        ns.tempos.add(time=seconds(tick), qpm=60e6 / us)
    for tick, num, den in part.time_signatures:
        ns.time_signatures.add(time=seconds(tick), numerator=num, denominator=den)
    sixteenth = tpb // 4
    for h in part.hits:
        route = plan.route(h.note, h.velocity)
        start = seconds(h.tick)
        ns.notes.add(pitch=route.target_note if route.target_note is not None else h.note, velocity=h.velocity,
                     start_time=start, end_time=seconds(h.tick + sixteenth), is_drum=True, instrument=9)
    ns.total_time = max((n.end_time for n in ns.notes), default=0.0)
    return ns


def prepare(
    library: str | os.PathLike[str],
    source_map: str,
    run_dir: str | os.PathLike[str],
    *,
    eval_ratio: float = 0.1,
    seed: int = 0,
    min_bars: int = 1,
    tile_to: int = 8,
    config: str = "drum_kit",
    progress: Callable[[int, int], None] | None = None,
) -> PrepareReport:
    """Write ``RUN_DIR/{training,eval}_drum_tracks.tfrecord``, ``examples.csv`` and ``prepare.json``."""
    t0 = time.perf_counter()
    root = Path(library)
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = mapkit.plan_conversion(source_map, "gm")
    cfg = copy.deepcopy(drums_rnn_model.default_configs[config])
    files, _ = find_files(root)
    report = PrepareReport(run_dir=str(out), source_map=plan.source.name,
                           settings={"eval_ratio": eval_ratio, "seed": seed, "min_bars": min_bars,
                                     "tile_to": tile_to, "config": config})
    writers = {"train": tf.io.TFRecordWriter(str(out / (TRAIN_FILE + ".tmp"))),
               "eval": tf.io.TFRecordWriter(str(out / (EVAL_FILE + ".tmp")))}
    try:
        for i, p in enumerate(files):
            rel = p.name if root.is_file() else str(p.relative_to(root))
            fe = FileExamples(path=rel, split=_split_of(rel, seed, eval_ratio))
            for example in _examples(p, plan, cfg, min_bars, tile_to, fe):
                writers[fe.split].write(example.SerializeToString())
                fe.examples += 1
            report.files.append(fe)
            if progress:
                progress(i + 1, len(files))
    finally:
        for w in writers.values():
            w.close()
    os.replace(out / (TRAIN_FILE + ".tmp"), out / TRAIN_FILE)
    os.replace(out / (EVAL_FILE + ".tmp"), out / EVAL_FILE)
    report.seconds = time.perf_counter() - t0
    with open(out / "examples.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "split", "examples", "tiled", "reason"])
        for fe in report.files:
            w.writerow([fe.path, fe.split, fe.examples, fe.tiled, fe.reason])
    (out / "prepare.json").write_text(json.dumps(report.to_dict(), indent=1))
    return report


def _examples(path: Path, plan, cfg, min_bars: int, tile_to: int, fe: FileExamples):
    try:
        ns = note_sequence(path.read_bytes(), plan)
    except mapkit.MidiFileError as e:
        fe.reason = f"unreadable: {e}"
        return
    if not ns.notes:
        fe.reason = "no drum notes"
        return
    encoder = event_sequence_pipeline.EncoderPipeline(note_seq.DrumTrack, cfg.encoder_decoder)
    found: Counter[str] = Counter()
    for piece in sequences_lib.split_note_sequence_on_time_changes(ns):
        try:
            q = sequences_lib.quantize_note_sequence(piece, STEPS_PER_QUARTER)
        except Exception as e:  # e.g. a meter whose bar is not a whole number of 16ths
            found[f"cannot quantize: {e}"] += 1
            continue
        tracks, stats = drum_pipelines.extract_drum_tracks(
            q, min_bars=min_bars, max_steps_truncate=MAX_STEPS, gap_bars=1.0, pad_end=True)
        for s in stats:  # Magenta's own words for why a track was dropped
            if s.name.startswith("drum_tracks_discarded") and getattr(s, "count", 0):
                found[s.name] += s.count
        for track in tracks:
            if tile_to and len(track) < tile_to * track.steps_per_bar:
                track = tile(track, tile_to)
                fe.tiled += 1
            yield from encoder.transform(track)
            found["track"] += 1
    if not found["track"]:
        reasons = [k for k, v in found.items() if v and k != "track"]
        fe.reason = ", ".join(reasons) if reasons else f"no drum track of at least {min_bars} bar(s)"
